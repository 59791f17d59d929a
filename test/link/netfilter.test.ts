// A netfilter link (6.4+) counting real packets: in a namespace of the test's own, a program on
// the IPv4 LOCAL_IN hook counts every packet and accepts it; N UDP datagrams sent over loopback
// arrive N times and are counted exactly N times (nothing else crosses a fresh namespace's
// loopback). Bad input: typed errors before the kernel is asked.

import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { attachNetfilter, BpfMap, Link, Program } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair } from '../support/netns.js';

const COUNT = 25;

/** A u64 counter and a netfilter program that adds 1 per packet and accepts it (NF_ACCEPT 1). */
function countingProgram(): { prog: Program; count(): bigint; close(): void } {
  const counts = BpfMap.create({ type: 'array', key: 4, value: 8, maxEntries: 1 });
  try {
    const { instructions } = assemble(`
      r1 = 0
      *(u32 *)(r10 - 4) = r1
      r2 = r10
      r2 += -4
      r1 = counts ll
      call 1
      if r0 == 0 goto out
      r1 = 1
      lock *(u64 *)(r0 + 0) += r1
    out:
      r0 = 1
      exit`);
    const prog = Program.load({
      type: 'netfilter',
      expectedAttachType: 'netfilter',
      instructions,
      maps: { counts },
    });
    return {
      prog,
      count: () => Buffer.from(counts.get(new Uint8Array(4)) as Uint8Array).readBigUInt64LE(0),
      close: () => {
        prog.close();
        counts.close();
      },
    };
  } catch (err) {
    counts.close();
    throw err;
  }
}

kernelDescribe('netfilter links', ['prog_load', 'maps'], () => {
  it('counts each packet at ipv4 input exactly; info names the hook', async () => {
    using pair = makeVethPair();
    const c = countingProgram();
    const scope = pair.enter('a');
    const receiver = createSocket('udp4');
    const sender = createSocket('udp4');
    try {
      using link = attachNetfilter(c.prog, { family: 'ipv4', hook: 'input', priority: 10 });
      expect(link.target).toBe('ipv4 input prio 10');
      expect(link.info()).toMatchObject({
        typeName: 'netfilter',
        netfilter: { pf: 2, hooknum: 1, priority: 10, flags: 0 },
      });
      using again = Link.fromId(link.info().id);
      expect([again.kind, again.target]).toEqual(['netfilter', 'ipv4 input prio 10']);
      receiver.bind(0, '127.0.0.1');
      await once(receiver, 'listening');
      let got = 0;
      const all = new Promise<void>((resolve) =>
        receiver.on('message', () => {
          if (++got === COUNT) resolve();
        }),
      );
      const port = receiver.address().port;
      for (let i = 0; i < COUNT; i++) sender.send(Buffer.from(`packet ${i}`), port, '127.0.0.1');
      await all;
      expect(got).toBe(COUNT);
      expect(c.count()).toBe(BigInt(COUNT));
    } finally {
      receiver.close();
      sender.close();
      scope.leave();
      c.close();
    }
  });

  it('bad family, hook or priority: a typed error, nothing attached', () => {
    const c = countingProgram();
    try {
      const before = [...Link.ids()].length;
      expect(() => attachNetfilter(c.prog, { family: 'ipx' as never, hook: 'input', priority: 1 })).toThrow(
        TypeError,
      );
      expect(() => attachNetfilter(c.prog, { family: 'ipv4', hook: 'inbox' as never, priority: 1 })).toThrow(
        /unknown hook 'inbox'/,
      );
      expect(() => attachNetfilter(c.prog, { family: 'ipv4', hook: 'input', priority: 2 ** 31 - 1 })).toThrow(
        RangeError,
      );
      expect([...Link.ids()].length).toBe(before);
    } finally {
      c.close();
    }
  });
});
