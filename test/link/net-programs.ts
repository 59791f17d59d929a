// Packet programs the XDP and tc tests attach: count IPv4 UDP packets to one destination port in
// an array map and give them a verdict (drop, pass, or tcx's "next"); everything else passes.
// Written in the llvm assembly dialect so each test shows exactly what runs in the kernel.
import { BpfMap, Program } from 'tsbpf';
import { assemble } from 'tsbpf/isa';

export const XDP = { DROP: 1, PASS: 2 } as const;
export const TC = { OK: 0, SHOT: 2, NEXT: -1 } as const;

/** Where data and data_end are in the program's context (xdp_md, __sk_buff). */
const CTX = { xdp: { data: 0, end: 4 }, sched_cls: { data: 76, end: 80 } } as const;

export interface PortCounter {
  prog: Program;
  /** Packets to the port the program has seen. */
  count(): bigint;
  close(): void;
}

/** A program of `type` that counts UDP packets to `port` and returns `verdict` for them. */
export function udpPortProgram(type: 'xdp' | 'sched_cls', port: number, verdict: number): PortCounter {
  const pass = type === 'xdp' ? XDP.PASS : TC.OK;
  const portLe = ((port & 0xff) << 8) | (port >> 8); // the wire's big-endian u16, read little-endian
  const counts = BpfMap.create<number, bigint>({ type: 'array', key: 4, value: 8, maxEntries: 1 } as never);
  const text = `
    r2 = *(u32 *)(r1 + ${CTX[type].data})
    r3 = *(u32 *)(r1 + ${CTX[type].end})
    r4 = r2
    r4 += 42
    if r4 > r3 goto pass
    r4 = *(u16 *)(r2 + 12)
    if r4 != 8 goto pass
    r4 = *(u8 *)(r2 + 23)
    if r4 != 17 goto pass
    r4 = *(u16 *)(r2 + 36)
    if r4 != ${portLe} goto pass
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = counts ll
    call 1
    if r0 == 0 goto verdict
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
  verdict:
    r0 = ${verdict}
    exit
  pass:
    r0 = ${pass}
    exit`;
  let prog: Program;
  try {
    prog = Program.load({ type, instructions: assemble(text).instructions, maps: { counts } });
  } catch (err) {
    counts.close();
    throw err;
  }
  const key = Buffer.alloc(4);
  return {
    prog,
    count: () => Buffer.from(counts.get(key as never) as unknown as Buffer).readBigUInt64LE(0),
    close: () => {
      prog.close();
      counts.close();
    },
  };
}
