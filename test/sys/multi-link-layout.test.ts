// The kprobe_multi and uprobe_multi BPF_LINK_CREATE layouts against the running kernel's own BTF
// (`union bpf_attr` in /sys/kernel/btf/vmlinux): the installed UAPI headers may predate
// uprobe_multi (6.6), which attr-layout.test.ts's header check cannot see; the kernel's BTF is
// the layout the kernel itself uses.
import { existsSync, readFileSync } from 'node:fs';
import { Btf, fieldPath } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { KprobeMultiLinkCreate, UprobeMultiLinkCreate } from '../../src/sys/attr.js';
import { encodeKprobeMultiLink, encodeUprobeMultiLink } from '../../src/sys/attrs/link.js';
import { AttachType } from '../../src/sys/types.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';

const members: Record<string, Record<string, string>> = {
  kprobe: {
    multi_flags: 'kprobe_multi.flags',
    cnt: 'kprobe_multi.cnt',
    syms: 'kprobe_multi.syms',
    addrs: 'kprobe_multi.addrs',
    cookies: 'kprobe_multi.cookies',
  },
  uprobe: {
    path: 'uprobe_multi.path',
    offsets: 'uprobe_multi.offsets',
    ref_ctr_offsets: 'uprobe_multi.ref_ctr_offsets',
    cookies: 'uprobe_multi.cookies',
    cnt: 'uprobe_multi.cnt',
    multi_flags: 'uprobe_multi.flags',
    pid: 'uprobe_multi.pid',
  },
};

describe('multi link attrs', () => {
  it.skipIf(!existsSync(VMLINUX))('offsets and sizes equal union bpf_attr in the kernel BTF', () => {
    const btf = Btf.parse(readFileSync(VMLINUX));
    const layouts = { kprobe: KprobeMultiLinkCreate, uprobe: UprobeMultiLinkCreate } as const;
    for (const [which, layout] of Object.entries(layouts)) {
      let end = 0;
      for (const [field, offset] of Object.entries(layout)) {
        if (field === 'SIZE') continue;
        const path = members[which]?.[field] ?? field;
        const loc = fieldPath(btf, `bpf_attr.link_create.${path}`);
        expect(`${which}.${field} at ${offset}`).toBe(`${which}.${field} at ${loc.offset}`);
        end = Math.max(end, loc.offset + loc.size);
      }
      expect(layout.SIZE).toBe(Math.ceil(end / 8) * 8);
    }
  });

  it('encodes counts, flags and the attach type', () => {
    const k = encodeKprobeMultiLink({ progFd: 7, syms: ['a', 'b'], cookies: [0n, 1n], retprobe: true });
    expect(k.byteLength).toBe(KprobeMultiLinkCreate.SIZE);
    expect(k.readUInt32LE(KprobeMultiLinkCreate.attach_type)).toBe(AttachType.trace_kprobe_multi);
    expect(k.readUInt32LE(KprobeMultiLinkCreate.cnt)).toBe(2);
    expect(k.readUInt32LE(KprobeMultiLinkCreate.multi_flags)).toBe(1);
    expect(k.readBigUInt64LE(KprobeMultiLinkCreate.syms)).not.toBe(0n);
    expect(k.readBigUInt64LE(KprobeMultiLinkCreate.addrs)).toBe(0n);
    const u = encodeUprobeMultiLink({ progFd: 7, path: '/bin/true', offsets: [16n, 32n, 48n], pid: 42 });
    expect(u.byteLength).toBe(UprobeMultiLinkCreate.SIZE);
    expect(u.readUInt32LE(UprobeMultiLinkCreate.cnt)).toBe(3);
    expect(u.readUInt32LE(UprobeMultiLinkCreate.pid)).toBe(42);
    expect(u.readBigUInt64LE(UprobeMultiLinkCreate.cookies)).toBe(0n);
    expect(() => encodeUprobeMultiLink({ progFd: 7, path: '/x', offsets: [1n], cookies: [] })).toThrow(
      /one cookie per offset/,
    );
  });
});
