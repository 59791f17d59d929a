// runqlat: how long runnable tasks wait for a CPU, as a histogram in microseconds (bcc's runqlat,
// bpftrace's runqlat.bt). Wake-ups and preemptions stamp the task; the switch to it measures.
//
//   sudo node dist/examples/tools/runqlat.js [--duration SEC] [--comm NAME]
//
// --comm NAME: only tasks with this command name (the task woken, switched out, switched to).
import { parseArgs } from 'node:util';
import { formatHistogram, Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, comm: { type: 'string', short: 'c' } },
});
const TASK_RUNNING = 0;
const comm = values.comm;

using tracer = new Tracer();
for (const tp of ['sched:sched_wakeup', 'sched:sched_wakeup_new'])
  tracer.probe(`tracepoint:${tp}`, (p) => {
    if (comm) p.filter(p.arg('comm').eq(comm));
    p.map('queued').set(p.arg('pid'), p.ktime());
  });
tracer.probe('tracepoint:sched:sched_switch', (p) => {
  if (comm) p.filter(p.arg('next_comm').eq(comm));
  const queued = p.map('queued');
  const since = queued.get(p.arg('next_pid'));
  p.hist('usecs', p.ktime().sub(since).div(1000));
  queued.delete(p.arg('next_pid'));
});
// A task switched out while still runnable waits again from now.
tracer.probe('tracepoint:sched:sched_switch', (p) => {
  p.filter(p.arg('prev_state').eq(TASK_RUNNING).and(p.arg('prev_pid').ne(0)));
  if (comm) p.filter(p.arg('prev_comm').eq(comm));
  p.map('queued').set(p.arg('prev_pid'), p.ktime());
});

await tracer.start();
console.error('tracing run queue latency; Ctrl-C to stop');
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
for (const h of tracer.aggregation('usecs').histograms())
  process.stdout.write(formatHistogram(h.buckets, 'usecs'));
