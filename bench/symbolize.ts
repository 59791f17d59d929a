// Symbolizing user stacks of a Node process: 10,000 stacks recorded by a uprobe on Node's
// Array.prototype.join builtin while a JS loop (test/fixtures/stacks/js-stack.js, run with
// --perf-basic-prof --interpreted-frames-native-stack) calls it, then symbolized after the
// process exited (its maps captured at first sight). Cold: a new symbolizer (reads node's 100 MB
// ELF symbol tables, libc's, the perf map, and demangles on first use). Warm: the same stacks
// again with everything cached. Printed: total ms and ns per frame for each, and their ratio.
// Run: node dist/bench/symbolize.js (after npm run build; needs root for the uprobe).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tracer, UserSymbolizer } from '../src/index.js';
import { now, stat } from './support/stats.js';

const STACKS = Number(process.env.STACKS ?? 10_000);
const REPS = Number(process.env.REPS ?? 5);
const SCRIPT = fileURLToPath(new URL('../../test/fixtures/stacks/js-stack.js', import.meta.url));

/**
 * The raw user stacks (addresses) of the fixture's join calls, and one symbolizer per repetition
 * that saw the process (captured its maps) while it ran, as a profiler does at its first sample.
 */
async function record(): Promise<{ pid: number; stacks: bigint[][]; symbolizers: UserSymbolizer[] }> {
  using tracer = new Tracer({ ringbufBytes: 64 << 20 });
  const probe = tracer.probe(`uprobe:${process.execPath}:Builtins_ArrayPrototypeJoin`, (p) =>
    p.emit({ pid: p.pid(), stack: p.ustack() }),
  );
  const seen: { pid: number; stack: number }[] = [];
  probe.on((e) => seen.push(e));
  await tracer.start();
  // --perf-basic-prof also writes a V8 log into the working directory: a scratch one.
  const cwd = mkdtempSync(join(tmpdir(), 'tsbpf-bench-symbolize-'));
  const child = spawn(
    process.execPath,
    ['--perf-basic-prof', '--interpreted-frames-native-stack', SCRIPT, String(STACKS / 2)],
    { cwd, stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const pid = child.pid as number;
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  const symbolizers = Array.from({ length: REPS }, () => {
    const sym = new UserSymbolizer({ onAdvice: () => {} });
    sym.forPid(pid);
    return sym;
  });
  const exited = new Promise((r) => child.on('exit', r));
  child.stdin.write('go\n');
  await exited;
  rmSync(cwd, { recursive: true, force: true });
  tracer.drain();
  const stacks = seen
    .filter((e) => e.pid === pid)
    .map((e) => tracer.aggregation('stacks').frames(e.stack))
    .filter((s) => s.length > 0)
    .slice(0, STACKS);
  return { pid, stacks, symbolizers };
}

const { pid, stacks, symbolizers } = await record();
const frames = stacks.reduce((n, s) => n + s.length, 0);
try {
  const cold: number[] = [];
  const warm: number[] = [];
  let named = 0;
  for (let r = 0; r < REPS; r++) {
    // Its maps as captured at first sight; the process has exited since.
    const sym = symbolizers[r] as UserSymbolizer;
    let t = now();
    for (const s of stacks) sym.symbolize(pid, s);
    cold.push(now() - t);
    t = now();
    named = 0;
    for (const s of stacks) for (const f of sym.symbolize(pid, s)) if (f.symbol !== undefined) named++;
    warm.push(now() - t);
  }
  const c = stat(cold);
  const w = stat(warm);
  console.log(
    `# ${stacks.length} stacks, ${frames} frames (${((named / frames) * 100).toFixed(1)}% named), min of ${REPS}; shared, noisy 2-core machine`,
  );
  console.log(
    `symbolize ${stacks.length} stacks (ms): ours cold ${(c.min / 1e6).toFixed(1)}, floor warm ${(w.min / 1e6).toFixed(1)}, ratio ${(c.min / w.min).toFixed(1)}`,
  );
  console.log(
    `symbolize per frame (ns): ours cold ${(c.min / frames).toFixed(0)}, floor warm ${(w.min / frames).toFixed(0)}, ratio ${(c.min / w.min).toFixed(1)}`,
  );
} finally {
  rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
