// Network namespaces and veth pairs for tests that send real packets. makeVethPair() creates two
// namespaces named after this process (tsbpf-PID-N-a/-b) joined by a veth pair (one end in each,
// IPv4 10.99.0.1/24 in a and 10.99.0.2/24 in b, IPv6 off so only the test's packets cross), and
// removes both namespaces (and with them the veth) on close()/dispose, even after a failure.
// Code runs inside a namespace in-process (`using _ = pair.enter('b')`: this thread's sockets,
// ifindexes and netlink requests are then b's), or as a command (`pair.exec('a', 'ip', [...])`).
// udpBurst() sends packets from a to b with Node sockets and returns exactly what arrived.
//
//   using pair = makeVethPair();
//   { using _ = pair.enter('b'); attach XDP to pair.ifB ... }
//   const got = await pair.udpBurst({ port: 7000, count: 20 });
import { execFileSync } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { enterNetns, type NetnsScope } from '../../src/net/netns.js';

export type Side = 'a' | 'b';

export interface VethPair extends Disposable {
  /** Namespace names (under /run/netns). */
  readonly ns: Record<Side, string>;
  /** Interface names: the end in a and the end in b. */
  readonly ifname: Record<Side, string>;
  /** IPv4 addresses of the two ends. */
  readonly addr: Record<Side, string>;
  /** The ifindex of each end, inside its namespace. */
  readonly ifindex: Record<Side, number>;
  /** Moves this thread into a side's namespace until the scope is left. */
  enter(side: Side): NetnsScope;
  /** Runs a command inside a side's namespace (`ip netns exec`); its stdout. */
  exec(side: Side, command: string, args: string[]): string;
  /** Sends UDP packets from a to b (or b to a) and counts what arrived; see udpBurst. */
  udpBurst(opts: BurstOptions): Promise<BurstResult>;
  close(): void;
}

export interface BurstOptions {
  /** The destination UDP port of the counted packets. */
  port: number;
  count: number;
  /** Payload length in bytes (default 16). */
  size?: number;
  /** Sender side (default 'a'); the receiver is the other one. */
  from?: Side;
  /** The port of the end marker (default port + 1): a program under test must let it through. */
  markerPort?: number;
}

export interface BurstResult {
  sent: number;
  /** Packets to `port` that reached the receiving socket. */
  received: number;
}

let serial = 0;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Creates two namespaces joined by a veth pair; everything is removed on close(). */
export function makeVethPair(): VethPair {
  const n = ++serial;
  const base = `tsbpf-${process.pid}-${n}`;
  const ns = { a: `${base}-a`, b: `${base}-b` };
  // Interface names have at most 15 bytes: `t<pid>x<n>a`.
  const ifname = { a: `t${process.pid}x${n}a`, b: `t${process.pid}x${n}b` };
  const addr = { a: '10.99.0.1', b: '10.99.0.2' };
  const made: string[] = [];
  const close = (): void => {
    for (const name of made.splice(0).reverse()) {
      try {
        ip(['netns', 'del', name]);
      } catch {
        // Already gone.
      }
    }
  };
  try {
    for (const side of ['a', 'b'] as const) {
      ip(['netns', 'add', ns[side]]);
      made.push(ns[side]);
    }
    ip(['link', 'add', ifname.a, 'netns', ns.a, 'type', 'veth', 'peer', 'name', ifname.b, 'netns', ns.b]);
    const ifindex = { a: 0, b: 0 };
    for (const side of ['a', 'b'] as const) {
      const exec = (args: string[]) =>
        execFileSync('ip', ['netns', 'exec', ns[side], ...args], { stdio: 'pipe' });
      exec(['sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      exec(['sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
      ip(['-n', ns[side], 'addr', 'add', `${addr[side]}/24`, 'dev', ifname[side]]);
      ip(['-n', ns[side], 'link', 'set', 'lo', 'up']);
      ip(['-n', ns[side], 'link', 'set', ifname[side], 'up']);
      const shown = JSON.parse(ip(['-n', ns[side], '-j', 'link', 'show', ifname[side]])) as {
        ifindex: number;
      }[];
      ifindex[side] = shown[0]?.ifindex ?? 0;
    }
    // Static neighbours: no ARP exchange, so the only packets crossing are the test's own.
    const macOf = (side: Side) =>
      (JSON.parse(ip(['-n', ns[side], '-j', 'link', 'show', ifname[side]])) as { address: string }[])[0]
        ?.address;
    ip([
      '-n',
      ns.a,
      'neigh',
      'replace',
      addr.b,
      'lladdr',
      String(macOf('b')),
      'dev',
      ifname.a,
      'nud',
      'permanent',
    ]);
    ip([
      '-n',
      ns.b,
      'neigh',
      'replace',
      addr.a,
      'lladdr',
      String(macOf('a')),
      'dev',
      ifname.b,
      'nud',
      'permanent',
    ]);
    const pair: VethPair = {
      ns,
      ifname,
      addr,
      ifindex,
      enter: (side) => enterNetns(ns[side]),
      exec: (side, command, args) =>
        execFileSync('ip', ['netns', 'exec', ns[side], command, ...args], {
          encoding: 'utf8',
          stdio: 'pipe',
        }),
      udpBurst: (opts) => udpBurst(pair, opts),
      close,
      [Symbol.dispose]: close,
    };
    return pair;
  } catch (err) {
    close();
    throw err;
  }
}

/** A UDP socket bound inside a side's namespace (the socket stays there after the thread leaves). */
async function boundSocket(pair: VethPair, side: Side, port: number): Promise<Socket> {
  const scope = pair.enter(side);
  try {
    const s = createSocket('udp4');
    s.bind(port, pair.addr[side]);
    await once(s, 'listening');
    return s;
  } finally {
    scope.leave();
  }
}

/**
 * Sends `count` packets to `port`, then one marker packet to `markerPort`, from one end to the
 * other; resolves when the marker arrives. A veth delivers a sender's packets in order on its
 * one queue, so by then every counted packet has either arrived or been dropped: `received` is
 * exact without waiting for a time.
 */
async function udpBurst(pair: VethPair, opts: BurstOptions): Promise<BurstResult> {
  const from = opts.from ?? 'a';
  const to: Side = from === 'a' ? 'b' : 'a';
  const markerPort = opts.markerPort ?? opts.port + 1;
  const receiver = await boundSocket(pair, to, opts.port);
  const marker = await boundSocket(pair, to, markerPort);
  const sender = await boundSocket(pair, from, 0);
  try {
    let received = 0;
    receiver.on('message', () => received++);
    const markerSeen = once(marker, 'message');
    const payload = Buffer.alloc(opts.size ?? 16, 0x61);
    for (let i = 0; i < opts.count; i++) await sendOne(sender, payload, opts.port, pair.addr[to]);
    await sendOne(sender, Buffer.from('end'), markerPort, pair.addr[to]);
    await markerSeen;
    // Every counted packet is now in the receiver's socket queue or was dropped, but the marker's
    // 'message' may be handled before the receiver's reads: turn the event loop (a poll with no
    // wait reads up to 32 datagrams a socket) until a full turn, poll included, reads nothing.
    const turn = () => new Promise((r) => setImmediate(r));
    for (let before = -1; before !== received; ) {
      before = received;
      await turn(); // this turn's check phase (no poll may have run since)
      await turn(); // the next turn's, after its poll
    }
    return { sent: opts.count, received };
  } finally {
    for (const s of [receiver, marker, sender]) s.close();
  }
}

function sendOne(s: Socket, payload: Buffer, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) =>
    s.send(payload, port, address, (err) => (err ? reject(err) : resolve())),
  );
}
