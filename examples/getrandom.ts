// getrandom: who asks the kernel for random bytes, how many, and with which flags — the classic
// "urandom read" tracer on today's kernels (the random:urandom_read tracepoint is gone since
// Linux 5.18; getrandom(2) is how programs ask now). The tracepoint's fields arrive typed from
// its format file: `len` is a size_t, `flags` an unsigned int.
//
//   sudo node dist/examples/getrandom.js [--duration SEC]
//   (in another shell: python3 -c 'import os; os.getrandom(32)')
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { duration: { type: 'string', short: 'd' } } });

using tracer = new Tracer();
tracer
  .probe('tracepoint:syscalls:sys_enter_getrandom', (p) => {
    p.sum('bytes', p.arg('len'), p.comm()); // a per-command total kept in the kernel
    return p.emit({ pid: p.pid(), comm: p.comm(), count: p.arg('len').u64(), flags: p.arg('flags').u32() });
  })
  .on((e) => {
    const flags = [e.flags & 1 ? 'NONBLOCK' : '', e.flags & 2 ? 'RANDOM' : '', e.flags & 4 ? 'INSECURE' : '']
      .filter(Boolean)
      .join('|');
    console.log(
      `${String(e.pid).padStart(7)} ${e.comm.padEnd(16)} ${String(e.count).padStart(8)} ${flags || '0'}`,
    );
  });

await tracer.start();
console.error('tracing getrandom(2); Ctrl-C to stop');
console.log(`${'PID'.padStart(7)} ${'COMM'.padEnd(16)} ${'BYTES'.padStart(8)} FLAGS`);
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration === undefined ? undefined : Number(values.duration) * 1000,
});

console.log('\nbytes asked for, by command:');
const totals = tracer
  .aggregation<string>('bytes') // keyed by p.comm()
  .entries()
  .sort((a, b) => b.value - a.value);
for (const { key, value } of totals) console.log(`  ${String(key).padEnd(16)} ${value}`);
