// capable: every capability check — who asked for which capability (bcc's capable, bpftrace's
// capable.bt), on a kprobe on cap_capable(cred, ns, cap, opts), capability numbers as names.
//
//   sudo node dist/examples/tools/capable.js [--duration SEC]
import { parseArgs } from 'node:util';
import { capabilityName, Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { duration: { type: 'string', short: 'd' } } });

using tracer = new Tracer();
tracer
  .probe('kprobe:cap_capable', (p) =>
    p.emit({ uid: p.uid(), pid: p.pid(), comm: p.comm(), cap: p.arg('cap').s32(), opts: p.arg(3).u32() }),
  )
  .on((e) => {
    console.log(
      `${String(e.uid).padEnd(6)} ${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${String(e.cap).padStart(4)} ${capabilityName(e.cap).padEnd(22)} ${e.opts}`,
    );
  });

await tracer.start();
console.error('tracing capability checks; Ctrl-C to stop');
console.log(
  `${'UID'.padEnd(6)} ${'PID'.padEnd(7)} ${'COMM'.padEnd(16)} ${'CAP'.padStart(4)} ${'NAME'.padEnd(22)} OPTS`,
);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
