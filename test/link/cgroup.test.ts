// Cgroup attachments on the real kernel: a child process moved into a test cgroup sends real
// loopback traffic, and the counts are exact (packets sent = packets the program counted, bytes =
// IP length). Both mechanisms (BPF link, BPF_PROG_ATTACH with ALLOW_MULTI), by path and by fd,
// socket create/release, and bad input: one typed error each, and nothing left attached (bpftool
// lists the cgroup's programs as an outside view).
import { closeSync, openSync } from 'node:fs';
import { AttachError, attachCgroup, BpfMap, Program, resolveCgroup } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestCgroup } from '../support/cgroup.js';
import { kernelDescribe } from '../support/kernel.js';
import { bpftoolPath } from '../support/object-fixtures.js';

const bpftool = bpftoolPath();

/** A cgroup_skb program adding 1 and skb->len to stats[0] (packets, bytes); returns `verdict`. */
function skbCounter(verdict = 1): {
  prog: Program;
  stats: { close(): void };
  read(): { packets: bigint; bytes: bigint };
  close(): void;
} {
  const stats = BpfMap.create({ type: 'array', key: 4, value: 16, maxEntries: 1 } as never);
  const { instructions } = assemble(`
    r6 = *(u32 *)(r1 + 0)
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = stats ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    lock *(u64 *)(r0 + 8) += r6
  out:
    r0 = ${verdict}
    exit`);
  const prog = Program.load({ type: 'cgroup_skb', instructions, maps: { stats } });
  return {
    prog,
    stats,
    read: () => {
      const v = Buffer.from(stats.get(Buffer.alloc(4) as never) as unknown as Uint8Array);
      return { packets: v.readBigUInt64LE(0), bytes: v.readBigUInt64LE(8) };
    },
    close: () => {
      prog.close();
      stats.close();
    },
  };
}

/** The child's workload: COUNT datagrams of SIZE bytes to a receiver of its own on loopback. */
const UDP_SELF = `
  const dgram = require('dgram');
  const count = Number(process.env.COUNT), size = Number(process.env.SIZE);
  const rx = dgram.createSocket('udp4'), tx = dgram.createSocket('udp4');
  let got = 0;
  rx.on('message', () => { if (++got === count) done(); });
  const timer = setTimeout(done, Number(process.env.WAIT ?? 3000));
  function done() { clearTimeout(timer); rx.close(); tx.close(); console.log(JSON.stringify({ got })); }
  rx.bind(0, '127.0.0.1', () => {
    const port = rx.address().port;
    for (let i = 0; i < count; i++) tx.send(Buffer.alloc(size, 1), port, '127.0.0.1');
  });`;

const IP_UDP = 20 + 8;

kernelDescribe('cgroup attach: skb ingress/egress, link and BPF_PROG_ATTACH', ['cgroup2'], () => {
  let cg: TestCgroup;
  beforeAll(() => {
    cg = new TestCgroup('skb');
  });
  afterAll(() => cg?.remove());

  it('counts exactly the packets and bytes a process in the cgroup sends (egress, BPF link)', async () => {
    const c = skbCounter();
    try {
      using link = attachCgroup(c.prog, cg.path, { attachType: 'cgroup_inet_egress' });
      expect(link.mode).toBe('link');
      expect(link.kind).toBe('cgroup_skb');
      expect(link.info().type).toBeGreaterThan(0);
      const run = await cg.run(UDP_SELF, { COUNT: '7', SIZE: '100' });
      expect(run.out, run.stderr).toEqual({ got: 7 });
      expect(c.read()).toEqual({ packets: 7n, bytes: 7n * BigInt(IP_UDP + 100) });
    } finally {
      c.close();
    }
  });

  it('counts what a process in the cgroup receives (ingress), the cgroup given as an fd', async () => {
    const c = skbCounter();
    const fd = openSync(cg.path, 'r');
    try {
      using link = attachCgroup(c.prog, fd, { attachType: 'cgroup_inet_ingress' });
      expect(link.target).toBe(`cgroup fd ${fd}:cgroup_inet_ingress`);
      const run = await cg.run(UDP_SELF, { COUNT: '4', SIZE: '33' });
      expect(run.out, run.stderr).toEqual({ got: 4 });
      expect(c.read()).toEqual({ packets: 4n, bytes: 4n * BigInt(IP_UDP + 33) });
    } finally {
      closeSync(fd);
      c.close();
    }
  });

  it('falls back to BPF_PROG_ATTACH with ALLOW_MULTI; close() detaches it (bpftool sees both)', async () => {
    const c = skbCounter();
    try {
      const link = attachCgroup(c.prog, cg.path, { attachType: 'cgroup_inet_egress', mode: 'prog_attach' });
      expect(link.mode).toBe('prog_attach');
      expect(() => link.pin('/sys/fs/bpf/x')).toThrow(
        /needs a BPF link; this one is a BPF_PROG_ATTACH attachment/,
      );
      if (bpftool) expect(cg.attached(bpftool).map((p) => p.attach_type)).toEqual(['cgroup_inet_egress']);
      const run = await cg.run(UDP_SELF, { COUNT: '3', SIZE: '10' });
      expect(run.out, run.stderr).toEqual({ got: 3 });
      expect(c.read()).toEqual({ packets: 3n, bytes: 3n * BigInt(IP_UDP + 10) });
      link.close();
      link.close();
      if (bpftool) expect(cg.attached(bpftool)).toEqual([]);
      const after = await cg.run(UDP_SELF, { COUNT: '2', SIZE: '10' });
      expect(after.out).toEqual({ got: 2 });
      expect(c.read().packets).toBe(3n); // detached: nothing more counted
    } finally {
      c.close();
    }
  });

  it('drops what the program denies: egress verdict 0 loses every datagram', async () => {
    const c = skbCounter(0);
    try {
      using _link = attachCgroup(c.prog, cg.path, { attachType: 'cgroup_inet_egress' });
      const run = await cg.run(UDP_SELF, { COUNT: '3', SIZE: '20', WAIT: '300' });
      expect(run.out, run.stderr).toEqual({ got: 0 });
      expect(c.read().packets).toBe(3n);
    } finally {
      c.close();
    }
  });
});

