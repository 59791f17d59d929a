// Network namespace links on real traffic, in a namespace the test makes (loopback only):
// sk_lookup steers connections to one port onto a listener on another (each connect lands on it,
// exactly), update() swaps the program atomically, detach() and close() end the steering;
// flow_dissector programs run by BPF_PROG_TEST_RUN (the flow keys they write come out exactly)
// and links: each packet a namespace receives with RPS on is dissected by the attached program
// exactly once (counted in a map), none after close(); one per namespace; bad input is one typed error, nothing left attached.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import {
  AttachError,
  attachFlowDissector,
  attachSkLookup,
  BpfMap,
  codecs,
  Link,
  Program,
  socketFd,
} from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair } from '../support/netns.js';

const STEERED = 7007;

/** sk_lookup: connections to STEERED go to the socket at key 0 of `listener`; everything else passes. */
const STEER = `
    r6 = r1
    r2 = *(u32 *)(r6 + 60)
    if r2 != ${STEERED} goto pass
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = r10
    r2 += -4
    r1 = listener ll
    call 1
    if r0 == 0 goto pass
    r1 = r6
    r2 = r0
    r6 = r0
    r3 = 0
    call 124
    r1 = r6
    call 86
  pass:
    r0 = 1
    exit`;
const PASS = `
    r0 = 1
    exit`;

/**
 * A flow dissector for Ethernet + IPv4 (no options) + UDP: writes nhoff, thoff, addr_proto,
 * ip_proto, the addresses and ports into the flow keys and returns BPF_OK (0); anything else
 * (short, IP options, not UDP) is BPF_DROP (2). r6 = flow keys, r2 = data, r3 = data_end.
 */
const DISSECT_UDP4 = `
    r6 = *(u64 *)(r1 + 144)
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 42
    if r4 > r3 goto drop
    r5 = *(u8 *)(r2 + 14)
    if r5 != 0x45 goto drop
    r5 = *(u8 *)(r2 + 23)
    if r5 != 17 goto drop
    *(u8 *)(r6 + 9) = r5
    r5 = 14
    *(u16 *)(r6 + 0) = r5
    r5 = 34
    *(u16 *)(r6 + 2) = r5
    r5 = 0x0800
    *(u16 *)(r6 + 4) = r5
    r5 = *(u32 *)(r2 + 26)
    *(u32 *)(r6 + 16) = r5
    r5 = *(u32 *)(r2 + 30)
    *(u32 *)(r6 + 20) = r5
    r5 = *(u16 *)(r2 + 34)
    *(u16 *)(r6 + 12) = r5
    r5 = *(u16 *)(r2 + 36)
    *(u16 *)(r6 + 14) = r5
    r0 = 0
    exit
  drop:
    r0 = 2
    exit`;

/** Counts its runs at key 0 of `hits`, then BPF_FLOW_DISSECTOR_CONTINUE (129): the kernel dissects. */
const COUNT_RUNS = `
    r2 = 0
    *(u32 *)(r10 - 4) = r2
    r2 = r10
    r2 += -4
    r1 = hits ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
  out:
    r0 = 129
    exit`;

/** Ethernet + IPv4 (20-byte header) + UDP from 10.1.2.3:4660 to 10.4.5.6:53 with `payload`. */
function udp4Packet(payload: Buffer, protocol = 17): Buffer {
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 8 + payload.length, 2);
  ip[8] = 64;
  ip[9] = protocol;
  Buffer.from([10, 1, 2, 3, 10, 4, 5, 6]).copy(ip, 12);
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(4660, 0);
  udp.writeUInt16BE(53, 2);
  udp.writeUInt16BE(8 + payload.length, 4);
  return Buffer.concat([eth, ip, udp, payload]);
}

