// XDP with real packets: two network namespaces joined by a veth pair (support/netns.ts), UDP
// sent from a to b with Node sockets, a program on b's end that counts packets to one port and
// drops or passes them. Counts are exact: sent = counted = received (pass) or 0 received (drop).
// Covered: the BPF link and netlink paths in each mode veth has (skb, drv), atomic replace, the
// query of what is attached (its oracle: `ip link` output), section auto-attach, and bad input
// (unknown interface, wrong program type, already attached, hw mode) leaving nothing attached.
import {
  AttachError,
  attachBySection,
  attachXdp,
  detachXdp,
  type SectionInfo,
  sectionInfo,
  xdpAttached,
} from 'tsbpf';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair, type VethPair } from '../support/netns.js';
import { type PortCounter, udpPortProgram, XDP } from './net-programs.js';

const PORT = 7100;
const N = 40;

kernelDescribe('XDP on a veth, real packets', ['prog_load'], () => {
  let pair: VethPair;
  let drop: PortCounter;
  let pass: PortCounter;
  beforeEach(() => {
    pair = makeVethPair();
    drop = udpPortProgram('xdp', PORT, XDP.DROP);
    pass = udpPortProgram('xdp', PORT, XDP.PASS);
  });
  afterEach(() => {
    drop?.close();
    pass?.close();
    pair?.close();
  });

  /** What b's interface runs, read inside b. */
  const attached = () => {
    using _ = pair.enter('b');
    return xdpAttached(pair.ifname.b);
  };
  /** The XDP program id `ip link` shows for b's interface (the outside oracle), or undefined. */
  const ipLinkProgId = (): number | undefined => {
    const [link] = JSON.parse(pair.exec('b', 'ip', ['-j', '-d', 'link', 'show', pair.ifname.b])) as {
      xdp?: { prog?: { id: number }; attached?: { prog: { id: number } }[] };
    }[];
    return link?.xdp?.prog?.id ?? link?.xdp?.attached?.[0]?.prog.id;
  };

  for (const via of ['link', 'netlink'] as const) {
    for (const mode of ['skb', 'drv'] as const) {
      it(`${via}, ${mode} mode: drops exactly the packets to its port, and nothing after close()`, async () => {
        {
          using _ = pair.enter('b');
          using link = attachXdp(drop.prog, pair.ifname.b, { mode, via });
          expect(link.mode).toBe(via);
          const now = attached();
          expect(now.mode).toBe(mode);
          expect(now.progId).toBe(drop.prog.info().id);
          expect(ipLinkProgId()).toBe(drop.prog.info().id);
          expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
          expect(drop.count()).toBe(BigInt(N));
        }
        expect(attached()).toEqual({ mode: undefined, progId: undefined });
        expect(ipLinkProgId()).toBeUndefined();
        expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: N });
        expect(drop.count()).toBe(BigInt(N));
      });

      it(`${via}, ${mode} mode: replace() swaps the program atomically`, async () => {
        using _ = pair.enter('b');
        using link = attachXdp(drop.prog, pair.ifindex.b, { mode, via });
        expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
        link.replace(pass.prog);
        expect(attached().progId).toBe(pass.prog.info().id);
        expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: N });
        expect([drop.count(), pass.count()]).toEqual([BigInt(N), BigInt(N)]);
        link.close();
        expect(attached().progId).toBeUndefined();
      });
    }
  }

  it('netlink: replace takes the place of the attached program, only if it is the one expected', async () => {
    using _ = pair.enter('b');
    using first = attachXdp(drop.prog, pair.ifname.b, { via: 'netlink', mode: 'skb' });
    const other = udpPortProgram('xdp', PORT, XDP.PASS);
    try {
      const wrong = () =>
        attachXdp(pass.prog, pair.ifname.b, { via: 'netlink', mode: 'skb', replace: other.prog });
      expect(wrong).toThrow(AttachError);
      expect(attached().progId).toBe(drop.prog.info().id);
    } finally {
      other.close();
    }
    using second = attachXdp(pass.prog, pair.ifname.b, { via: 'netlink', mode: 'skb', replace: drop.prog });
    expect(attached().progId).toBe(pass.prog.info().id);
    expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: N });
    expect([drop.count(), pass.count()]).toEqual([0n, BigInt(N)]);
    first.close(); // not its program any more: leaves the second one attached
    expect(attached().progId).toBe(pass.prog.info().id);
    second.close();
    expect(attached().progId).toBeUndefined();
  });

  it('detachXdp removes a netlink-attached program', () => {
    using _ = pair.enter('b');
    const link = attachXdp(drop.prog, pair.ifname.b, { via: 'netlink' });
    detachXdp(pair.ifname.b);
    expect(attached().progId).toBeUndefined();
    link.close(); // nothing of ours left to remove: no error
  });

  it('auto-attaches an xdp section to the interface given', async () => {
    using _ = pair.enter('b');
    using link = await attachBySection(drop.prog, sectionInfo('xdp') as SectionInfo, {
      iface: pair.ifname.b,
      xdpMode: 'drv',
    });
    expect(link.kind).toBe('xdp');
    expect(attached()).toMatchObject({ mode: 'drv', progId: drop.prog.info().id });
    expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
  });

  it('bad input: one typed error each, and nothing left attached', () => {
    using _ = pair.enter('b');
    const reason = (f: () => unknown): string => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(AttachError);
        return (err as AttachError).reason;
      }
      throw new Error('expected an AttachError');
    };
    expect(reason(() => attachXdp(drop.prog, `nope${process.pid}`))).toBe('not-found');
    expect(reason(() => attachXdp(drop.prog, 999_999))).toBe('not-found');
    const cls = udpPortProgram('sched_cls', PORT, 0);
    try {
      expect(reason(() => attachXdp(cls.prog, pair.ifname.b))).toBe('mismatch');
    } finally {
      cls.close();
    }
    expect(reason(() => attachXdp(drop.prog, pair.ifname.b, { mode: 'hw' }))).toBe('unsupported');
    expect(() => attachXdp(drop.prog, pair.ifname.b, { mode: 'hw' })).toThrow(/does not support/);
    expect(attached().progId).toBeUndefined();
    for (const via of ['link', 'netlink'] as const) {
      using held = attachXdp(drop.prog, pair.ifname.b, { via });
      expect(reason(() => attachXdp(pass.prog, pair.ifname.b, { via: 'link' }))).toBe('busy');
      expect(reason(() => attachXdp(pass.prog, pair.ifname.b, { via: 'netlink' }))).toBe('busy');
      expect(attached().progId).toBe(drop.prog.info().id);
      held.close();
      expect(attached().progId).toBeUndefined();
    }
  });

  it('a netlink refusal carries the kernel text', () => {
    using _ = pair.enter('b');
    using held = attachXdp(drop.prog, pair.ifname.b, { via: 'netlink' });
    expect(() => attachXdp(pass.prog, pair.ifname.b, { via: 'netlink' })).toThrow(/already attached/i);
    expect(held.mode).toBe('netlink');
  });
});
