// opensnoop: every openat(), with the file descriptor or the error it returned (bcc's opensnoop,
// bpftrace's opensnoop.bt). The entry keeps the path's address under the thread id in a kernel map;
// the return reads the string then, as bcc does: at entry the page holding it may not be resident
// yet (a fresh binary's literal), and a probe cannot fault it in.
//
//   sudo node dist/examples/tools/opensnoop.js [--duration SEC] [--comm NAME]
import { parseArgs } from 'node:util';
import { errnoName, Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, comm: { type: 'string', short: 'c' } },
});

using tracer = new Tracer({ comm: values.comm });
const entry = tracer.probe('tracepoint:syscalls:sys_enter_openat', (p) => {
  p.map('filename').set(p.tid(), p.arg('filename'));
  return p.emit({ tid: p.tid(), pid: p.pid(), comm: p.comm() });
});
const exit = tracer.probe('tracepoint:syscalls:sys_exit_openat', (p) => {
  const path = p.map('filename').get(p.tid()).as('char', { user: true }).string(256);
  p.map('filename').delete(p.tid());
  return p.emit({ tid: p.tid(), ret: p.ret().s32(), path });
});

// Entry and return of one thread arrive in order through one ring: pair them by thread id.
const pending = new Map<number, { pid: number; comm: string }>();
entry.on((e) => pending.set(e.tid, e));
exit.on((e) => {
  const call = pending.get(e.tid);
  if (!call) return; // the tracer started between this call's entry and its return
  pending.delete(e.tid);
  const fd = e.ret >= 0 ? e.ret : -1;
  const err = e.ret >= 0 ? 0 : -e.ret;
  console.log(
    `${String(call.pid).padEnd(7)} ${call.comm.padEnd(16)} ${String(fd).padStart(3)} ${(err ? errnoName(err) : '0').padEnd(7)} ${e.path}`,
  );
});

await tracer.start();
console.error('tracing openat(); Ctrl-C to stop');
console.log(`${'PID'.padEnd(7)} ${'COMM'.padEnd(16)} ${'FD'.padStart(3)} ${'ERR'.padEnd(7)} PATH`);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
