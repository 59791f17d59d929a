// Interpreter throughput. Run: node dist/bench/interpreter.js (after npm run build).
// Figures (each the median of REPS repetitions, all measured in this run):
//  - 64-bit representation: the same counting loop in two minimal interpreters with identical
//    dispatch, registers as BigUint64Array vs (hi, lo) Int32Array halves — why isa/interp/interpreter.ts
//    uses halves;
//  - the real Interpreter on that loop (1M iterations, 3M instructions) vs the kernel running the
//    same program (100k iterations: the verifier walks every iteration and caps at 1M) through
//    BPF_PROG_TEST_RUN (JIT if enabled) — instructions per second;
//  - the conformance suite end to end: our interpreter vs the kernel engine (load + verify + run).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, conformanceProgram, type Instruction, Interpreter, parseConformanceTest } from 'tsbpf/isa';

const REPS = 9;
const LOOP = (n: number) => `r0 = 0\nr1 = 0\nL:\nr0 += r1\nr1 += 1\nif r1 < ${n} goto L\nexit`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void, reps = REPS): number {
  const out: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(out);
}

const line = (name: string, ours: string, floor: string, ratio: number) =>
  console.log(`${name}: ours ${ours}, floor ${floor}, ratio ${ratio.toFixed(3)}`);
const mips = (instructions: number, seconds: number) => instructions / seconds / 1e6;

// ---- minimal interpreters for the representation comparison (mov, add, xor, mul, rsh, add32, jlt, exit) ----
interface Mini {
  op: Int32Array;
  dst: Int32Array;
  src: Int32Array;
  imm: Int32Array;
  target: Int32Array;
}
function mini(program: Instruction[]): Mini {
  const n = program.length;
  const m = {
    op: new Int32Array(n),
    dst: new Int32Array(n),
    src: new Int32Array(n),
    imm: new Int32Array(n),
    target: new Int32Array(n),
  };
  program.forEach((ins, i) => {
    m.op[i] = ins.code;
    m.dst[i] = ins.dst;
    m.src[i] = ins.src;
    m.imm[i] = ins.imm;
    m.target[i] = i + 1 + ins.off;
  });
  return m;
}

function runBigInt(m: Mini): bigint {
  const r = new BigUint64Array(11);
  const { op, dst, src, imm, target } = m;
  let pc = 0;
  for (;;) {
    const d = dst[pc];
    switch (op[pc]) {
      case 0xb7:
        r[d] = BigInt.asUintN(64, BigInt(imm[pc]));
        pc++;
        break;
      case 0x0f:
        r[d] = r[d] + r[src[pc]];
        pc++;
        break;
      case 0x07:
        r[d] = r[d] + BigInt.asUintN(64, BigInt(imm[pc]));
        pc++;
        break;
      case 0xa5:
        pc = r[d] < BigInt.asUintN(64, BigInt(imm[pc])) ? target[pc] : pc + 1;
        break;
      case 0xaf:
        r[d] ^= r[src[pc]];
        pc++;
        break;
      case 0x27:
        r[d] = r[d] * BigInt.asUintN(64, BigInt(imm[pc]));
        pc++;
        break;
      case 0xbf:
        r[d] = r[src[pc]];
        pc++;
        break;
      case 0x77:
        r[d] = r[d] >> BigInt(imm[pc] & 63);
        pc++;
        break;
      case 0x0c:
        r[d] = BigInt.asUintN(32, r[d] + r[src[pc]]);
        pc++;
        break;
      default:
        return r[0];
    }
  }
}

