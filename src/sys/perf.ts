// perf_event_open(2): struct perf_event_attr's layout, the perf ioctls, and the header of the
// perf_event_mmap_page. Offsets from include/uapi/linux/perf_event.h.
import { keepAlive } from './attrs/writer.js';
import { SysError } from './errno.js';
import { addressOf, ioctlInt, lastErrno, NR_PERF_EVENT_OPEN, sysPerfEventOpen } from './libc.js';

/** struct perf_event_attr up to PERF_ATTR_SIZE_VER5 (112 bytes, Linux 4.1+). */
export const PerfAttr = {
  SIZE: 112,
  type: 0,
  size: 4,
  config: 8,
  sample_period: 16,
  sample_freq: 16,
  sample_type: 24,
  read_format: 32,
  flags: 40,
  wakeup_events: 48,
  wakeup_watermark: 48,
  bp_type: 52,
  config1: 56,
  kprobe_func: 56,
  uprobe_path: 56,
  bp_addr: 56,
  config2: 64,
  probe_offset: 64,
  bp_len: 64,
} as const;

/** Bits of the attr's flags word (the C bitfield starting with `disabled`). */
export const PerfFlag = {
  disabled: 1n << 0n,
  inherit: 1n << 1n,
  exclude_user: 1n << 4n,
  exclude_kernel: 1n << 5n,
  exclude_hv: 1n << 6n,
  freq: 1n << 10n,
  watermark: 1n << 14n,
} as const;

/** enum perf_type_id. */
export const PerfType = {
  HARDWARE: 0,
  SOFTWARE: 1,
  TRACEPOINT: 2,
  HW_CACHE: 3,
  RAW: 4,
  BREAKPOINT: 5,
} as const;

/** enum perf_sw_ids (the ones we use by name). */
export const PerfSoftware = {
  cpu_clock: 0,
  task_clock: 1,
  page_faults: 2,
  context_switches: 3,
  cpu_migrations: 4,
  page_faults_min: 5,
  page_faults_maj: 6,
  alignment_faults: 7,
  emulation_faults: 8,
  dummy: 9,
  bpf_output: 10,
} as const;

/** enum perf_hw_id. */
export const PerfHardware = {
  cpu_cycles: 0,
  instructions: 1,
  cache_references: 2,
  cache_misses: 3,
  branch_instructions: 4,
  branch_misses: 5,
  bus_cycles: 6,
  stalled_cycles_frontend: 7,
  stalled_cycles_backend: 8,
  ref_cpu_cycles: 9,
} as const;

export const PERF_SAMPLE_RAW = 1n << 10n;
export const PERF_FLAG_FD_CLOEXEC = 8;
export const PERF_RECORD_LOST = 2;
export const PERF_RECORD_SAMPLE = 9;

/** The perf ioctls (_IO('$', n) / _IOW('$', 8, u32)). */
export const PerfIoctl = { ENABLE: 0x2400, DISABLE: 0x2401, RESET: 0x2403, SET_BPF: 0x40042408 } as const;

/** struct perf_event_mmap_page: where the ring's positions live in the first mmap'd page. */
export const MmapPage = { data_head: 1024, data_tail: 1032, data_offset: 1040, data_size: 1048 } as const;

export interface PerfEventSpec {
  type: number;
  config?: bigint;
  config1?: bigint;
  config2?: bigint;
  samplePeriod?: bigint;
  /** Sample at this frequency instead of every `samplePeriod` events. */
  sampleFreq?: bigint;
  sampleType?: bigint;
  /** OR of PerfFlag bits. */
  flags?: bigint;
  wakeupEvents?: number;
  /**
   * A NUL-terminated string the kernel reads through config1 (kprobe_func, uprobe_path): its
   * address goes into config1 and it stays alive as long as the attr.
   */
  config1String?: Uint8Array;
}

/** Encodes a perf_event_attr (zero tail, exact size). */
export function perfAttr(spec: PerfEventSpec): Buffer {
  const a = Buffer.alloc(PerfAttr.SIZE);
  a.writeUInt32LE(spec.type, PerfAttr.type);
  a.writeUInt32LE(PerfAttr.SIZE, PerfAttr.size);
  a.writeBigUInt64LE(spec.config ?? 0n, PerfAttr.config);
  let flags = spec.flags ?? 0n;
  if (spec.sampleFreq !== undefined) {
    a.writeBigUInt64LE(spec.sampleFreq, PerfAttr.sample_freq);
    flags |= PerfFlag.freq;
  } else {
    a.writeBigUInt64LE(spec.samplePeriod ?? 0n, PerfAttr.sample_period);
  }
  a.writeBigUInt64LE(spec.sampleType ?? 0n, PerfAttr.sample_type);
  a.writeBigUInt64LE(flags, PerfAttr.flags);
  a.writeUInt32LE(spec.wakeupEvents ?? 0, PerfAttr.wakeup_events);
  if (spec.config1String) {
    a.writeBigUInt64LE(addressOf(spec.config1String), PerfAttr.config1);
    keepAlive(a, spec.config1String);
  } else a.writeBigUInt64LE(spec.config1 ?? 0n, PerfAttr.config1);
  a.writeBigUInt64LE(spec.config2 ?? 0n, PerfAttr.config2);
  return a;
}

/**
 * perf_event_open(attr, pid, cpu, -1, CLOEXEC): the new fd, or -errno (callers turn each errno
 * into a message that fits what they were opening).
 */
export function perfEventOpenTry(attr: Buffer, pid: number, cpu: number): number {
  if (NR_PERF_EVENT_OPEN < 0) return -38; // ENOSYS
  for (;;) {
    const fd = sysPerfEventOpen(NR_PERF_EVENT_OPEN, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd >= 0) return fd;
    const errno = lastErrno();
    if (errno !== 4) return -errno; // retry EINTR only
  }
}

/** An ioctl on a perf event fd with an integer argument; throws SysError. */
export function perfIoctl(fd: number, request: number, arg: number, what: string): void {
  if (ioctlInt(fd, request, arg) < 0) throw new SysError(what, lastErrno());
}

/** The ioctl without throwing: 0 or -errno. */
export function perfIoctlTry(fd: number, request: number, arg: number): number {
  return ioctlInt(fd, request, arg) < 0 ? -lastErrno() : 0;
}
