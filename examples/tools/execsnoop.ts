// execsnoop: every exec(), with its parent and its arguments (bcc's execsnoop, bpftrace's
// execsnoop.bt). argv is read in the kernel with a bounded loop: p.arg('argv').strings().
//
//   sudo node dist/examples/tools/execsnoop.js [--duration SEC]
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { duration: { type: 'string', short: 'd' } } });

using tracer = new Tracer();
tracer
  .probe('tracepoint:syscalls:sys_enter_execve', (p) =>
    p.emit({
      pid: p.pid(),
      ppid: p.task().field('real_parent.tgid'),
      argv: p.arg('argv').strings({ max: 20, size: 128 }),
    }),
  )
  .on((e) => console.log(`${String(e.pid).padEnd(7)} ${String(e.ppid).padEnd(7)} ${e.argv.join(' ')}`));

await tracer.start();
console.error('tracing exec(); Ctrl-C to stop');
console.log(`${'PID'.padEnd(7)} ${'PPID'.padEnd(7)} ARGS`);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
