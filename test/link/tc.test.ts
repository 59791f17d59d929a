// tc with real packets over a veth pair (support/netns.ts): tcx links on ingress (b's end) and
// egress (a's end), their order (before/after a program or a link), the legacy clsact + cls_bpf
// path with its qdisc removed only when we made it (oracle: the `tc` command's own listing),
// section auto-attach and bad input. Counts are exact: sent = counted = received or dropped.
import {
  AttachError,
  attachBySection,
  attachTc,
  type SectionInfo,
  sectionInfo,
  type TcFilterLink,
} from 'tsbpf';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { makeVethPair, type Side, type VethPair } from '../support/netns.js';
import { type PortCounter, TC, udpPortProgram, XDP } from './net-programs.js';

const PORT = 7200;
const N = 30;
const n = BigInt(N);

kernelDescribe('tc on a veth, real packets', ['prog_load'], () => {
  let pair: VethPair;
  let shot: PortCounter;
  let next: PortCounter;
  beforeEach(() => {
    pair = makeVethPair();
    shot = udpPortProgram('sched_cls', PORT, TC.SHOT);
    next = udpPortProgram('sched_cls', PORT, TC.NEXT);
  });
  afterEach(() => {
    shot?.close();
    next?.close();
    pair?.close();
  });

  /** The qdiscs and filters `tc` lists on a side's interface. */
  const tcShow = (side: Side, what: 'qdisc' | 'filter', extra: string[] = []): string =>
    pair.exec(side, 'tc', [what, 'show', 'dev', pair.ifname[side], ...extra]);

  for (const [direction, side] of [
    ['ingress', 'b'],
    ['egress', 'a'],
  ] as const) {
    for (const via of ['tcx', 'legacy'] as const) {
      it(`${via} ${direction}: drops exactly the packets to its port, and nothing after close()`, async () => {
        {
          using _ = pair.enter(side);
          using link = attachTc(shot.prog, pair.ifname[side], { direction, via });
          expect(link.kind).toBe(via === 'tcx' ? 'tcx' : 'tc');
          if (via === 'tcx') expect(link.info()).toMatchObject({ type: 11, progId: shot.prog.info().id }); // BPF_LINK_TYPE_TCX
          expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
          expect(shot.count()).toBe(n);
          if (via === 'legacy') {
            expect(tcShow(side, 'qdisc')).toMatch(/qdisc clsact ffff:/);
            expect(tcShow(side, 'filter', [direction])).toMatch(/bpf .*direct-action/);
          }
        }
        expect(tcShow(side, 'qdisc')).not.toMatch(/clsact/);
        expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: N });
        expect(shot.count()).toBe(n);
      });
    }
  }

  it('tcx order: before and after a program or a link decide who sees the packets', async () => {
    using _ = pair.enter('b');
    // Shot first: the packets never reach the second program.
    {
      using s = attachTc(shot.prog, pair.ifname.b);
      using _x = attachTc(next.prog, pair.ifname.b, { after: s });
      expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
      expect([shot.count(), next.count()]).toEqual([n, 0n]);
    }
    // The counter placed before the dropping program (named by its program): both see them all.
    {
      using _s = attachTc(shot.prog, pair.ifname.b);
      using _x = attachTc(next.prog, pair.ifname.b, { before: shot.prog });
      expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
      expect([shot.count(), next.count()]).toEqual([2n * n, n]);
    }
    // Alone, "next" lets them through.
    {
      using _x = attachTc(next.prog, pair.ifname.b);
      expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: N });
      expect(next.count()).toBe(2n * n);
    }
  });

  it('legacy: a clsact qdisc that was there stays; ours goes only when its last filter does', async () => {
    using _ = pair.enter('b');
    const first = attachTc(shot.prog, pair.ifname.b, { via: 'legacy' }) as TcFilterLink;
    const second = attachTc(next.prog, pair.ifname.b, { via: 'legacy', direction: 'egress' }) as TcFilterLink;
    expect([first.createdQdisc, second.createdQdisc]).toEqual([true, false]);
    first.close();
    expect(tcShow('b', 'qdisc')).toMatch(/clsact/); // the egress filter still needs it
    expect(tcShow('b', 'filter', ['egress'])).toMatch(/bpf/);
    second.close();
    expect(tcShow('b', 'qdisc')).toMatch(/clsact/); // not ours to remove
    pair.exec('b', 'tc', ['qdisc', 'del', 'dev', pair.ifname.b, 'clsact']);
    pair.exec('b', 'tc', ['qdisc', 'add', 'dev', pair.ifname.b, 'clsact']);
    {
      using link = attachTc(shot.prog, pair.ifname.b, { via: 'legacy' }) as TcFilterLink;
      expect(link.createdQdisc).toBe(false);
      expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
    }
    expect(tcShow('b', 'qdisc')).toMatch(/clsact/);
    expect(tcShow('b', 'filter', ['ingress'])).not.toMatch(/bpf/);
  });

  it('auto-attaches tcx/ingress and tc/egress sections to the interface given', async () => {
    {
      using _ = pair.enter('b');
      using link = await attachBySection(shot.prog, sectionInfo('tcx/ingress') as SectionInfo, {
        iface: pair.ifname.b,
      });
      expect(link.kind).toBe('tcx');
      expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
    }
    {
      using _ = pair.enter('a');
      using link = await attachBySection(shot.prog, sectionInfo('tc/egress') as SectionInfo, {
        iface: pair.ifname.a,
      });
      expect(link.target).toBe(`${pair.ifname.a}:egress`);
      expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: 0 });
    }
    expect(shot.count()).toBe(2n * n);
    await expect(
      attachBySection(shot.prog, sectionInfo('tc') as SectionInfo, { iface: pair.ifname.a }),
    ).rejects.toThrow(/direction/);
  });

  it('bad input: one typed error each, and nothing left attached', async () => {
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
    expect(reason(() => attachTc(shot.prog, `nope${process.pid}`))).toBe('not-found');
    expect(reason(() => attachTc(shot.prog, 999_999, { via: 'legacy' }))).toBe('not-found');
    const xdp = udpPortProgram('xdp', PORT, XDP.PASS);
    try {
      expect(reason(() => attachTc(xdp.prog, pair.ifname.b))).toBe('mismatch');
    } finally {
      xdp.close();
    }
    // Before a program that is not on the hook.
    expect(reason(() => attachTc(next.prog, pair.ifname.b, { before: shot.prog }))).toBe('not-found');
    {
      using _held = attachTc(shot.prog, pair.ifname.b);
      expect(reason(() => attachTc(shot.prog, pair.ifname.b))).toBe('busy');
    }
    expect(tcShow('b', 'qdisc')).not.toMatch(/clsact/);
    // Nothing is left on the hook: every packet arrives and no program counts one.
    expect(await pair.udpBurst({ port: PORT, count: N })).toEqual({ sent: N, received: N });
    expect([shot.count(), next.count()]).toEqual([0n, 0n]);
  });
});
