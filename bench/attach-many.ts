// Attaching many probes: `tsbpf count` over every syscalls:sys_enter_* tracepoint (360 on the
// test host) beside bpftrace counting the same probes (`@[probe] = count()`), in this same run.
// Each figure is the wall time from spawning the command to its "attached" line (bpftrace: its
// BEGIN probe, which runs once every probe is attached; tsbpf: its "counting" line), so both
// include process start-up, parsing and every program load and attach. Detaching is not timed.
// Run: node dist/bench/attach-many.js (after npm run build; needs root and bpftrace).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tracefsRoot } from '../src/index.js';
import { BPFTRACE, timeToReady } from './support/ready.js';
import { stat } from './support/stats.js';

const REPS = Number(process.env.REPS ?? 3);
const MAIN = fileURLToPath(new URL('../cli/tsbpf.js', import.meta.url));

const events = readdirSync(`${tracefsRoot()}/events/syscalls`).filter((n) => n.startsWith('sys_enter_'));
const specs = events.map((e) => `tracepoint:syscalls:${e}`);
if (!BPFTRACE) throw new Error('bpftrace is needed as the peer');
const ours: number[] = [];
const theirs: number[] = [];
for (let i = 0; i < REPS; i++) {
  ours.push(await timeToReady(process.execPath, [MAIN, 'count', ...specs], /counting \d+ probes/));
  theirs.push(
    await timeToReady(
      BPFTRACE,
      ['-e', `tracepoint:syscalls:sys_enter_* { @[probe] = count(); } BEGIN { printf("attached\\n"); }`],
      /^attached$/m,
    ),
  );
}
const o = stat(ours);
const p = stat(theirs);
console.log(
  `attach ${specs.length} tracepoints (ms, min [median] of ${REPS}): ours ${o.min.toFixed(0)} [${o.median.toFixed(0)}], bpftrace ${p.min.toFixed(0)} [${p.median.toFixed(0)}], ratio ${(o.min / p.min).toFixed(2)}`,
);
