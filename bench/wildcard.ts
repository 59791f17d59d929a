// Attaching a wildcard kprobe, `kprobe:vfs_*`: through one kprobe_multi link vs one kprobe per
// function (Tracer.start() in this process, same run), and `tsbpf count 'kprobe:vfs_*'` vs
// bpftrace counting the same probes (`@[probe] = count()`), each the wall time from spawning the
// command to its "attached" line (bpftrace: its BEGIN probe, which runs once every probe is
// attached; tsbpf: its "counting" line). Needs kprobes: run it in the 6.12 guest, e.g.
//   VM_KERNEL_PKG='linux-image-6.12.*+deb12-amd64-unsigned' test/vm/run-in-vm.sh node dist/bench/wildcard.js
// (after npm run build; needs root, and bpftrace for the last figure).
import { fileURLToPath } from 'node:url';
import { probeKprobeMulti, Tracer } from '../src/index.js';
import { BPFTRACE, timeToReady } from './support/ready.js';
import { now, stat } from './support/stats.js';

const REPS = Number(process.env.REPS ?? 3);
const SPEC = process.env.SPEC ?? 'kprobe:vfs_*';
const MAIN = fileURLToPath(new URL('../cli/tsbpf.js', import.meta.url));

/** ms for Tracer.start() of SPEC (compile, load, attach), and how many points it attached. */
async function tracerStart(multiLinks: boolean): Promise<{ ms: number; points: number; mode?: string }> {
  const t0 = now();
  using t = new Tracer({ multiLinks });
  const probe = t.probe(SPEC, (p) => p.count('calls', p.func()));
  await t.start();
  const ms = (now() - t0) / 1e6;
  return { ms, points: probe.attached.length, mode: probe.wildcard?.mode };
}

const line = (name: string, a: number[], b: number[], what: [string, string]) => {
  const x = stat(a);
  const y = stat(b);
  console.log(
    `${name} (ms, min [median] of ${REPS}): ${what[0]} ${x.min.toFixed(0)} [${x.median.toFixed(0)}], ${what[1]} ${y.min.toFixed(0)} [${y.median.toFixed(0)}], ratio ${(x.min / y.min).toFixed(2)}`,
  );
};

if (!probeKprobeMulti().supported) console.log(`note: no kprobe_multi here (${probeKprobeMulti().detail})`);
const multi: number[] = [];
const single: number[] = [];
let points = 0;
let modes = '';
for (let i = 0; i < REPS; i++) {
  const m = await tracerStart(true);
  const s = await tracerStart(false);
  multi.push(m.ms);
  single.push(s.ms);
  points = m.points;
  modes = `${m.mode} vs ${s.mode}`;
}
line(`Tracer.start ${SPEC}, ${points} functions, ${modes}`, multi, single, ['kprobe_multi', 'one by one']);

if (BPFTRACE) {
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let i = 0; i < REPS; i++) {
    ours.push(await timeToReady(process.execPath, [MAIN, 'count', SPEC], /counting \d+ probe/));
    theirs.push(
      await timeToReady(
        BPFTRACE,
        ['-e', `${SPEC} { @[probe] = count(); } BEGIN { printf("attached\\n"); }`],
        /^attached$/m,
      ),
    );
  }
  line(`tsbpf count ${SPEC} vs bpftrace, spawn to attached`, ours, theirs, ['ours', 'bpftrace']);
} else console.log('bpftrace: not installed, no peer figure');
