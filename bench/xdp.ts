// XDP and tcx: attach+detach (BPF_LINK_CREATE + close) and packets/s through an XDP program with
// BPF_PROG_TEST_RUN, ours beside the C floor bench/c/xdp_floor.c (the same syscalls, nothing
// around them; compiled with gcc and run in this same run). The interface is one end of a veth
// pair in a network namespace made for the run (and removed after).
// Run: node dist/bench/xdp.js (after npm run build; needs root, gcc and ip).
// Minimum over repetitions for times, maximum for rates (median in brackets).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble } from '../isa/index.js';
import { attachTc, attachXdp, enterNetns, type Link, Program } from '../src/index.js';
import { now, stat } from './support/stats.js';

const REPS = 9;
const PAIRS = 200; // attach+detach pairs per repetition
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-xdpbench-'));
const floorBin = join(dir, 'xdp_floor');
execFileSync('gcc', [
  '-O2',
  '-o',
  floorBin,
  fileURLToPath(new URL('../../bench/c/xdp_floor.c', import.meta.url)),
]);

const ns = `tsbpf-bench-${process.pid}`;
const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));

function floor(args: string[]): number {
  const out = execFileSync('ip', ['netns', 'exec', ns, floorBin, ...args], { encoding: 'utf8' });
  const m = /^(?:us|pps) ([\d.]+)$/m.exec(out);
  if (!m) throw new Error(`unexpected xdp_floor output: ${out}`);
  return Number(m[1]);
}

function line(name: string, unit: string, ours: number[], floors: number[], higherIsBetter: boolean): void {
  const o = stat(ours);
  const fl = stat(floors);
  const best = (s: { min: number }, xs: number[]) => (higherIsBetter ? Math.max(...xs) : s.min);
  const ob = best(o, ours);
  const fb = best(fl, floors);
  // The ratio is ours/floor in time: for a rate, floor/ours.
  const ratio = higherIsBetter ? fb / ob : ob / fb;
  const ratioMedian = higherIsBetter ? fl.median / o.median : o.median / fl.median;
  console.log(
    `${name}: ours ${f(ob)} ${unit} [median ${f(o.median)}], floor ${f(fb)} ${unit} [median ${f(fl.median)}], ratio ${ratio.toFixed(2)} (best) ${ratioMedian.toFixed(2)} (median)`,
  );
}

const prog = (type: 'xdp' | 'sched_cls') =>
  Program.load({ type, instructions: assemble('r0 = 2\nexit').instructions });

execFileSync('ip', ['netns', 'add', ns]);
try {
  execFileSync('ip', ['-n', ns, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1']);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'v0', 'up']);
  execFileSync('ip', ['-n', ns, 'link', 'set', 'v1', 'up']);
  const ifindex = (
    JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show', 'v0'], { encoding: 'utf8' })) as {
      ifindex: number;
    }[]
  )[0]?.ifindex as number;

  for (const kind of ['xdp', 'tcx'] as const) {
    using p = prog(kind === 'xdp' ? 'xdp' : 'sched_cls');
    const attach = (): Link => (kind === 'xdp' ? attachXdp(p, ifindex) : attachTc(p, ifindex));
    const ours: number[] = [];
    const floors: number[] = [];
    {
      using _ = enterNetns(ns);
      attach().close(); // warm up
    }
    for (let r = 0; r < REPS; r++) {
      {
        using _ = enterNetns(ns);
        const t = now();
        for (let i = 0; i < PAIRS; i++) attach().close();
        ours.push((now() - t) / 1e3 / PAIRS);
      }
      floors.push(floor(['attach', kind, String(ifindex), String(PAIRS)]));
    }
    line(`attach+detach ${kind} link (veth, per pair)`, 'us', ours, floors, false);
  }

  using xdp = prog('xdp');
  const frame = new Uint8Array(64);
  frame[12] = 0x08;
  for (const [repeat, calls] of [
    [1, 20_000],
    [1000, 200],
  ] as const) {
    const ours: number[] = [];
    const floors: number[] = [];
    xdp.testRun({ data: frame, repeat });
    for (let r = 0; r < REPS; r++) {
      const t = now();
      for (let i = 0; i < calls; i++) xdp.testRun({ data: frame, repeat });
      ours.push((repeat * calls) / ((now() - t) / 1e9));
      floors.push(floor(['run', String(repeat), String(calls)]));
    }
    line(`XDP BPF_PROG_TEST_RUN packets/s (repeat ${repeat})`, 'pps', ours, floors, true);
  }
} finally {
  execFileSync('ip', ['netns', 'del', ns]);
  rmSync(dir, { recursive: true, force: true });
}
