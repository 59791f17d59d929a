// biolatency: block I/O latency from issue to completion, as a histogram in microseconds (bcc's
// biolatency, bpftrace's biolatency.bt), from the block tracepoints keyed by device and sector.
//
//   sudo node dist/examples/tools/biolatency.js [--duration SEC] [--disk NAME]
//
// --disk NAME: only this block device (`sda`, `loop3`), as bcc's biolatency -d.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatHistogram, Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, disk: { type: 'string' } },
});
/** The kernel's dev_t of a disk (MAJOR << 20 | MINOR), from its `MAJOR:MINOR` in sysfs. */
function diskDev(name: string): number {
  const [major, minor] = readFileSync(`/sys/block/${name}/dev`, 'utf8').trim().split(':').map(Number);
  return ((major as number) << 20) | (minor as number);
}
const dev = values.disk === undefined ? undefined : diskDev(values.disk);

using tracer = new Tracer();
tracer.probe('tracepoint:block:block_rq_issue', (p) => {
  if (dev !== undefined) p.filter(p.arg('dev').eq(dev));
  p.map('issued').set([p.arg('dev'), p.arg('sector')], p.ktime());
});
tracer.probe('tracepoint:block:block_rq_complete', (p) => {
  const issued = p.map('issued');
  const key = [p.arg('dev'), p.arg('sector')];
  p.hist('usecs', p.ktime().sub(issued.get(key)).div(1000));
  issued.delete(key);
});

await tracer.start();
console.error('tracing block I/O; Ctrl-C to stop');
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
for (const h of tracer.aggregation('usecs').histograms())
  process.stdout.write(formatHistogram(h.buckets, 'usecs'));
