// statsnoop: stat() family calls — statx, newfstatat, newstat, newlstat, statfs — with the path
// and the result (bcc's statsnoop, bpftrace's statsnoop.bt).
//
//   sudo node dist/examples/tools/statsnoop.js [--duration SEC] [--comm NAME]
import { parseArgs } from 'node:util';
import { errnoName, Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, comm: { type: 'string', short: 'c' } },
});

using tracer = new Tracer({ comm: values.comm });
const pending = new Map<number, { pid: number; comm: string; path: string }>();
for (const call of ['statx', 'newfstatat', 'newstat', 'newlstat', 'statfs']) {
  tracer
    .probe(`tracepoint:syscalls:sys_enter_${call}`, (p) =>
      // statx and newfstatat name it `filename`, the others `pathname` or `path`.
      p.emit({
        tid: p.tid(),
        pid: p.pid(),
        comm: p.comm(),
        path: p.arg(p.args().find((a) => /^(filename|pathname|path)$/.test(a.name))?.name ?? 0).string(256),
      }),
    )
    .on((e) => pending.set(e.tid, e));
  tracer
    .probe(`tracepoint:syscalls:sys_exit_${call}`, (p) => p.emit({ tid: p.tid(), ret: p.ret().s32() }))
    .on((e) => {
      const c = pending.get(e.tid);
      if (!c) return;
      pending.delete(e.tid);
      console.log(
        `${String(c.pid).padEnd(7)} ${c.comm.padEnd(16)} ${(e.ret === 0 ? '0' : errnoName(-e.ret)).padEnd(7)} ${c.path}`,
      );
    });
}

await tracer.start();
console.error('tracing stat(); Ctrl-C to stop');
console.log(`${'PID'.padEnd(7)} ${'COMM'.padEnd(16)} ${'ERR'.padEnd(7)} PATH`);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