kernelDescribe('cgroup attach: bad input is one typed error and leaves nothing attached', ['cgroup2'], () => {
  let cg: TestCgroup;
  beforeAll(() => {
    cg = new TestCgroup('bad');
  });
  afterAll(() => cg?.remove());
  const none = () => {
    if (bpftool) expect(cg.attached(bpftool)).toEqual([]);
  };

  it('a missing cgroup, a cgroup v1 directory, no cgroup2 path at all', () => {
    const c = skbCounter();
    try {
      const missing = `${cg.path}-no-such`;
      const err = (() => {
        try {
          attachCgroup(c.prog, missing, { attachType: 'cgroup_inet_egress' });
        } catch (e) {
          return e;
        }
      })() as AttachError;
      expect(err).toBeInstanceOf(AttachError);
      expect(err.reason).toBe('not-found');
      expect(err.message).toBe(`no cgroup '${missing}' (cgroup2 is mounted at ${resolveCgroup('.')})`);
      expect(() => attachCgroup(c.prog, '/tmp', { attachType: 'cgroup_inet_egress' })).toThrow(
        /'\/tmp' is not a cgroup v2 directory \(cgroup2 is mounted at /,
      );
      // A relative path is under the cgroup2 mount.
      using link = attachCgroup(c.prog, cg.path.slice(resolveCgroup('.').length + 1), {
        attachType: 'cgroup_inet_egress',
      });
      expect(link.target).toBe(`${cg.path}:cgroup_inet_egress`);
    } finally {
      c.close();
    }
    none();
  });

  it('a program type that does not run at the hook', () => {
    const c = skbCounter();
    try {
      expect(() => attachCgroup(c.prog, cg.path, { attachType: 'cgroup_inet4_connect' })).toThrow(
        new AttachError(
          'mismatch',
          cg.path,
          'a cgroup_skb program cannot attach at cgroup_inet4_connect (that hook runs cgroup_sock_addr programs)',
        ),
      );
      expect(() => attachCgroup(c.prog, cg.path)).toThrow(
        /a cgroup_skb program attaches to one of cgroup_inet_ingress, cgroup_inet_egress: give attachType/,
      );
    } finally {
      c.close();
    }
    using sf = Program.load({ type: 'socket_filter', instructions: assemble('r0 = 0\nexit').instructions });
    expect(() => attachCgroup(sf, cg.path, { attachType: 'cgroup_inet_egress' })).toThrow(
      /a socket_filter program cannot attach to a cgroup/,
    );
    none();
  });

  it('a sock_addr program loaded for connect4 attached at bind4: the kernel says no, in both mechanisms', () => {
    using prog = Program.load({
      type: 'cgroup_sock_addr',
      expectedAttachType: 'cgroup_inet4_connect',
      instructions: assemble('r0 = 1\nexit').instructions,
    });
    for (const mode of [undefined, 'link', 'prog_attach'] as const) {
      let err: AttachError | undefined;
      try {
        attachCgroup(prog, cg.path, { attachType: 'cgroup_inet4_bind', mode });
      } catch (e) {
        err = e as AttachError;
      }
      expect(err).toBeInstanceOf(AttachError);
      expect(err?.reason).toBe('mismatch');
      expect(err?.message).toMatch(/EINVAL: the program was loaded for another hook/);
    }
    none();
  });
});
