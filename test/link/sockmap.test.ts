// sk_msg and sk_skb on a sockmap with real TCP connections in a namespace of the test's own
// (loopback): an sk_msg verdict program redirects everything sent on one connection's client
// socket to the egress of a second connection's; an sk_skb stream verdict (no stream parser)
// redirects everything one server socket receives out of another connection's client. Either way
// the second server receives exactly the bytes sent, in order, and the first receives none.
// Bad input (a map that is not a sockmap): a typed error, nothing attached.
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { AttachError, attachSkMsg, attachSockmap, BpfMap, Program, socketFd } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair } from '../support/netns.js';

/** bpf_msg_redirect_map(msg, sockets, 1, 0): every message goes out of the socket at key 1. */
const REDIRECT = `
    r2 = sockets ll
    r3 = 1
    r4 = 0
    call 60
    exit`;

/** bpf_sk_redirect_map(skb, sockets, 1, 0): every received skb goes out of the socket at key 1. */
const SKB_REDIRECT = `
    r2 = sockets ll
    r3 = 1
    r4 = 0
    call 52
    exit`;

/** A listening server on 127.0.0.1 and one connection to it: [client, server side, bytes read]. */
async function connection(
  servers: Server[],
): Promise<{ client: Socket; side: Socket; received: () => Buffer; ended: Promise<unknown> }> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const chunks: Buffer[] = [];
  const accepted = once(server, 'connection');
  const client = connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port });
  await once(client, 'connect');
  const [side] = (await accepted) as [Socket];
  side.on('data', (d: Buffer) => chunks.push(d));
  return { client, side, received: () => Buffer.concat(chunks), ended: once(side, 'end') };
}

kernelDescribe('sockmap programs (sk_msg redirect)', ['prog_load', 'maps'], () => {
  it('redirects every byte sent on one connection to another: exact counts on both', async () => {
    using pair = makeVethPair();
    const scope = pair.enter('a');
    const servers: Server[] = [];
    try {
      const one = await connection(servers);
      const two = await connection(servers);
      using sockets = BpfMap.create({ type: 'sockmap', maxEntries: 2, name: 'sockets' });
      using prog = Program.load({
        type: 'sk_msg',
        expectedAttachType: 'sk_msg_verdict',
        instructions: assemble(REDIRECT).instructions,
        maps: { sockets },
      });
      using link = attachSkMsg(prog, sockets);
      expect([link.kind, link.mode]).toEqual(['sk_msg', 'prog_attach']);
      sockets.set(0, socketFd(one.client));
      sockets.set(1, socketFd(two.client));

      const sent = [Buffer.alloc(100, 1), Buffer.alloc(2000, 2), Buffer.from('end of the redirected bytes')];
      const total = sent.reduce((n, b) => n + b.length, 0);
      for (const b of sent) one.client.write(b);
      // The FIN of each connection is not a message: it ends each server side's stream as usual.
      one.client.end();
      await one.ended;
      while (two.received().length < total) await new Promise((r) => setTimeout(r, 10));
      two.client.end();
      await two.ended;
      expect(one.received().length).toBe(0);
      expect(two.received()).toEqual(Buffer.concat(sent));
    } finally {
      for (const s of servers) s.close();
      scope.leave();
    }
  });

  it('sk_skb stream verdict: bytes received on one socket leave by another, exact', async () => {
    using pair = makeVethPair();
    const scope = pair.enter('a');
    const servers: Server[] = [];
    try {
      const one = await connection(servers);
      const two = await connection(servers);
      using sockets = BpfMap.create({ type: 'sockmap', maxEntries: 2, name: 'sockets' });
      using prog = Program.load({
        type: 'sk_skb',
        expectedAttachType: 'sk_skb_stream_verdict',
        instructions: assemble(SKB_REDIRECT).instructions,
        maps: { sockets },
      });
      // A verdict alone: since 5.13 the kernel reads skbs straight off the socket without a parser.
      const link = attachSockmap(prog, sockets, 'sk_skb_stream_verdict');
      expect([link.kind, link.mode]).toEqual(['sk_skb', 'prog_attach']);
      // Key 0: the server side of connection one (its received data runs the verdict);
      // key 1: the client of connection two (the verdict's egress: its peer receives the bytes).
      sockets.set(0, socketFd(one.side));
      sockets.set(1, socketFd(two.client));

      const sent = [
        Buffer.alloc(100, 1),
        Buffer.alloc(70_000, 2),
        Buffer.from('end of the redirected bytes'),
      ];
      const total = sent.reduce((n, b) => n + b.length, 0);
      for (const b of sent) one.client.write(b);
      // Stop waiting as soon as a byte reaches one's own reader: the redirect failed.
      while (two.received().length < total && one.received().length === 0)
        await new Promise((r) => setTimeout(r, 10));
      expect(two.received()).toEqual(Buffer.concat(sent));
      expect(one.received().length).toBe(0);

      // Out of the map and detached: one's bytes reach its own reader again, two gets nothing more.
      sockets.delete(0);
      link.close();
      expect(link.closed).toBe(true);
      const after = Buffer.from('after the socket left the map');
      one.client.end(after);
      await one.ended;
      two.client.end();
      await two.ended;
      expect(one.received()).toEqual(after);
      expect(two.received().length).toBe(total);
    } finally {
      for (const s of servers) s.close();
      scope.leave();
    }
  });

  it('a map that is not a sockmap: AttachError, nothing attached', () => {
    using notSockmap = BpfMap.create({ type: 'array', key: 4, value: 4, maxEntries: 1 });
    using sockets = BpfMap.create({ type: 'sockmap', maxEntries: 2, name: 'sockets' });
    using prog = Program.load({
      type: 'sk_msg',
      expectedAttachType: 'sk_msg_verdict',
      instructions: assemble(REDIRECT).instructions,
      maps: { sockets },
    });
    expect(() => attachSockmap(prog, notSockmap, 'sk_msg_verdict')).toThrow(AttachError);
    // The kernel takes it afterwards on the real sockmap: the failed attach left nothing behind.
    using link = attachSockmap(prog, sockets, 'sk_msg_verdict');
    expect(link.closed).toBe(false);
    expect(() => attachSockmap(prog, sockets, 'bogus' as never)).toThrow(
      /unknown sockmap attach type 'bogus'/,
    );
  });
});
