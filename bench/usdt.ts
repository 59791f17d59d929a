// USDT per-event cost against bpftrace, in this same run.
// Run: node dist/bench/usdt.js (after npm run build; needs root, gcc and <sys/sdt.h>; bpftrace
// optional, its column is skipped without it). About 30 s.
// The workload is the test fixture (test/fixtures/usdt/sdt-fixture.c) firing `tsbpf:tick` M times
// in a loop, timed from spawn to exit: with no probe, with tsbpf counting the probe in the kernel
// (Tracer, p.count()), and with bpftrace doing the same (`@ = count()`). Per-event cost =
// (time with the probe - time without) / M; the counts are checked against M.
// Each line: `name: ours X, peer Y, ratio Z`, minimum over repetitions (median in brackets).
// The machine is shared (2 cores, other work running): only same-run ratios mean anything.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tracer } from '../src/index.js';
import { now, type Stat, stat } from './support/stats.js';

const BUILD = fileURLToPath(new URL('../../test/fixtures/usdt/build.sh', import.meta.url));
const BPFTRACE = '/usr/bin/bpftrace';
const M = 200_000;
const REPS = 7;

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-usdtbench-'));
execFileSync('sh', [BUILD, dir]);
const fixture = join(dir, 'sdt-fixture');
const PROBE = `usdt:${fixture}:tsbpf:tick`;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One run of the fixture firing `n` ticks: ns from spawn to exit. */
function runOnce(n: number): number {
  const t0 = now();
  const r = spawnSync(fixture, [String(n)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`sdt-fixture exited ${r.status}`);
  return now() - t0;
}

const runs = (): number[] => Array.from({ length: REPS }, () => runOnce(M));

async function withTsbpf(): Promise<number[]> {
  using t = new Tracer();
  t.probe(PROBE, (p) => p.count('ticks'));
  await t.start();
  const times = runs();
  const counted = t.aggregation('ticks').total();
  if (counted !== M * REPS) throw new Error(`tsbpf counted ${counted} ticks, expected ${M * REPS}`);
  return times;
}

async function withBpftrace(): Promise<number[]> {
  const child = spawn(
    BPFTRACE,
    ['-e', `${PROBE} { @ticks = count(); } usdt:${fixture}:tsbpf:guarded { printf("ready\\n"); }`],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  // Ready once its guarded probe fires (it is attached, semaphore raised): ticks of 0.
  for (let i = 0; !out.includes('ready'); i++) {
    if (i > 600) throw new Error(`bpftrace did not attach:\n${out}`);
    runOnce(0);
    await sleep(100);
  }
  const times = runs();
  child.kill('SIGINT');
  await exited;
  const m = /@ticks: (\d+)/.exec(out);
  if (Number(m?.[1]) !== M * REPS) throw new Error(`bpftrace counted ${m?.[1]} ticks, expected ${M * REPS}`);
  return times;
}

const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
const perEvent = (times: number[], base: Stat): Stat => {
  const s = stat(times);
  return { min: (s.min - base.min) / M, median: (s.median - base.median) / M };
};

try {
  runOnce(M); // warm the page cache
  const baseTimes = runs();
  const ours = await withTsbpf();
  const peer = existsSync(BPFTRACE) ? await withBpftrace() : undefined;
  baseTimes.push(...runs()); // before and after: drift of the machine shows in both
  const base = stat(baseTimes);
  const o = perEvent(ours, base);
  console.log(
    `# fixture firing ${M} probes, no tracer: ${f(base.min / 1e6)} ms [median ${f(base.median / 1e6)}]`,
  );
  if (peer) {
    const p = perEvent(peer, base);
    console.log(
      `usdt per-event cost: ours ${f(o.min)} ns [median ${f(o.median)}], peer bpftrace ${f(p.min)} ns [median ${f(p.median)}], ratio ${(o.min / p.min).toFixed(2)} (min) ${(o.median / p.median).toFixed(2)} (median)`,
    );
  } else console.log(`usdt per-event cost: ours ${f(o.min)} ns [median ${f(o.median)}] (no bpftrace here)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
