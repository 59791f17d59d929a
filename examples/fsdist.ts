// fsdist: how long file reads, writes, opens and fsyncs take — latency histograms from entry and
// return probe pairs on the VFS functions (as bcc's fsdist/ext4dist do). The entry probe stores
// the time by thread id in a hash map; the return probe takes it back out, and the kernel adds
// the difference to a log2 histogram. Only the histograms cross to user space.
//
//   sudo node dist/examples/fsdist.js [--duration SEC] [--ms]
//
// Needs kprobes or fentry (the VFS functions have no syscall tracepoint to fall back on).
import { parseArgs } from 'node:util';
import { formatHistogram, Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, ms: { type: 'boolean' } },
});
const OPS = ['vfs_read', 'vfs_write', 'vfs_open', 'vfs_fsync'];
const unit = values.ms ? { name: 'msecs', div: 1_000_000 } : { name: 'usecs', div: 1000 };

// fallback: false — a syscall tracepoint would time something else than the VFS call.
using tracer = new Tracer({ fallback: false });
for (const op of OPS) {
  tracer.probe(`kprobe:${op}`, (p) => {
    p.map(`start_${op}`).set(p.tid(), p.ktime());
  });
  tracer.probe(`kretprobe:${op}`, (p) => {
    const start = p.map(`start_${op}`);
    const began = start.get(p.tid()); // no entry (a call begun before the start): ends the probe
    start.delete(p.tid());
    p.hist(op, p.ktime().sub(began).div(unit.div));
  });
}

await tracer.start();
console.error(`timing ${OPS.join(', ')}; Ctrl-C to print the histograms`);
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration === undefined ? undefined : Number(values.duration) * 1000,
});

for (const op of OPS) {
  const [hist] = tracer.aggregation(op).histograms();
  console.log(`\n${op}()`);
  console.log(hist ? formatHistogram(hist.buckets, unit.name).trimEnd() : '  no calls completed');
}
