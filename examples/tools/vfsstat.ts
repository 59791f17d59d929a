// vfsstat: VFS calls per second — read, write, fsync, open, create — counted in the kernel on
// kprobes (bcc's vfsstat, bpftrace's vfsstat.bt): one line per interval, then the counts reset.
//
//   sudo node dist/examples/tools/vfsstat.js [--duration SEC] [--interval SEC] [--comm NAME]
//
// --comm NAME: only calls made by tasks with this command name.
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', short: 'd' },
    interval: { type: 'string', short: 'i' },
    comm: { type: 'string', short: 'c' },
  },
});
const FUNCS = ['vfs_read', 'vfs_write', 'vfs_fsync', 'vfs_open', 'vfs_create'];

using tracer = new Tracer({ comm: values.comm, onFallback: (m) => console.error(`note: ${m}`) });
for (const [i, fn] of FUNCS.entries()) tracer.probe(`kprobe:${fn}`, (p) => void p.count(`f${i}`));

const line = () => {
  const counts = FUNCS.map((_, i) => tracer.aggregation(`f${i}`));
  console.log(
    `${new Date().toTimeString().slice(0, 8)} ${counts.map((c) => String(c.total()).padStart(8)).join(' ')}`,
  );
  for (const c of counts) c.clear();
};

await tracer.start();
console.error('tracing VFS calls; Ctrl-C to stop');
console.log(`${'TIME'.padEnd(8)} ${FUNCS.map((f) => f.slice(4).toUpperCase().padStart(8)).join(' ')}`);
const timer = setInterval(line, Number(values.interval ?? 1) * 1000);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
clearInterval(timer);
line();