function runHalves(m: Mini): bigint {
  const lo = new Int32Array(11);
  const hi = new Int32Array(11);
  const { op, dst, src, imm, target } = m;
  let pc = 0;
  for (;;) {
    const d = dst[pc];
    switch (op[pc]) {
      case 0xb7:
        lo[d] = imm[pc];
        hi[d] = imm[pc] >> 31;
        pc++;
        break;
      case 0x0f: {
        const s = src[pc];
        const t = (lo[d] >>> 0) + (lo[s] >>> 0);
        lo[d] = t | 0;
        hi[d] = (hi[d] + hi[s] + (t >= 4294967296 ? 1 : 0)) | 0;
        pc++;
        break;
      }
      case 0x07: {
        const t = (lo[d] >>> 0) + (imm[pc] >>> 0);
        lo[d] = t | 0;
        hi[d] = (hi[d] + (imm[pc] >> 31) + (t >= 4294967296 ? 1 : 0)) | 0;
        pc++;
        break;
      }
      case 0xa5: {
        const bh = imm[pc] >> 31;
        const less = hi[d] !== bh ? hi[d] >>> 0 < bh >>> 0 : lo[d] >>> 0 < imm[pc] >>> 0;
        pc = less ? target[pc] : pc + 1;
        break;
      }
      case 0xaf:
        lo[d] ^= lo[src[pc]];
        hi[d] ^= hi[src[pc]];
        pc++;
        break;
      case 0x27: {
        // low 64 bits of the product from 16-bit partial products (exact in doubles)
        const alo = lo[d];
        const b = imm[pc];
        const a0 = alo & 0xffff;
        const a1 = alo >>> 16;
        const b0 = b & 0xffff;
        const b1 = b >>> 16;
        const p1 = a1 * b0;
        const p2 = a0 * b1;
        const mid = ((a0 * b0) >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
        const carry = a1 * b1 + (p1 >>> 16) + (p2 >>> 16) + (mid >>> 16);
        hi[d] = (carry + Math.imul(hi[d], b) + Math.imul(alo, b >> 31)) | 0;
        lo[d] = Math.imul(alo, b);
        pc++;
        break;
      }
      case 0xbf:
        lo[d] = lo[src[pc]];
        hi[d] = hi[src[pc]];
        pc++;
        break;
      case 0x77: {
        const n = imm[pc] & 63;
        if (n >= 32) {
          lo[d] = hi[d] >>> (n - 32);
          hi[d] = 0;
        } else if (n > 0) {
          lo[d] = (lo[d] >>> n) | (hi[d] << (32 - n));
          hi[d] = hi[d] >>> n;
        }
        pc++;
        break;
      }
      case 0x0c:
        lo[d] = (lo[d] + lo[src[pc]]) | 0;
        hi[d] = 0;
        pc++;
        break;
      default:
        return (BigInt(hi[0] >>> 0) << 32n) | BigInt(lo[0] >>> 0);
    }
  }
}

const ITER = 1_000_000;
const program = assemble(LOOP(ITER)).instructions;
const instructions = 3 * ITER + 3;
const expected = BigInt((ITER * (ITER - 1)) / 2);

const m = mini(program);
// warm up both
for (let i = 0; i < 3; i++) {
  runHalves(m);
  runBigInt(m);
}
if (runHalves(m) !== expected || runBigInt(m) !== expected) throw new Error('minimal interpreters disagree');
const tHalves = time(() => runHalves(m));
const tBig = time(() => runBigInt(m));
line(
  '64-bit registers, same loop and dispatch (M instructions/s): halves vs BigInt',
  mips(instructions, tHalves).toFixed(1),
  `${mips(instructions, tBig).toFixed(1)} (BigInt)`,
  tBig / tHalves,
);

// A mixed loop (xor, 64-bit multiply, shift, 32-bit add, compare) — where BigInt must truncate.
const MIX = `r0 = 0\nr1 = 0\nr2 = 1\nL:\nr2 ^= r1\nr2 *= 0x9e3779b1\nr3 = r2\nr3 >>= 7\nr0 += r3\nw4 += w1\nr1 += 1\nif r1 < ${ITER} goto L\nexit`;
const mixProgram = assemble(MIX).instructions;
const mixInstructions = 8 * ITER + 4;
const mm = mini(mixProgram);
for (let i = 0; i < 3; i++) {
  runHalves(mm);
  runBigInt(mm);
}
const mixInterp = new Interpreter(mixProgram, { maxSteps: 1e9 });
if (runHalves(mm) !== runBigInt(mm) || runHalves(mm) !== mixInterp.run().r0)
  throw new Error('mixed loop: results disagree');
const tMixHalves = time(() => runHalves(mm));
const tMixBig = time(() => runBigInt(mm));
line(
  '64-bit registers, mixed ALU loop (M instructions/s): halves vs BigInt',
  mips(mixInstructions, tMixHalves).toFixed(1),
  `${mips(mixInstructions, tMixBig).toFixed(1)} (BigInt)`,
  tMixBig / tMixHalves,
);
for (let i = 0; i < 3; i++) mixInterp.run();
const tMix = time(() => mixInterp.run());
line(
  'Interpreter, mixed ALU loop (M instructions/s) vs the minimal halves loop',
  mips(mixInstructions, tMix).toFixed(1),
  mips(mixInstructions, tMixHalves).toFixed(1),
  tMixHalves / tMix,
);

const interp = new Interpreter(program, { maxSteps: 1e9 });
for (let i = 0; i < 3; i++) interp.run();
if (interp.run().r0 !== expected) throw new Error('interpreter result is wrong');
const tOurs = time(() => interp.run());
const oursRate = mips(instructions, tOurs);
line(
  'Interpreter, 1M-iteration counting loop (M instructions/s) vs the minimal halves loop',
  oursRate.toFixed(1),
  mips(instructions, tHalves).toFixed(1),
  oursRate / mips(instructions, tHalves),
);

// ---- the kernel on the same program ----
async function kernel(): Promise<void> {
  let Program: typeof import('../src/index.js').Program;
  try {
    ({ Program } = await import('../src/index.js'));
  } catch (e) {
    console.log(`kernel: unavailable (${(e as Error).message})`);
    return;
  }
  const KITER = 100_000;
  const kprog = assemble(LOOP(KITER)).instructions;
  const kInstructions = 3 * KITER + 3;
  let prog: import('../src/index.js').Program;
  try {
    prog = Program.load({ type: 'socket_filter', instructions: kprog, license: 'GPL' });
  } catch (e) {
    console.log(`kernel: cannot load the loop (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  try {
    const data = new Uint8Array(64);
    const ns: number[] = [];
    for (let i = 0; i < REPS; i++) ns.push(prog.testRun({ data, repeat: 20 }).duration);
    const kRate = kInstructions / (median(ns) / 1e9) / 1e6;
    const small = new Interpreter(kprog, { maxSteps: 1e9 });
    for (let i = 0; i < 3; i++) small.run();
    const tSmall = time(() => small.run());
    const sRate = mips(kInstructions, tSmall);
    line(
      'counting loop 100k iterations (M instructions/s): Interpreter vs kernel BPF_PROG_TEST_RUN',
      sRate.toFixed(1),
      `${kRate.toFixed(1)} (kernel)`,
      sRate / kRate,
    );
  } finally {
    prog.close();
  }

  // Conformance suite end to end.
  const dir = '/work/shared/conformance/tests';
  const tests = readdirSync(dir)
    .filter((f) => f.endsWith('.data'))
    .sort()
    .map((f) => parseConformanceTest(f, readFileSync(join(dir, f), 'utf8')));
  const programs = tests.map((t) => conformanceProgram(t));
  let steps = 0;
  const tInterp = time(() => {
    steps = 0;
    tests.forEach((t, i) => {
      steps += new Interpreter(programs[i]).run({ mem: t.mem }).steps;
    });
  });
  const { runOnKernel } = await import('../src/conformance-kernel.js');
  const tKernel = time(() => {
    tests.forEach((t, i) => {
      runOnKernel(programs[i], t.mem);
    });
  }, 3);
  line(
    `conformance suite, ${tests.length} programs end to end (ms): Interpreter vs kernel load+verify+test-run`,
    (tInterp * 1e3).toFixed(1),
    `${(tKernel * 1e3).toFixed(1)} (kernel)`,
    tInterp / tKernel,
  );
  console.log(
    `conformance suite: ${steps} instructions in ${(tInterp * 1e3).toFixed(2)} ms = ${mips(steps, tInterp).toFixed(2)} M instructions/s (includes building an Interpreter per program)`,
  );
}

await kernel();
