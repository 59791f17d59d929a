// biolatency: block I/O latency from issue to completion, as a histogram in microseconds (bcc's
// biolatency, bpftrace's biolatency.bt), from the block tracepoints keyed by device and sector.
//
//   sudo node dist/examples/tools/biolatency.js [--duration SEC]
import { parseArgs } from 'node:util';
import { formatHistogram, Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { duration: { type: 'string', short: 'd' } } });

using tracer = new Tracer();
tracer.probe('tracepoint:block:block_rq_issue', (p) => {
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
