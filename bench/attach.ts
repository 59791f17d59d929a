// Attach + detach latency per probe kind, ours beside the C floor of
// /work/shared/baselines/attach_bench.c (raw syscalls, compiled and run in this same run).
// Run: node dist/bench/attach.js (after npm run build; needs root and gcc).
// The floor for each kind is one attach (as attach_bench does it) plus the close() that
// detaches, per process, over several processes; ours is the same pair in a loop in one
// process. Minimum over repetitions (median in brackets). uprobes have no C floor there.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble } from '../isa/index.js';
import {
  attachRawTracepoint,
  attachTpBtf,
  attachTracepoint,
  attachUprobe,
  BpfMap,
  type Link,
  Program,
} from '../src/index.js';
import { tracingLoadOptions } from '../src/link/tracing.js';
import { now, type Stat, stat } from './support/stats.js';

const BASE = '/work/shared/baselines';
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-attbench-'));
const REPS = 15;
const C_RUNS = 9;

const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

const bench = join(dir, 'attach_bench');
execFileSync('gcc', ['-O2', '-I', BASE, '-o', bench, join(BASE, 'attach_bench.c')]);

/** attach + detach in µs per C process run. */
function cFloor(mode: string): Stat {
  const xs: number[] = [];
  for (let i = 0; i < C_RUNS; i++) {
    const out = execFileSync(bench, [mode, '1000', '1'], { encoding: 'utf8' });
    const attach = /^attach \(.*\): ([\d.]+) us$/m.exec(out);
    const detach = /^detach close\(\): ([\d.]+) us$/m.exec(out);
    if (!attach || !detach) throw new Error(`unexpected attach_bench output:\n${out}`);
    xs.push(Number(attach[1]) + Number(detach[1]));
  }
  return stat(xs);
}

/** The same count program as attach_bench (PERCPU_ARRAY += 1). */
function countProgram(
  load: Omit<Parameters<typeof Program.load>[0], 'instructions'>,
  map: { fd: number },
): Program {
  const text = `
    *(u32 *)(r10 - 4) = 0
    r2 = r10
    r2 += -4
    r1 = counts ll
    call 1
    if r0 == 0 goto +3
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1
    r0 = 0
    exit`;
  return Program.load({ ...load, instructions: assemble(text).instructions, maps: { counts: map } });
}

function ours(attach: () => Link): Stat {
  const xs: number[] = [];
  attach().close(); // warm up (module loading, tracefs lookup caches)
  for (let i = 0; i < REPS; i++) {
    const t = now();
    const link = attach();
    link.close();
    xs.push((now() - t) / 1e3);
  }
  return stat(xs);
}

function line(name: string, o: Stat, floor: Stat | undefined): void {
  const fl = floor ? `${f(floor.min)} us [median ${f(floor.median)}]` : 'n/a (no C floor for this kind)';
  const ratio = floor
    ? `${(o.min / floor.min).toFixed(2)} (min) ${(o.median / floor.median).toFixed(2)} (median)`
    : 'n/a';
  console.log(`${name}: ours ${f(o.min)} us [median ${f(o.median)}], floor ${fl}, ratio ${ratio}`);
}

using counts = BpfMap.create({ type: 'percpu_array', key: 4, value: 8, maxEntries: 1 });
{
  using tp = countProgram({ type: 'tracepoint' }, counts);
  const floor = cFloor('tp');
  line(
    'attach+detach tracepoint (SET_BPF, as the floor)',
    ours(() => attachTracepoint(tp, 'syscalls', 'sys_enter_getppid', { mode: 'ioctl' })),
    floor,
  );
  line(
    'attach+detach tracepoint (BPF perf link)',
    ours(() => attachTracepoint(tp, 'syscalls', 'sys_enter_getppid', { mode: 'link' })),
    floor,
  );
}
{
  using raw = countProgram({ type: 'raw_tracepoint' }, counts);
  line(
    'attach+detach raw_tp sys_enter',
    ours(() => attachRawTracepoint(raw, 'sys_enter')),
    cFloor('rawtp'),
  );
}
{
  using btf = countProgram(tracingLoadOptions('tp_btf', 'sys_enter'), counts);
  line(
    'attach+detach tp_btf sys_enter',
    ours(() => attachTpBtf(btf, 'sys_enter')),
    cFloor('tpbtf'),
  );
}
{
  using kp = countProgram({ type: 'kprobe' }, counts);
  line(
    'attach+detach uprobe libc getppid (PMU)',
    ours(() => attachUprobe(kp, 'libc.so.6', { symbol: 'getppid' })),
    undefined,
  );
  line(
    'attach+detach uprobe libc getppid (tracefs)',
    ours(() => attachUprobe(kp, 'libc.so.6', { symbol: 'getppid', legacy: true })),
    undefined,
  );
}
