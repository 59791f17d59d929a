// Objects clang compiled, loaded by us into the real kernel and exercised with BPF_PROG_TEST_RUN:
// subprograms and globals compute what the C source says, maps hold what the programs wrote.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import {
  attachBySection,
  BpfObject,
  CoreRelocationError,
  linuxKernelVersion,
  possibleCpus,
  RingBufReader,
  type sectionInfo,
} from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { fixture } from '../support/object-fixtures.js';

const u32 = (n: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
};
const zero = u32(0);
const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

kernelDescribe('objects: load and run', ['prog_load', 'test_run', 'btf'], () => {
  it('subprograms, .data/.bss/.rodata/custom sections and a map-in-map do what the C says', () => {
    const obj = BpfObject.open(fixture('subprogs.bpf.o'));
    expect(obj.programs.map((p) => p.name)).toEqual(['compute', 'compute2']);
    obj.set('bias', 10);
    using l = obj.load();
    const compute = l.program('compute');
    for (const size of [60, 100]) {
      // skb->len is the packet less the 14-byte Ethernet header the kernel pulls; compute returns
      // add_bias(times_scale(len)) = len * scale + bias.
      expect(compute.testRun({ data: new Uint8Array(size) }).retval).toBe((size - 14) * 3 + 10);
    }
    expect(view(l.map('.bss').get(zero) as Uint8Array).getBigUint64(0, true)).toBe(2n); // counter
    expect(view(l.map('.data.tallies').get(zero) as Uint8Array).getBigUint64(0, true)).toBe(40n + 2n * 101n); // tally += 'e'
    // The outer map's slot 0 holds inner_a (by id), which bump_inner updated with key 7 += len.
    const outer = l.map('outer');
    const innerA = l.map('inner_a');
    expect(view(outer.get(zero) as Uint8Array).getUint32(0, true)).toBe(innerA.info().id);
    expect(view(outer.get(u32(2)) as Uint8Array).getUint32(0, true)).toBe(l.map('inner_b').info().id);
    expect(outer.get(u32(1))).toBeUndefined();
    expect(view(innerA.get(u32(7)) as Uint8Array).getBigUint64(0, true)).toBe(46n + 86n);
    // compute2 = times_scale(2) + add_bias(0) = 6 + 10; changing .data's scale changes it.
    expect(l.program('compute2').testRun({ data: new Uint8Array(64) }).retval).toBe(16);
    l.map('.data').set(zero, u32(5));
    expect(l.program('compute2').testRun({ data: new Uint8Array(64) }).retval).toBe(20);
    // .rodata is frozen: the kernel refuses writes from user space.
    expect(() => l.map('.rodata').set(zero, new Uint8Array(12))).toThrow(/EPERM/);
    // Programs carry the object's BTF (func_info for the global subprogram).
    expect(compute.info().btfId).toBeGreaterThan(0);
  });

  it('XDP packet counter: per-CPU packets and bytes per protocol', () => {
    using l = BpfObject.open(fixture('xdp_count.bpf.o')).load();
    const prog = l.program('xdp_count');
    const ipv4 = new Uint8Array(80);
    ipv4[12] = 0x08; // EtherType 0x0800
    const arp = new Uint8Array(60);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(prog.testRun({ data: ipv4, repeat: 3 }).retval).toBe(2); // XDP_PASS
    expect(prog.testRun({ data: arp }).retval).toBe(2);
    expect(() => l.map('stats')).toThrow(/percpu_array: ask for it with map\('stats', \{ perCpu: true \}\)/);
    const stats = l.map('stats', { perCpu: true });
    const sum = (key: number) => {
      const all = stats.get(u32(key)) ?? []; // one 16-byte value per possible CPU
      expect(all.length).toBe(possibleCpus());
      let packets = 0n;
      let bytes = 0n;
      for (const v of all) {
        packets += view(v).getBigUint64(0, true);
        bytes += view(v).getBigUint64(8, true);
      }
      return { packets, bytes };
    };
    expect(sum(0)).toEqual({ packets: 3n, bytes: 240n });
    expect(sum(1)).toEqual({ packets: 1n, bytes: 60n });
  });

  it('legacy `maps` section (struct bpf_map_def) maps are created and used', () => {
    using l = BpfObject.open(fixture('legacy_maps.bpf.o')).load();
    const hits = l.map('hits');
    expect(hits.info()).toMatchObject({ typeName: 'array', keySize: 4, valueSize: 8, maxEntries: 1 });
    l.program('legacy').testRun({ data: new Uint8Array(64), repeat: 5 });
    expect(view(hits.get(zero) as Uint8Array).getBigUint64(0, true)).toBe(5n);
  });

  it("fsdist: kprobe/kretprobe programs load; fentry/fexit are skipped here with the kernel's reason", () => {
    const obj = BpfObject.open(fixture('fsdist.bpf.o'));
    obj.set('target_pid', 4242).set('in_ms', true);
    expect(view(obj.get('target_pid')).getInt32(0, true)).toBe(4242);
    using l = obj.load({ onProgramError: 'skip' });
    expect([...l.programs.keys()].sort()).toEqual([
      'file_read_entry',
      'file_read_exit',
      'file_write_entry',
      'file_write_exit',
    ]);
    for (const p of l.programs.values()) expect(p.typeName).toBe('kprobe');
    const skipped = l.skipped.map((s) => s.section).sort();
    // fentry needs a kernel that allows it (EPERM here; the VM suite loads them).
    if (skipped.length > 0) {
      expect(skipped).toEqual(['fentry/vfs_read', 'fexit/vfs_read']);
      for (const s of l.skipped) expect(s.reason).toMatch(/EPERM|not permitted/);
    }
    // The const volatile knobs are in the frozen .rodata the programs read.
    const ro = l.map('.rodata').get(zero) as Uint8Array;
    const v = obj.variables.get('target_pid');
    expect(view(ro).getInt32(v?.offset ?? -1, true)).toBe(4242);
    expect(ro[obj.variables.get('in_ms')?.offset ?? -1]).toBe(1);
    expect(l.map('starts').info()).toMatchObject({
      typeName: 'hash',
      keySize: 4,
      valueSize: 8,
      maxEntries: 4096,
    });
    expect(l.map('.bss').info().valueSize).toBe(2 * 32 * 4); // hists[F_MAX_OP]
  });

  it(".kconfig externs hold the running kernel's version and config", () => {
    using l = BpfObject.open(fixture('tp_unlinkat.bpf.o')).load();
    const kc = l.map('.kconfig').get(zero) as Uint8Array;
    const obj = BpfObject.open(fixture('tp_unlinkat.bpf.o'));
    const ext = (n: string) => obj.spec.externs.find((e) => e.name === n)?.offset ?? -1;
    expect(view(kc).getUint32(ext('LINUX_KERNEL_VERSION'), true)).toBe(linuxKernelVersion());
    const config = gunzipSync(readFileSync('/proc/config.gz')).toString('latin1');
    const hz = /^CONFIG_HZ=(\d+)$/m.exec(config);
    expect(view(kc).getInt32(ext('CONFIG_HZ'), true)).toBe(hz ? Number(hz[1]) : 0);
    expect(kc[ext('CONFIG_BPF_SYSCALL')]).toBe(/^CONFIG_BPF_SYSCALL=y$/m.test(config) ? 1 : 0);
    expect(l.program('trace_unlinkat').typeName).toBe('tracepoint');
  });

  it('an unresolvable CO-RE relocation fails with the relocation explained, not the poison call', () => {
    const obj = BpfObject.open(fixture('core_local.bpf.o'));
    let err: unknown;
    try {
      obj.load().close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CoreRelocationError);
    const e = err as CoreRelocationError;
    // vmlinux has no `struct point`: the first field relocation is the one the verifier hit.
    expect(e.message).toMatch(
      /CO-RE byte_off relocation of struct point\.y \(access 0:1\): the target has no type named 'point'/,
    );
    expect(e.message).toMatch(/core_local\.bpf\.c:\d+/);
    expect(e.verifierError.log).toMatch(/invalid func unknown#195896080/);
  });

  it('a map pinned by name is pinned and then reused', () => {
    // Build the object in memory: the unlink fixture has no pinned map, so use the xdp one with pinning set.
    const obj = BpfObject.open(fixture('xdp_count.bpf.o'));
    (obj.spec.maps.get('stats') as { pinning: string }).pinning = 'by_name';
    const dir = `/sys/fs/bpf/tsbpf-pin-${process.pid}`;
    try {
      using a = obj.load({ pinPath: dir });
      using b = obj.load({ pinPath: dir });
      expect(b.map('stats', { perCpu: true }).info().id).toBe(a.map('stats', { perCpu: true }).info().id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('closing a loaded object releases every fd (and a failed load leaks none)', () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const l = BpfObject.open(fixture('subprogs.bpf.o')).load();
    expect(fds()).toBeGreaterThan(before);
    l.close();
    expect(fds()).toBe(before);
    expect(() => BpfObject.open(fixture('core_local.bpf.o')).load()).toThrow(CoreRelocationError);
    expect(fds()).toBe(before);
  });
});

kernelDescribe(
  'objects: attach by section and see events',
  ['prog_load', 'tracepoints', 'ringbuf', 'btf'],
  () => {
    it('tracepoint/syscalls/sys_enter_unlinkat fires for our own unlinkat: ringbuf event and .bss counter', async () => {
      // Node's unlink uses unlink(2); rm(1) uses unlinkat(2). target_pid 0: every process.
      const obj = BpfObject.open(fixture('tp_unlinkat.bpf.o')).set('target_pid', 0);
      using l = obj.load();
      const prog = l.program('trace_unlinkat');
      using link = await attachBySection(
        prog,
        l.specs.get('trace_unlinkat')?.def as NonNullable<ReturnType<typeof sectionInfo>>,
      );
      const path = `${tmpdir()}/tsbpf-unlink-${process.pid}`;
      writeFileSync(path, 'x');
      const rm = spawnSync('rm', [path]);
      expect(rm.status).toBe(0);
      void link;
      using reader = RingBufReader.open(l.map('events'));
      const events: { pid: number; path: string }[] = [];
      reader.drain((rec) => {
        const bytes = new Uint8Array(rec.buffer, rec.byteOffset + 8, rec.byteLength - 8);
        const end = bytes.indexOf(0);
        events.push({
          pid: rec.getUint32(0, true),
          path: new TextDecoder().decode(bytes.subarray(0, end < 0 ? undefined : end)),
        });
      });
      expect(events.filter((e) => e.path === path)).toEqual([{ pid: rm.pid, path }]);
      expect(
        view(l.map('.bss').get(zero) as Uint8Array).getBigUint64(
          obj.variables.get('calls')?.offset ?? -1,
          true,
        ),
      ).toBeGreaterThanOrEqual(1n);
    });
  },
);

kernelDescribe('objects: .ksyms', ['prog_load', 'raw_tp', 'btf'], () => {
  it('an untyped __ksym gets its kallsyms address, as the program then reports', async () => {
    const obj = BpfObject.open(fixture('ksyms.bpf.o')).set('target_pid', process.pid);
    using l = obj.load();
    using link = await attachBySection(
      l.program('read_ksyms'),
      l.specs.get('read_ksyms')?.def as NonNullable<ReturnType<typeof sectionInfo>>,
    );
    void link;
    void process.ppid; // any system call of ours fires raw_tp/sys_enter
    const data = l.map('.bss').get(zero) as Uint8Array;
    const expected = /^([0-9a-f]+) T schedule$/m.exec(readFileSync('/proc/kallsyms', 'latin1'));
    expect(expected).not.toBeNull();
    expect(view(data).getBigUint64(obj.variables.get('schedule_addr')?.offset ?? -1, true)).toBe(
      BigInt(`0x${expected?.[1]}`),
    );
  });
});
