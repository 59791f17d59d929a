// raw_tracepoint and tp_btf on the real kernel (sys_enter, filtered to getppid by this process),
// and the explained failures of what this host lacks: kprobes (no CONFIG_KPROBES) and
// fentry/fexit (EPERM even for root). Where the kernel has them, the VM suite tests them for real.
import {
  AttachError,
  attachKprobe,
  attachRawTracepoint,
  attachTpBtf,
  kprobesUnavailable,
  loadTracingProgram,
} from 'tsbpf';
import { expect, it } from 'vitest';
// Internal: the load options of a tracing program, tested here by path.
import { tracingLoadOptions } from '../../src/link/tracing.js';
import { kernelDescribe, missing } from '../support/kernel.js';
import { openFds } from './fds.js';
import { countingProgram, NR_GETPPID } from './programs.js';

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

// raw_tp and tp_btf both see sys_enter's (struct pt_regs *regs, long id) as a u64 array.
const ONLY_GETPPID = `
    r1 = *(u64 *)(r6 + 8)
    if r1 != ${NR_GETPPID} goto out`;

kernelDescribe('raw_tracepoint attach', ['raw_tp'], () => {
  it('counts every getppid of this process', () => {
    const before = openFds();
    const c = countingProgram('raw_tracepoint', process.pid, {}, ONLY_GETPPID);
    try {
      const link = attachRawTracepoint(c.prog, 'sys_enter');
      expect(link).toMatchObject({ kind: 'raw_tracepoint', mode: 'raw_tracepoint', target: 'sys_enter' });
      getppid(777);
      expect(c.count()).toBe(777n);
      link.close();
      getppid(10);
      expect(c.count()).toBe(777n);
    } finally {
      c.close();
    }
    expect(openFds()).toBe(before);
  });

  it('names a raw tracepoint that does not exist', () => {
    const c = countingProgram('raw_tracepoint', process.pid);
    try {
      expect(() => attachRawTracepoint(c.prog, 'no_such_tracepoint')).toThrow(
        /BPF_RAW_TRACEPOINT_OPEN for raw_tracepoint 'no_such_tracepoint': ENOENT/,
      );
    } finally {
      c.close();
    }
  });
});

kernelDescribe('tp_btf attach', ['tp_btf'], () => {
  it('counts every getppid of this process through a BTF-typed tracepoint', () => {
    const c = countingProgram(
      'tracing',
      process.pid,
      tracingLoadOptions('tp_btf', 'sys_enter'),
      ONLY_GETPPID,
    );
    try {
      const link = attachTpBtf(c.prog, 'sys_enter');
      expect(link).toMatchObject({ kind: 'tp_btf', target: 'sys_enter' });
      getppid(555);
      expect(c.count()).toBe(555n);
      link.close();
      getppid(10);
      expect(c.count()).toBe(555n);
    } finally {
      c.close();
    }
  });

  it('says when vmlinux BTF has no such tracepoint or function', () => {
    expect(() => tracingLoadOptions('tp_btf', 'no_such_tp')).toThrow(
      /tp_btf: no tracepoint 'no_such_tp' \(no btf_trace_no_such_tp typedef\) in vmlinux BTF/,
    );
    const err = (() => {
      try {
        tracingLoadOptions('fentry', 'no_such_function_xyz');
      } catch (e) {
        return e as AttachError;
      }
    })();
    expect(err).toBeInstanceOf(AttachError);
    expect(err?.reason).toBe('not-found');
  });
});

kernelDescribe('kprobes where the kernel has none', ['bpf'], () => {
  it.runIf(kprobesUnavailable() !== undefined)('attachKprobe says the kernel has no kprobes', () => {
    const c = countingProgram('kprobe', process.pid);
    try {
      const err = (() => {
        try {
          attachKprobe(c.prog, 'do_unlinkat');
        } catch (e) {
          return e as AttachError;
        }
      })();
      expect(err).toBeInstanceOf(AttachError);
      expect(err?.reason).toBe('unsupported');
      expect(err?.message).toBe(
        "kprobe 'do_unlinkat': kernel without kprobes (CONFIG_KPROBES unset: no /sys/bus/event_source/devices/kprobe and no tracefs kprobe_events)",
      );
    } finally {
      c.close();
    }
  });
});

kernelDescribe('fentry where the kernel refuses it', ['btf'], () => {
  it.runIf(missing('fentry') !== null)('loading an fentry program says it is refused, and why', () => {
    const err = (() => {
      try {
        loadTracingProgram('fentry', 'do_unlinkat', {
          instructions: new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
        });
      } catch (e) {
        return e as AttachError;
      }
    })();
    expect(err).toBeInstanceOf(AttachError);
    expect(err?.reason).toBe('permission');
    expect(err?.message).toMatch(
      /^fentry 'do_unlinkat': program load failed with EPERM: this kernel refuses it even to root/,
    );
  });
});
