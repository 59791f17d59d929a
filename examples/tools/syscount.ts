// syscount: the busiest syscalls (or processes), counted in the kernel from raw_syscalls:sys_enter,
// numbers shown as this kernel's syscall names (bcc's syscount, bpftrace's syscount.bt).
//
//   sudo node dist/examples/tools/syscount.js [--duration SEC] [--comm NAME] [--top N] [--by-process]
import { parseArgs } from 'node:util';
import { syscallNames, Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', short: 'd' },
    comm: { type: 'string', short: 'c' },
    top: { type: 'string', short: 't' },
    'by-process': { type: 'boolean', short: 'P' },
  },
});

const names = await syscallNames();
using tracer = new Tracer({ comm: values.comm });
tracer.probe('tracepoint:raw_syscalls:sys_enter', (p) => {
  p.count('calls', values['by-process'] ? p.comm() : p.arg('id'));
});

await tracer.start();
console.error('counting syscalls; Ctrl-C to stop');
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
const rows = tracer
  .aggregation('calls')
  .entries()
  .sort((a, b) => b.value - a.value)
  .slice(0, Number(values.top ?? 10));
console.log(`${(values['by-process'] ? 'COMM' : 'SYSCALL').padEnd(22)} ${'COUNT'.padStart(10)}`);
for (const r of rows) {
  const key = (Array.isArray(r.key) ? r.key[0] : r.key) as number | string;
  const name = typeof key === 'number' ? (names.get(key) ?? String(key)) : key;
  console.log(`${name.padEnd(22)} ${String(r.value).padStart(10)}`);
}
