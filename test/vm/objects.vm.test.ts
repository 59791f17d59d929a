// Runs inside the qemu guest (Debian's 6.1 kernel: kprobes, fentry). The clang fixtures load
// completely there — fentry/fexit included, CO-RE relocated against a kernel other than the one
// they were built on — attach by section name and produce the output their C source says.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { attachBySection, BpfObject, type SectionInfo } from 'tsbpf';
import { describe, expect, it } from 'vitest';

const fx = fileURLToPath(new URL('../fixtures/objects/', import.meta.url));

describe('objects in the VM', () => {
  it('fsdist: all six programs load (kprobe, kretprobe, fentry, fexit), attach and fill the histograms', async () => {
    using obj = BpfObject.open(`${fx}fsdist.bpf.o`).load();
    expect(obj.skipped).toEqual([]);
    expect(obj.programs.size).toBe(6);
    const links = await Promise.all(
      [...obj.programs].map(([n, p]) => attachBySection(p, obj.specs.get(n)?.def as SectionInfo)),
    );
    try {
      for (let i = 0; i < 20; i++) execFileSync('cat', ['/etc/hostname']);
      const bss = obj.map('.bss').get(new Uint8Array(4)) as Uint8Array;
      const v = new DataView(bss.buffer, bss.byteOffset, bss.byteLength);
      let total = 0;
      for (let i = 0; i < bss.byteLength; i += 4) total += v.getUint32(i, true);
      expect(total).toBeGreaterThanOrEqual(20);
    } finally {
      for (const l of links) l.close();
    }
  });

  it('globals: variables through mmap on this kernel too (.bss bumped by the program, .data written by us, .rodata set before load)', () => {
    using obj = BpfObject.open(`${fx}globals.bpf.o`)
      .set('step', 4)
      .load<{ packets: bigint; scale: bigint; step: number }>();
    const { packets, scale, step } = obj.variables;
    expect(packets.mapped).toBe(true);
    const prog = obj.program('count_packets');
    const run = () => prog.testRun({ data: new Uint8Array(64) }).retval; // skb->len 50, offsets[2] = -3
    expect(run()).toBe(50 * 3 - 3);
    expect(packets.get()).toBe(4n);
    scale.set(6n);
    expect(run()).toBe(50 * 6 - 3);
    expect(packets.get()).toBe(8n);
    expect(() => step.set(1)).toThrow(/frozen at load/);
  });

  it('unlink: BPF_CORE_READ(name, name) in a kprobe on do_unlinkat reaches bpf_printk', async () => {
    using obj = BpfObject.open(`${fx}unlink.bpf.o`).load();
    const links = await Promise.all(
      [...obj.programs].map(([n, p]) => attachBySection(p, obj.specs.get(n)?.def as SectionInfo)),
    );
    try {
      execFileSync('sh', ['-c', 'touch /tmp/vm-unlink-test && rm /tmp/vm-unlink-test']);
      const trace = execFileSync('sh', ['-c', 'timeout 1 cat /sys/kernel/tracing/trace_pipe || true'], {
        encoding: 'utf8',
      });
      expect(trace).toMatch(/KPROBE ENTRY pid = \d+, filename = \/tmp\/vm-unlink-test/);
      expect(trace).toMatch(/KPROBE EXIT: pid = \d+, ret = 0/);
    } finally {
      for (const l of links) l.close();
    }
  });
});
