// bpf(2) through koffi vs the C floors in /work/shared/baselines, measured in the same run.
// Run: node dist/bench/kernel.js (after npm run build; needs root and gcc).
// The C programs are compiled with gcc -O2 into a temp dir and run first; then ours, same shapes:
//  - HASH lookup hit, u32 -> u64, 100k entries, 1M lookups per repetition   (goal <= 1.15x C)
//  - HASH LOOKUP_BATCH of 100k entries, one call of count=100000            (goal <= 1.3x C)
//  - PROG_LOAD of a 2-instruction and a 4,000-instruction socket filter     (goal <= 1.5x / 1.1x C)
//  - node start -> first program loaded, beside bare `node -e 0`            (goal <= 120 ms)
// Each line: `name: ours X, floor Y, ratio Z`, minimum over repetitions (median in brackets).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode, type Instruction } from '../isa/index.js';
import { BpfMap, codecs, Program } from '../src/index.js';
import { now, type Stat, stat } from './support/stats.js';

const BASE = '/work/shared/baselines';
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kbench-'));

function compile(name: string): string {
  const out = join(dir, name);
  execFileSync('gcc', ['-O2', '-I', BASE, '-o', out, join(BASE, `${name}.c`)]);
  return out;
}

/** C report lines: `what  n=..  min=..  median=.. ...`. */
function cFigure(output: string, what: string): Stat {
  const line = output.split('\n').find((l) => l.startsWith(what));
  const m = line && /min=\s*([\d.]+)\s+median=\s*([\d.]+)/.exec(line);
  if (!m) throw new Error(`no '${what}' in C output:\n${output}`);
  return { min: Number(m[1]), median: Number(m[2]) };
}

function report(name: string, ours: Stat, floor: Stat, unit: string): void {
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
  console.log(
    `${name}: ours ${f(ours.min)} ${unit} [median ${f(ours.median)}], floor ${f(floor.min)} ${unit} [median ${f(floor.median)}], ratio ${(ours.min / floor.min).toFixed(2)} (min) ${(ours.median / floor.median).toFixed(2)} (median)`,
  );
}

// ---- C floors, in this run ----
console.log('# compiling and running the C floors (gcc -O2)…');
const mapOut = execFileSync(compile('map_bench'), ['5'], { encoding: 'utf8', maxBuffer: 1 << 24 });
const loadOut = execFileSync(compile('prog_load_bench'), ['30'], { encoding: 'utf8', maxBuffer: 1 << 24 });

// ---- map lookup ----
const NENT = 100_000;
const NOPS = 1_000_000;
{
  using m = BpfMap.create({ type: 'hash', key: codecs.u32, value: codecs.u64n, maxEntries: NENT });
  for (let i = 0; i < NENT; i++) m.set(i, i * 3);
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = now();
    for (let i = 0; i < NOPS; i++) if (m.get(i % NENT) === undefined) throw new Error('miss');
    times.push((now() - t0) / NOPS);
  }
  report(
    'HASH lookup hit u32->u64 (ns/op)',
    stat(times),
    cFigure(mapOut, 'HASH lookup hit 1M (u32->u64, 100k entries)'),
    'ns',
  );

  // ---- batch lookup ----
  const cBatch = cFigure(mapOut, 'HASH LOOKUP_BATCH 100k entries, count=100000');
  const raw: number[] = [];
  const decoded: number[] = [];
  for (let r = 0; r < 7; r++) {
    let t0 = now();
    const n = m.lookupBatchRaw(() => {}, { chunk: NENT });
    raw.push((now() - t0) / 1000);
    if (n !== NENT) throw new Error(`batch got ${n}`);
    t0 = now();
    let sum = 0;
    for (const [k, v] of m.entriesBatch({ chunk: NENT })) sum += v - k * 3;
    decoded.push((now() - t0) / 1000);
    if (sum !== 0) throw new Error('batch values wrong');
  }
  report('HASH LOOKUP_BATCH 100k, raw buffers (us)', stat(raw), cBatch, 'us');
  report('HASH LOOKUP_BATCH 100k, decoded [k,v] pairs (us)', stat(decoded), cBatch, 'us');
}

// ---- program load ----
function straightLine(n: number): Instruction[] {
  const p: Instruction[] = [{ code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 }];
  for (let i = 1; i < n - 1; i++) p.push({ code: 0x07, dst: 0, src: 0, off: 0, imm: 1 });
  p.push({ code: 0x95, dst: 0, src: 0, off: 0, imm: 0 });
  return p;
}
for (const [n, reps, cName] of [
  [2, 300, 'SOCKET_FILTER trivial r0=0;exit (2 insns, log_level=0)'],
  [4000, 30, 'SOCKET_FILTER straight-line r0+=1 (4000 insns, log_level=0)'],
] as const) {
  const insns = straightLine(n);
  for (let i = 0; i < 5; i++) Program.load({ type: 'socket_filter', instructions: insns }).close(); // warm up
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    const p = Program.load({ type: 'socket_filter', instructions: insns });
    times.push((now() - t0) / 1000);
    p.close();
  }
  report(`PROG_LOAD ${n} insns from Instruction[] (us)`, stat(times), cFigure(loadOut, cName), 'us');
}

// ---- node start -> first program loaded ----
{
  const prog = Buffer.from(encode(straightLine(2))).toString('base64');
  const scriptFor = (entry: string, file: string) => {
    const path = join(dir, file);
    writeFileSync(
      path,
      `import { Program } from ${JSON.stringify(entry)};\nProgram.load({ type: 'socket_filter', instructions: Buffer.from('${prog}', 'base64') }).close();\n`,
    );
    return path;
  };
  // The public entry ('tsbpf' = dist/src/index.js, everything) and the program module's own graph.
  const viaIndex = scriptFor(join(here, '../src/index.js'), 'via-index.mjs');
  const viaModule = scriptFor(join(here, '../src/program.js'), 'via-program.mjs');
  const run = (args: string[]) => {
    const t0 = now();
    const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed`);
    return (now() - t0) / 1e6;
  };
  const bare: number[] = [];
  const index: number[] = [];
  const module: number[] = [];
  for (let r = 0; r < 11; r++) {
    bare.push(run(['-e', '0']));
    index.push(run([viaIndex]));
    module.push(run([viaModule]));
  }
  report("node start -> first program loaded, import 'tsbpf' (ms)", stat(index), stat(bare), 'ms');
  report('node start -> first program loaded, import src/program.js (ms)', stat(module), stat(bare), 'ms');
  console.log(`# goal: <= 120 ms; the floor is bare 'node -e 0'`);
}

rmSync(dir, { recursive: true, force: true });
