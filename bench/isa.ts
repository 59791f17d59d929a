// Text tools throughput. Run: node dist/bench/isa.js (after npm run build).
// The library is imported as users import it, through the package's 'tsbpf/isa' entry (dist/lib).
// Every figure is the best (minimum time) of several repetitions, ours and the peer in this run:
//  - assemble (to bytes and to Instruction objects) / disassemble in-process vs llvm-mc-19 /
//    llvm-objdump-19 whole processes on the same input (goal: in-process >= 2M lines/s)
//  - encode / decode vs a byte-copy floor of the same bytes
//  - `tsbpf asm` whole process vs `llvm-mc-19 -filetype=obj` on a 200k-line file (goal: ratio <= 0.8)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, decode, disassemble, encode, instructionProblem } from 'tsbpf/isa';
import { nodeChildEnv } from './support/node-env.js';

const LINES = 200_000;
const REPS = 7;
const root = fileURLToPath(new URL('../../', import.meta.url));
const fixture = join(root, 'test/fixtures/isa/llvm19-goldens.tsv');

// Lines LLVM itself accepts (its own objdump text, re-encodable), repeated to LINES.
const texts = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => l.split('\t'))
  .filter(([, text, re]) => re !== '!' && text !== '<unknown>' && !/\b[rw]11\b/.test(text))
  // LLVM writes shifts by the width and division by 0; the kernel and our assembler refuse them
  .filter(([, , re]) => instructionProblem(decode(Buffer.from(re, 'hex'))[0])?.severity !== 'kernel')
  .map(([, text]) => text.replace(/\\t/g, '\t'));
const lines: string[] = [];
while (lines.length < LINES) lines.push(...texts);
lines.length = LINES;
const source = `${lines.join('\n')}\n`;
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bench-'));
const asmFile = join(dir, 'prog.s');
writeFileSync(asmFile, source);

function best(fn: () => void, reps = REPS): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return min;
}

function tool(name: string): string | undefined {
  return spawnSync(name, ['--version']).status === 0 ? name : undefined;
}

const fmt = (v: number) =>
  v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(3);
function line(name: string, ours: number, floor: number | undefined, unit: string, higherIsBetter: boolean) {
  if (floor === undefined) return console.log(`${name}: ours ${fmt(ours)} ${unit}, floor n/a, ratio n/a`);
  const ratio = higherIsBetter ? floor / ours : ours / floor;
  console.log(`${name}: ours ${fmt(ours)} ${unit}, floor ${fmt(floor)} ${unit}, ratio ${ratio.toFixed(2)}`);
}

const llvmMc = tool('llvm-mc-19');
const llvmObjdump = tool('llvm-objdump-19');
const objFile = join(dir, 'prog.o');

// In-process assembler and disassembler: to wire bytes (what `tsbpf asm` writes) and to
// Instruction objects (what a program built in code reads).
const tAsm = best(() => assemble(source).bytes);
const tAsmObjects = best(() => assemble(source).instructions);
const program = assemble(source).instructions;
const bytes = encode(program);
const tDis = best(() => disassemble(program));
let tMc: number | undefined;
let tObjdump: number | undefined;
if (llvmMc) {
  tMc = best(
    () => execFileSync(llvmMc, ['-triple', 'bpfel', '-mcpu=v4', '-filetype=obj', asmFile, '-o', objFile]),
    3,
  );
}
if (llvmMc && llvmObjdump) {
  tObjdump = best(() => execFileSync(llvmObjdump, ['-d', '--mcpu=v4', objFile], { maxBuffer: 1 << 30 }), 3);
}
line(
  'assemble to bytes (in-process, lines/s) vs llvm-mc-19 process',
  LINES / tAsm,
  tMc && LINES / tMc,
  'lines/s',
  true,
);
line(
  'assemble to Instruction objects (in-process, lines/s) vs llvm-mc-19 process',
  LINES / tAsmObjects,
  tMc && LINES / tMc,
  'lines/s',
  true,
);
line(
  'disassemble (in-process, instructions/s) vs llvm-objdump-19 process',
  program.length / tDis,
  tObjdump && program.length / tObjdump,
  'ins/s',
  true,
);

// Encode/decode against copying the same bytes (memcpy: the least any codec must do).
const copyFloor = best(() => bytes.slice());
const tEnc = best(() => encode(program));
const tDec = best(() => decode(bytes));
line('encode (instructions/s) vs memcpy', program.length / tEnc, program.length / copyFloor, 'ins/s', true);
line('decode (instructions/s) vs memcpy', program.length / tDec, program.length / copyFloor, 'ins/s', true);

// Whole process: tsbpf asm vs llvm-mc-19, same file, ELF output both.
const cli = join(root, 'dist/cli/tsbpf.js');
const cliEnv = nodeChildEnv();
const tCli = best(
  () =>
    execFileSync(process.execPath, [cli, 'asm', asmFile, '--format', 'elf', '-o', join(dir, 'ours.o')], {
      env: cliEnv,
    }),
  5,
);
line(`tsbpf asm process on ${LINES / 1000}k lines (s) vs llvm-mc-19 -filetype=obj`, tCli, tMc, 's', false);
