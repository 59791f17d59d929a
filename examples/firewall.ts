// firewall: an XDP program, written with the builder, that drops UDP packets to the ports listed
// in a hash map — and Node changes that list while packets flow. Each blocked port's value counts
// the packets dropped for it. Lines on stdin edit the list live: `block PORT`, `allow PORT`,
// `stats`; at the end (stdin closed, --duration over, SIGINT/SIGTERM) it prints the drop counts.
// IPv4 only (IPv6 and everything else passes); a UDP header beyond the first fragment is not
// there to read, so later fragments pass too.
//
//   sudo node dist/examples/firewall.js --iface eth0 [--mode skb|drv] [--duration SEC] 53 123
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { attachXdp, BpfMap, codecs, Program } from 'tsbpf';
import { program, R0, R1, R2, R3, R4, R5, R10 } from 'tsbpf/isa';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    iface: { type: 'string', short: 'i' },
    mode: { type: 'string' },
    duration: { type: 'string', short: 'd' },
  },
});
if (!values.iface) {
  console.error('usage: firewall --iface IF [--mode skb|drv] [--duration SEC] [PORT...]');
  process.exit(2);
}
const mode = values.mode as 'skb' | 'drv' | undefined;

const XDP_DROP = 1;
const XDP_PASS = 2;
const ETH = 14;

// struct xdp_md { u32 data; u32 data_end; ... }: r2 = data, r3 = data_end.
const b = program();
const key = b.stackAlloc(2);
b.ldx('u32', R2, R1, 0).ldx('u32', R3, R1, 4);
b.mov(R4, R2)
  .add(R4, ETH + 20)
  .jgt(R4, R3, 'pass'); // Ethernet + the fixed IPv4 header
b.ldx('u16', R4, R2, 12).jne(R4, 0x0008, 'pass'); // EtherType 0x0800, read little-endian
b.ldx('u8', R4, R2, ETH + 9).jne(R4, 17, 'pass'); // protocol UDP
b.ldx('u16', R4, R2, ETH + 6)
  .and(R4, 0xff1f)
  .jne(R4, 0, 'pass'); // fragment offset ≠ 0: no UDP header here
b.ldx('u8', R5, R2, ETH).and(R5, 0x0f).lsh(R5, 2); // IPv4 header length (IHL × 4)
b.add(R2, R5); // r2 = data + IP header length: the UDP header is at r2 + 14
b.mov(R4, R2)
  .add(R4, ETH + 4)
  .jgt(R4, R3, 'pass');
b.ldx('u16', R4, R2, ETH + 2).be(R4, 16); // destination port, to host order
b.stx('u16', R10, key, R4);
b.ldMap(R1, 'blocked').mov(R2, R10).add(R2, key).call('map_lookup_elem');
b.jeq(R0, 0, 'pass');
b.mov(R1, 1).atomic('add', 'u64', R0, 0, R1); // one more drop for this port
b.ret(XDP_DROP);
b.label('pass').ret(XDP_PASS);

using blocked = BpfMap.create({
  type: 'hash',
  key: codecs.u16,
  value: codecs.u64,
  maxEntries: 1024,
  name: 'blocked',
});
using prog = Program.load({
  type: 'xdp',
  name: 'firewall',
  instructions: b.build().instructions,
  maps: { blocked },
});

function port(text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new RangeError(`'${text}' is not a UDP port (1-65535)`);
  return n;
}
for (const p of positionals) blocked.set(port(p), 0n);

function stats(): void {
  const rows = [...blocked.entries()].sort(([a], [b]) => a - b);
  console.log(`${'PORT'.padStart(5)} ${'DROPPED'.padStart(10)}`);
  for (const [p, n] of rows) console.log(`${String(p).padStart(5)} ${String(n).padStart(10)}`);
}

{
  using _link = attachXdp(prog, values.iface, { mode });
  console.log(`ready: dropping UDP to ports [${[...blocked.keys()].join(', ')}] on ${values.iface}`);

  const done = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => done.abort());
  if (values.duration !== undefined) setTimeout(() => done.abort(), Number(values.duration) * 1000).unref();
  const lines = createInterface({ input: process.stdin });
  lines.on('close', () => done.abort());
  lines.on('line', (line) => {
    const [cmd, arg] = line.trim().split(/\s+/);
    try {
      if (cmd === 'block') blocked.set(port(arg), 0n);
      else if (cmd === 'allow') blocked.delete(port(arg));
      else if (cmd === 'stats') stats();
      else if (cmd) throw new Error(`unknown command '${cmd}' (block PORT, allow PORT, stats)`);
      if (cmd === 'block' || cmd === 'allow') console.log(`ok: ${cmd} ${arg}`);
    } catch (err) {
      console.error(`error: ${(err as Error).message}`);
    }
  });
  await new Promise((resolve) => done.signal.addEventListener('abort', resolve, { once: true }));
  lines.close();
}
stats();
