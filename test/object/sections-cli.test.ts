// Section names → program types (checked against the kernel's view of bpftool-loaded objects in
// bpftool-compare.test.ts), and `tsbpf load` as a user runs it.
import { sectionInfo } from 'tsbpf';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as load } from '../../src/cli/load.js';
import { UsageError } from '../../src/cli/usage.js';
import { kernelDescribe } from '../support/kernel.js';
import { fixture } from '../support/object-fixtures.js';

describe('section names', () => {
  it.each([
    ['kprobe/do_unlinkat', 'kprobe', 'kprobe', 'do_unlinkat', undefined],
    ['kretprobe/do_unlinkat', 'kprobe', 'kretprobe', 'do_unlinkat', undefined],
    [
      'tracepoint/syscalls/sys_enter_unlinkat',
      'tracepoint',
      'tracepoint',
      'syscalls/sys_enter_unlinkat',
      undefined,
    ],
    ['tp/sched/sched_switch', 'tracepoint', 'tracepoint', 'sched/sched_switch', undefined],
    ['raw_tp/sys_enter', 'raw_tracepoint', 'raw_tp', 'sys_enter', undefined],
    ['tp_btf/sched_switch', 'tracing', 'tp_btf', 'sched_switch', 'trace_raw_tp'],
    ['fentry/vfs_read', 'tracing', 'fentry', 'vfs_read', 'trace_fentry'],
    ['fexit/vfs_read', 'tracing', 'fexit', 'vfs_read', 'trace_fexit'],
    ['xdp', 'xdp', 'xdp', '', 'xdp'],
    ['xdp.frags', 'xdp', 'xdp', '', 'xdp'],
    ['socket', 'socket_filter', 'sk', '', undefined],
    ['cgroup_skb/egress', 'cgroup_skb', 'cgroup', '', 'cgroup_inet_egress'],
    ['cgroup/connect4', 'cgroup_sock_addr', 'cgroup', '', 'cgroup_inet4_connect'],
    ['ksyscall/openat', 'kprobe', 'ksyscall', 'openat', undefined],
    ['uprobe//bin/bash:readline', 'kprobe', 'uprobe', '/bin/bash:readline', undefined],
    ['tc', 'sched_cls', 'tc', '', undefined],
    ['perf_event', 'perf_event', 'perf_event', '', undefined],
  ])('%s → %s', (section, type, attach, target, expected) => {
    const info = sectionInfo(section);
    expect(info).toMatchObject({ programType: type, attach, target });
    expect(info?.expectedAttachType).toBe(expected);
  });

  it('usdt is recognised and reported as not supported yet; unknown sections are undefined', () => {
    expect(sectionInfo('usdt/libc:probe')?.unsupported).toMatch(/not supported yet/);
    expect(sectionInfo('.text')).toBeUndefined();
    expect(sectionInfo('kprobes/x')).toBeUndefined();
  });
});

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

describe('tsbpf load: usage', () => {
  it('--help exits 0; bad usage throws UsageError (exit 2)', async () => {
    const io = capture();
    expect(await load(['--help'])).toBe(0);
    expect(io.out()).toMatch(/usage: tsbpf load OBJ\.o/);
    await expect(load([])).rejects.toBeInstanceOf(UsageError);
    await expect(load(['x.o', '--set', 'novalue'])).rejects.toBeInstanceOf(UsageError);
    await expect(load(['x.o', '--duration', 'soon'])).rejects.toBeInstanceOf(UsageError);
  });
});

kernelDescribe('tsbpf load', ['prog_load', 'btf'], () => {
  it('prints programs (type, id, instruction counts, verifier stats) and maps; --set reaches .rodata', async () => {
    const io = capture();
    expect(await load([fixture('fsdist.bpf.o'), '--no-attach', '--set', 'target_pid=77'])).toBe(0);
    const out = io.out();
    for (const p of ['file_read_entry', 'file_read_exit', 'file_write_entry', 'file_write_exit'])
      expect(out).toMatch(
        new RegExp(`^${p}\\s+k(ret)?probe/vfs_\\w+\\s+kprobe\\s+\\d+\\s+\\d+\\s+\\d+`, 'm'),
      );
    expect(out).toMatch(/^starts\s+hash\s+\d+\s+4\s+8\s+4096/m);
    expect(out).toMatch(/^\.rodata\s+array\s+\d+\s+4\s+5\s+1\s+0x480/m);
  });

  it('a malformed object is a one-line error with the byte offset', async () => {
    const { readFileSync, writeFileSync, mkdtempSync } = await import('node:fs');
    const bytes = readFileSync(fixture('xdp_count.bpf.o'));
    bytes.writeUInt16LE(0x7fff, 0x3c); // e_shnum far past the end
    const file = `${mkdtempSync('/tmp/tsbpf-load-')}/bad.o`;
    writeFileSync(file, bytes);
    await expect(load([file, '--no-attach'])).rejects.toThrow(/byte offset \d+/);
  });
});
