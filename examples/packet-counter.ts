// packet-counter: an XDP program written with the builder, instruction by instruction, that
// counts packets and bytes per IP protocol — then fed hand-made Ethernet frames through
// BPF_PROG_TEST_RUN, so it runs in the real kernel (verifier, JIT) without touching a network
// interface. The printed table must equal what was sent.
//
//   sudo node dist/examples/packet-counter.js
import { BpfMap, codecs, Program } from 'tsbpf';
import { program, R0, R1, R2, R3, R4, R6, R10 } from 'tsbpf/isa';

const XDP_PASS = 2;
const OTHER = 255; // not IPv4: counted under key 255

// struct xdp_md { u32 data; u32 data_end; ... }: r2 = data, r3 = data_end.
const b = program();
const key = b.stackAlloc(4);
b.ldx('u32', R2, R1, 0).ldx('u32', R3, R1, 4);
b.mov(R6, R3).sub(R6, R2); // r6 = frame length, for the byte count
b.mov(R4, R2).add(R4, 14 + 20); // Ethernet header + a minimal IPv4 header must be in bounds
b.jgt(R4, R3, 'other');
b.ldx('u16', R4, R2, 12); // EtherType, big-endian on the wire: 0x0800 reads as 0x0008
b.jne(R4, 0x0008, 'other');
b.ldx('u8', R4, R2, 14 + 9).ja('count'); // IPv4 protocol field
b.label('other').mov(R4, OTHER);
b.label('count').stx('u32', R10, key, R4.w);
b.ldMap(R1, 'packets').mov(R2, R10).add(R2, key).call('map_lookup_elem');
b.ifThen(R0, '!=', 0, () => b.mov(R1, 1).atomic('add', 'u64', R0, 0, R1));
b.ldMap(R1, 'bytes').mov(R2, R10).add(R2, key).call('map_lookup_elem');
b.ifThen(R0, '!=', 0, () => b.atomic('add', 'u64', R0, 0, R6));
b.ret(XDP_PASS);

const maps = {
  packets: BpfMap.create({
    type: 'array',
    key: codecs.u32,
    value: codecs.u64,
    maxEntries: 256,
    name: 'packets',
  }),
  bytes: BpfMap.create({ type: 'array', key: codecs.u32, value: codecs.u64, maxEntries: 256, name: 'bytes' }),
};
using prog = Program.load({ type: 'xdp', instructions: b.build().instructions, maps });
using _packets = maps.packets;
using _bytes = maps.bytes;

/** An Ethernet frame: IPv4 with `protocol` and `payload` bytes after the IP header, or ARP. */
function frame(protocol: number | 'arp', payload: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + payload);
  f.set([0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]); // destination and source MAC
  if (protocol === 'arp') {
    f.set([0x08, 0x06], 12);
    return f;
  }
  f.set([0x08, 0x00], 12);
  f.set([0x45, 0, ((20 + payload) >> 8) & 0xff, (20 + payload) & 0xff], 14); // version/IHL, length
  f[14 + 8] = 64; // TTL
  f[14 + 9] = protocol;
  f.set([10, 0, 0, 1, 10, 0, 0, 2], 14 + 12); // source and destination address
  return f;
}

const traffic: { name: string; protocol: number | 'arp'; payload: number; times: number }[] = [
  { name: 'tcp', protocol: 6, payload: 40, times: 5 },
  { name: 'udp', protocol: 17, payload: 100, times: 3 },
  { name: 'icmp', protocol: 1, payload: 64, times: 2 },
  { name: 'arp', protocol: 'arp', payload: 28, times: 1 },
];
for (const t of traffic) {
  const { retval } = prog.testRun({ data: frame(t.protocol, t.payload), repeat: t.times });
  if (retval !== XDP_PASS) throw new Error(`XDP returned ${retval} for ${t.name}`);
}

const NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', [OTHER]: 'other' };
console.log(`${'PROTOCOL'.padEnd(10)} ${'PACKETS'.padStart(8)} ${'BYTES'.padStart(8)}`);
for (const [k, n] of maps.packets.entries()) {
  if (n === 0n) continue;
  const name = NAMES[k as number] ?? `ip proto ${k}`;
  console.log(`${name.padEnd(10)} ${String(n).padStart(8)} ${String(maps.bytes.get(k)).padStart(8)}`);
}
