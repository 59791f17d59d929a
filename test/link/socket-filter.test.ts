// Socket filters (SO_ATTACH_BPF) on a Node dgram socket: the program sees every datagram the
// socket receives and drops those it returns 0 for; the count is exact, and close() detaches the
// filter (every datagram arrives again). Bad input: a program of another type, a non-socket fd.
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, openSync } from 'node:fs';
import { AttachError, attachSocketFilter, BpfMap, Program, socketFd } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

/** Sends `sizes` datagrams to `rx` and resolves with the sizes it received once `expected` came. */
async function exchange(rx: Socket, sizes: number[], expected: number): Promise<number[]> {
  const got: number[] = [];
  const port = rx.address().port;
  const tx = createSocket('udp4');
  const done = new Promise<void>((resolve) => {
    const onMessage = (m: Buffer) => {
      got.push(m.length);
      if (got.length === expected) {
        rx.off('message', onMessage);
        resolve();
      }
    };
    rx.on('message', onMessage);
  });
  for (const n of sizes) await new Promise((resolve) => tx.send(Buffer.alloc(n), port, '127.0.0.1', resolve));
  // One marker datagram every filter below keeps: once it is in, everything before it was judged.
  await new Promise((resolve) => tx.send(Buffer.alloc(1), port, '127.0.0.1', resolve));
  await done;
  tx.close();
  return got;
}

kernelDescribe('socket filters (SO_ATTACH_BPF)', ['prog_load'], () => {
  it('drops what the program returns 0 for, counts every datagram, and close() detaches', async () => {
    const seen = BpfMap.create({ type: 'array', key: 4, value: 8, maxEntries: 1 } as never);
    // skb->len here is the UDP header and payload; keep datagrams of at most 8 + 50 bytes.
    const { instructions } = assemble(`
      r6 = *(u32 *)(r1 + 0)
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = seen ll
      call 1
      if r0 == 0 goto judge
      r1 = 1
      lock *(u64 *)(r0 + 0) += r1
    judge:
      r0 = 0
      if r6 > 58 goto out
      r0 = r6
    out:
      exit`);
    using prog = Program.load({ type: 'socket_filter', instructions, maps: { seen } });
    const rx = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => rx.bind(0, '127.0.0.1', resolve));
      const link = attachSocketFilter(prog, rx);
      expect([link.kind, link.mode, link.target]).toEqual([
        'socket_filter',
        'socket',
        `socket fd ${socketFd(rx)}`,
      ]);
      const kept = await exchange(rx, [10, 100, 50, 51, 20], 4);
      expect(kept).toEqual([10, 50, 20, 1]);
      expect(
        Buffer.from(seen.get(Buffer.alloc(4) as never) as unknown as Uint8Array).readBigUInt64LE(0),
      ).toBe(6n);
      link.close();
      expect(await exchange(rx, [100, 200], 3)).toEqual([100, 200, 1]);
    } finally {
      rx.close();
      seen.close();
    }
  });

  it('says what is wrong: a program of another type, a fd that is not a socket, an unbound socket', () => {
    using xdp = Program.load({ type: 'xdp', instructions: assemble('r0 = 2\nexit').instructions });
    using filter = Program.load({
      type: 'socket_filter',
      instructions: assemble('r0 = 0\nexit').instructions,
    });
    expect(() => attachSocketFilter(xdp, 0)).toThrow(
      new AttachError(
        'mismatch',
        'socket fd 0',
        'a xdp program cannot filter a socket (needs socket_filter)',
      ),
    );
    const file = openSync('/proc/self/stat', 'r');
    try {
      expect(() => attachSocketFilter(filter, file)).toThrow(
        /SO_ATTACH_BPF on socket fd \d+: ENOTSOCK: not a socket/,
      );
    } finally {
      closeSync(file);
    }
    const unbound = createSocket('udp4');
    expect(() => attachSocketFilter(filter, unbound)).toThrow(/this socket has no file descriptor yet/);
    unbound.close();
  });
});
