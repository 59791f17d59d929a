// `tsbpf load` attaching every section of a clang-built object (test/fixtures/objects/
// cgroup_meter.bpf.c, remade by build.sh): without --cgroup each cgroup section gets one line
// naming the option; with --cgroup and --pin the attachments outlive the command, count a child's
// real traffic exactly, and go away with the pins.
import { rmSync } from 'node:fs';
import { BpfMap } from 'tsbpf';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as load } from '../../src/cli/load.js';
import { UsageError } from '../../src/cli/usage.js';
import { TestCgroup } from '../support/cgroup.js';
import { kernelDescribe } from '../support/kernel.js';
import { bpftoolPath, fixture } from '../support/object-fixtures.js';

const OBJECT = fixture('cgroup_meter.bpf.o');

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  return { out: () => out, err: () => err };
}
afterEach(() => vi.restoreAllMocks());

describe('tsbpf load: attach options', () => {
  it('--xdp-mode takes skb, drv or hw (exit 2 otherwise)', async () => {
    await expect(load(['x.o', '--xdp-mode', 'fast'])).rejects.toThrow(
      new UsageError("--xdp-mode takes skb, drv, hw, not 'fast'"),
    );
  });
});

kernelDescribe('tsbpf load: cgroup sections', ['prog_load', 'btf', 'bpffs', 'cgroup2'], () => {
  let cg: TestCgroup;
  beforeAll(() => {
    cg = new TestCgroup('load');
  });
  afterAll(() => cg?.remove());

  it('without --cgroup: one line per cgroup section naming --cgroup, nothing attached', async () => {
    const io = capture();
    expect(await load([OBJECT, '--duration', '0'])).toBe(0);
    expect(io.err().trim().split('\n')).toEqual([
      "tsbpf load: section 'cgroup_skb/egress' needs a cgroup v2 directory: give --cgroup",
      "tsbpf load: section 'cgroup/sock_create' needs a cgroup v2 directory: give --cgroup",
    ]);
    expect(io.out()).toMatch(
      /^count_egress\s+cgroup_skb\/egress\s+cgroup_skb .* not attached: needs --cgroup$/m,
    );
    expect(io.out()).toMatch(
      /^count_sockets\s+cgroup\/sock_create\s+cgroup_sock .* not attached: needs --cgroup$/m,
    );
  });

  it('a --cgroup that is not a cgroup v2 directory is one error before anything loads', async () => {
    await expect(load([OBJECT, '--cgroup', `${cg.path}-gone`])).rejects.toThrow(
      new RegExp(`^no cgroup '${cg.path}-gone' \\(cgroup2 is mounted at `),
    );
  });

  it('--cgroup attaches both; --pin keeps them attached after the command, until the pins go', async () => {
    const dir = `/sys/fs/bpf/tsbpf-test-load-${process.pid}`;
    const bpftool = bpftoolPath();
    try {
      const io = capture();
      expect(await load([OBJECT, '--cgroup', cg.path, '--pin', dir, '--duration', '0'])).toBe(0);
      vi.restoreAllMocks();
      expect(io.out()).toMatch(/^count_egress\s.* attached, pinned$/m);
      expect(io.out()).toMatch(/^count_sockets\s.* attached, pinned$/m);
      if (bpftool)
        expect(
          cg
            .attached(bpftool)
            .map((p) => p.attach_type)
            .sort(),
        ).toEqual(['cgroup_inet_egress', 'cgroup_inet_sock_create']);
      // The command is over; the pinned links still count what a process in the cgroup does.
      const run = await cg.run(`
        const s = require('dgram').createSocket('udp4');
        let left = 5;
        for (let i = 0; i < 5; i++) s.send(Buffer.alloc(100), 9, '127.0.0.1', () => { if (--left === 0) { s.close(); console.log(JSON.stringify({ sent: 5 })); } });`);
      expect(run.out, run.stderr).toEqual({ sent: 5 });
      using egress = BpfMap.openPinned(`${dir}/maps/egress`);
      using sockets = BpfMap.openPinned(`${dir}/maps/sockets`);
      const key = Buffer.alloc(4);
      const e = Buffer.from(egress.get(key as never) as unknown as Uint8Array);
      expect([e.readBigUInt64LE(0), e.readBigUInt64LE(8)]).toEqual([5n, 5n * BigInt(20 + 8 + 100)]);
      expect(Buffer.from(sockets.get(key as never) as unknown as Uint8Array).readBigUInt64LE(0)).toBe(1n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // A removed pin lets its link go after an RCU grace period: wait for that, not longer.
    if (bpftool) await expect.poll(() => cg.attached(bpftool), { timeout: 5000 }).toEqual([]);
  });
});