/** The outcome of connecting to 127.0.0.1:port: the local port the server saw, or the error code. */
function tryConnect(port: number, accepted: Socket[]): Promise<string> {
  return new Promise((resolve) => {
    const before = accepted.length;
    const s = connect({ host: '127.0.0.1', port });
    s.on('data', () => {});
    s.on('end', () => resolve(`landed on ${accepted[before]?.localPort}`));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

kernelDescribe('network namespace links (sk_lookup, flow_dissector)', ['prog_load', 'maps'], () => {
  it('sk_lookup steers each connection to the listener; update, detach and close end it', async () => {
    using pair = makeVethPair();
    const nsPath = `/run/netns/${pair.ns.a}`;
    const scope = pair.enter('a');
    const accepted: Socket[] = [];
    let server: Server | undefined;
    try {
      server = createServer((c) => {
        accepted.push(c);
        c.end();
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const listenPort = (server.address() as { port: number }).port;
      using listener = BpfMap.create({ type: 'sockmap', maxEntries: 1, name: 'listener' });
      listener.set(0, socketFd(server));
      const load = (text: string) =>
        Program.load({
          type: 'sk_lookup',
          expectedAttachType: 'sk_lookup',
          instructions: assemble(text).instructions,
          maps: { listener },
        });
      using steer = load(STEER);
      using pass = load(PASS);

      expect(await tryConnect(STEERED, accepted)).toBe('ECONNREFUSED');
      using link = attachSkLookup(steer, nsPath);
      for (let i = 0; i < 3; i++) expect(await tryConnect(STEERED, accepted)).toBe(`landed on ${STEERED}`);
      expect(await tryConnect(listenPort, accepted)).toBe(`landed on ${listenPort}`);
      expect(accepted.length).toBe(4);

      const info = link.info();
      expect(info).toMatchObject({ typeName: 'netns', attachTypeName: 'sk_lookup', progId: steer.info().id });
      expect(info.netnsIno).toBe(statSync(nsPath).ino);
      const tool = JSON.parse(
        execFileSync('bpftool', ['-j', 'link', 'show', 'id', String(info.id)], { encoding: 'utf8' }),
      );
      expect(tool).toMatchObject({
        id: info.id,
        type: 'netns',
        prog_id: info.progId,
        netns_ino: info.netnsIno,
        attach_type: 'sk_lookup',
      });
      {
        using again = Link.fromId(info.id);
        expect(again.kind).toBe('sk_lookup');
        expect(again.target).toBe(`netns ${info.netnsIno} sk_lookup`);
      }

      // update(): the pass-only program, only if steer is still the one attached.
      link.update(pass, { oldProgram: steer });
      expect(link.info().progId).toBe(pass.info().id);
      expect(await tryConnect(STEERED, accepted)).toBe('ECONNREFUSED');
      expect(() => link.update(steer, { oldProgram: steer })).toThrow(/BPF_LINK_UPDATE.*EPERM/);
      link.update(steer);
      expect(await tryConnect(STEERED, accepted)).toBe(`landed on ${STEERED}`);

      link.detach();
      expect(await tryConnect(STEERED, accepted)).toBe('ECONNREFUSED');
      expect(accepted.length).toBe(5);
    } finally {
      server?.close();
      scope.leave();
    }
  });

  it('close() ends the steering; bad input is one typed error with nothing attached', async () => {
    using pair = makeVethPair();
    const nsPath = `/run/netns/${pair.ns.a}`;
    using listener = BpfMap.create({ type: 'sockmap', maxEntries: 1, name: 'listener' });
    using steer = Program.load({
      type: 'sk_lookup',
      expectedAttachType: 'sk_lookup',
      instructions: assemble(STEER).instructions,
      maps: { listener },
    });
    const before = [...Link.ids()].length;
    expect(() => attachSkLookup(steer, `/run/netns/${pair.ns.a}-missing`)).toThrow(
      expect.objectContaining({ name: 'AttachError', reason: 'not-found' }),
    );
    // An sk_lookup program is not a flow dissector.
    expect(() => attachFlowDissector(steer, nsPath)).toThrow(AttachError);
    expect(() => attachFlowDissector(steer, nsPath)).toThrow(/EINVAL/);
    expect([...Link.ids()].length).toBe(before);
    const link = attachSkLookup(steer, nsPath);
    const id = link.info().id;
    link.close();
    expect([...Link.ids()]).not.toContain(id);
  });

  it('a flow_dissector program in a test run: the flow keys come out as it wrote them, exact', () => {
    using dissect = Program.load({
      type: 'flow_dissector',
      expectedAttachType: 'flow_dissector',
      instructions: assemble(DISSECT_UDP4).instructions,
    });
    const packet = udp4Packet(Buffer.from('flow keys'));
    const run = dissect.testRun({ data: packet });
    expect(run.retval).toBe(0);
    // struct bpf_flow_keys (56 bytes), built independently from the packet's fields: the kernel
    // zeroes it and sets n_proto (from the Ethernet header) before the program runs.
    const keys = Buffer.alloc(56);
    keys.writeUInt16LE(14, 0); // nhoff
    keys.writeUInt16LE(34, 2); // thoff
    keys.writeUInt16LE(0x0800, 4); // addr_proto (host order ETH_P_IP)
    keys[9] = 17; // ip_proto
    keys.writeUInt16BE(0x0800, 10); // n_proto (network order)
    keys.writeUInt16BE(4660, 12); // sport
    keys.writeUInt16BE(53, 14); // dport
    Buffer.from([10, 1, 2, 3, 10, 4, 5, 6]).copy(keys, 16); // ipv4_src, ipv4_dst
    expect(run.data).toEqual(keys);
    expect({
      nhoff: run.data.readUInt16LE(0),
      thoff: run.data.readUInt16LE(2),
      addrProto: run.data.readUInt16LE(4),
      ipProto: run.data[9],
    }).toEqual({ nhoff: 14, thoff: 34, addrProto: 0x0800, ipProto: 17 });

    // Not UDP: BPF_DROP, and the keys stay as the kernel set them (only nhoff, thoff, n_proto).
    const tcp = dissect.testRun({ data: udp4Packet(Buffer.alloc(0), 6) });
    expect(tcp.retval).toBe(2);
    const untouched = Buffer.alloc(56);
    untouched.writeUInt16LE(14, 0);
    untouched.writeUInt16LE(14, 2);
    untouched.writeUInt16BE(0x0800, 10);
    expect(tcp.data).toEqual(untouched);
  });

  it('an attached flow_dissector runs once per packet received with RPS on; none after close', async () => {
    using pair = makeVethPair();
    using hits = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64,
      maxEntries: 1,
      name: 'hits',
    });
    using counter = Program.load({
      type: 'flow_dissector',
      expectedAttachType: 'flow_dissector',
      instructions: assemble(COUNT_RUNS).instructions,
      maps: { hits },
    });
    const link = attachFlowDissector(counter, `/run/netns/${pair.ns.b}`);
    // Without RPS nothing on a veth's receive path needs a UDP packet's flow hash: no dissection.
    expect(await pair.udpBurst({ port: 7000, count: 5 })).toEqual({ sent: 5, received: 5 });
    expect(hits.get(0)).toBe(0n);
    // RPS on b's end: each received packet is hashed (dissected) once to pick a CPU; the hash is
    // then kept in the skb. 20 packets + the end marker.
    pair.exec('b', 'sh', ['-c', `echo 1 > /sys/class/net/${pair.ifname.b}/queues/rx-0/rps_cpus`]);
    expect(await pair.udpBurst({ port: 7000, count: 20 })).toEqual({ sent: 20, received: 20 });
    expect(hits.get(0)).toBe(21n);
    // The program belongs to b's namespace: packets a receives are not its business.
    expect(await pair.udpBurst({ port: 7000, count: 4, from: 'b' })).toEqual({ sent: 4, received: 4 });
    expect(hits.get(0)).toBe(21n);
    link.close();
    expect(await pair.udpBurst({ port: 7000, count: 6 })).toEqual({ sent: 6, received: 6 });
    expect(hits.get(0)).toBe(21n);
  });

  it('a flow_dissector link: one per namespace (E2BIG), info names it', () => {
    using pair = makeVethPair();
    const nsPath = `/run/netns/${pair.ns.a}`;
    // BPF_OK (0): the kernel keeps the flow keys the program left (none here).
    using dissect = Program.load({
      type: 'flow_dissector',
      expectedAttachType: 'flow_dissector',
      instructions: assemble('r0 = 0\nexit').instructions,
    });
    using link = attachFlowDissector(dissect, nsPath);
    expect(link.info()).toMatchObject({
      typeName: 'netns',
      attachTypeName: 'flow_dissector',
      netnsIno: statSync(nsPath).ino,
    });
    expect(() => attachFlowDissector(dissect, nsPath)).toThrow(/E2BIG: no room for another program/);
  });
});
