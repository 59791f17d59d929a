// killsnoop: who sends which signal to whom, and the result (bcc's killsnoop, bpftrace's
// killsnoop.bt), with signal and errno names.
//
//   sudo node dist/examples/tools/killsnoop.js [--duration SEC]
import { parseArgs } from 'node:util';
import { errnoName, signalName, Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { duration: { type: 'string', short: 'd' } } });

using tracer = new Tracer();
const entry = tracer.probe('tracepoint:syscalls:sys_enter_kill', (p) =>
  p.emit({ tid: p.tid(), pid: p.pid(), comm: p.comm(), target: p.arg('pid').s32(), sig: p.arg('sig').s32() }),
);
const exit = tracer.probe('tracepoint:syscalls:sys_exit_kill', (p) =>
  p.emit({ tid: p.tid(), ret: p.ret().s32() }),
);

const pending = new Map<number, { pid: number; comm: string; target: number; sig: number }>();
entry.on((e) => pending.set(e.tid, e));
exit.on((e) => {
  const call = pending.get(e.tid);
  if (!call) return;
  pending.delete(e.tid);
  const result = e.ret === 0 ? '0' : errnoName(-e.ret);
  console.log(
    `${String(call.pid).padEnd(7)} ${call.comm.padEnd(16)} ${signalName(call.sig).padEnd(9)} ${String(call.target).padEnd(7)} ${result}`,
  );
});

await tracer.start();
console.error('tracing kill(); Ctrl-C to stop');
console.log(`${'PID'.padEnd(7)} ${'COMM'.padEnd(16)} ${'SIG'.padEnd(9)} ${'TPID'.padEnd(7)} RESULT`);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
