// tcpconnect: outgoing TCP connections, IPv4 and IPv6 (bcc's tcpconnect, bpftrace's
// tcpconnect.bt), from sock:inet_sock_set_state as a socket enters SYN_SENT: addresses as ntop().
//
//   sudo node dist/examples/tools/tcpconnect.js [--duration SEC]
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({ options: { duration: { type: 'string', short: 'd' } } });
const TCP_SYN_SENT = 2;
const AF_INET6 = 10;

using tracer = new Tracer();
tracer
  .probe('tracepoint:sock:inet_sock_set_state', (p) => {
    p.filter(p.arg('newstate').eq(TCP_SYN_SENT).and(p.arg('protocol').eq(6)));
    return p.emit({
      pid: p.pid(),
      comm: p.comm(),
      family: p.arg('family'),
      saddr: p.arg('saddr').ntop(),
      daddr: p.arg('daddr').ntop(),
      saddr6: p.arg('saddr_v6').ntop(),
      daddr6: p.arg('daddr_v6').ntop(),
      dport: p.arg('dport'),
    });
  })
  .on((e) => {
    const v6 = e.family === AF_INET6;
    console.log(
      `${String(e.pid).padEnd(7)} ${e.comm.padEnd(16)} ${v6 ? 6 : 4}  ${(v6 ? e.saddr6 : e.saddr).padEnd(26)} ${(v6 ? e.daddr6 : e.daddr).padEnd(26)} ${e.dport}`,
    );
  });

await tracer.start();
console.error('tracing TCP connects; Ctrl-C to stop');
console.log(`${'PID'.padEnd(7)} ${'COMM'.padEnd(16)} IP ${'SADDR'.padEnd(26)} ${'DADDR'.padEnd(26)} DPORT`);
// Ctrl-C or SIGTERM ends the run; what follows it (a final table) still prints.
const stop = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration ? Number(values.duration) * 1000 : undefined,
});
