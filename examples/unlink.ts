// unlink: who removes which file, and what the kernel answered — the eBPF world's first tracing
// program (kprobe + kretprobe on do_unlinkat), in TypeScript. The file name is read through
// `struct filename` with field offsets from this kernel's BTF (CO-RE), not from a header.
// Where the kernel has no kprobes, the tracer says so and uses fentry/fexit or the unlinkat
// syscall tracepoints instead.
//
//   sudo node dist/examples/unlink.js [--duration SEC] [--pid PID]
//   (in another shell: touch /tmp/x && rm /tmp/x)
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, pid: { type: 'string', short: 'p' } },
});

using tracer = new Tracer({
  pid: values.pid === undefined ? undefined : Number(values.pid),
  onFallback: (message) => console.error(`note: ${message}`),
});

// Entry: do_unlinkat(int dfd, struct filename *name). On a syscall tracepoint (the fallback)
// the tracer reads the same `name->name` from the record's path.
const entry = tracer.probe('kprobe:do_unlinkat', (p) =>
  p.emit({
    tid: p.tid(),
    pid: p.pid(),
    comm: p.comm(),
    file: p.arg('name').field('name').string(256),
  }),
);
const exit = tracer.probe('kretprobe:do_unlinkat', (p) => p.emit({ tid: p.tid(), ret: p.ret().s32() }));

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

// Entry and return records of one thread arrive in order through one ring: pair them by thread.
const pending = new Map<number, { pid: number; comm: string; file: string }>();
entry.on((e) => pending.set(e.tid, e));
exit.on((e) => {
  const call = pending.get(e.tid);
  if (!call) return; // the tracer started between this call's entry and its return
  pending.delete(e.tid);
  const result = e.ret === 0 ? 'ok' : (ERRNO_NAMES.get(-e.ret) ?? `errno ${-e.ret}`);
  console.log(`${String(call.pid).padStart(7)} ${call.comm.padEnd(16)} ${result.padEnd(9)} ${call.file}`);
});

await tracer.start();
const how = tracer.probes.map((p) => p.usedText).join(' + ');
console.error(`tracing do_unlinkat (${how}); Ctrl-C to stop`);
console.log(`${'PID'.padStart(7)} ${'COMM'.padEnd(16)} ${'RESULT'.padEnd(9)} FILE`);

const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
process.once('SIGTERM', () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration === undefined ? undefined : Number(values.duration) * 1000,
});
