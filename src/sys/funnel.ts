// The one door to bpf(2): every bpf() call in tsbpf goes through the active SyscallFunnel, so
// EINTR/ENOSYS handling lives in one place, and unit tests can swap the kernel for a fake
// (withSyscallFunnel) to test map, program and link logic without root. The funnel also owns
// pointer-taking (a fake hands out addresses it can resolve) and closing fds (a fake's fds are
// not the process's).
import { Errno } from './errno.js';
import {
  addressOf as koffiAddressOf,
  lastErrno,
  close as libcClose,
  NR_BPF,
  sysBpf,
  sysBpfAt,
} from './libc.js';
import { raiseMemlockOnce } from './memlock.js';

export interface SyscallFunnel {
  /** bpf(cmd, attr, size): the result (>= 0) or -errno, EINTR already retried. */
  bpf(cmd: number, attr: Uint8Array, size: number): number;
  /** The same with the attr given by address (the map hot path keeps its attrs at fixed addresses). */
  bpfAt(cmd: number, attrAddress: number, size: number): number;
  /** The address the kernel (or the fake) will read `buf` at. */
  addressOf(buf: Uint8Array): bigint;
  /** Closes an fd this funnel returned. */
  close(fd: number): void;
}

/** Commands that create objects and are charged to RLIMIT_MEMLOCK on kernels before 5.11. */
const MAP_CREATE = 0;
const PROG_LOAD = 5;
const BTF_LOAD = 18;
/** PROG_LOAD's EAGAIN (a signal during verification) is retried a few times, as libbpf does. */
const LOAD_ATTEMPTS = 5;

/** The raw system call and its errno, as the kernel funnel needs them (a seam for its own tests). */
export interface RawBpf {
  call(cmd: number, attr: Uint8Array, size: number): number;
  callAt(cmd: number, attrAddress: number, size: number): number;
  errno(): number;
  /** False where bpf(2) has no syscall number (ENOSYS without calling). */
  available: boolean;
}

/** The funnel over a raw bpf(2): ENOSYS where there is none, memlock raised for creating commands, EINTR retried. */
export function kernelFunnel(raw: RawBpf): SyscallFunnel {
  return {
    bpf(cmd, attr, size) {
      if (!raw.available) return -Errno.ENOSYS;
      if (cmd === MAP_CREATE || cmd === PROG_LOAD || cmd === BTF_LOAD) raiseMemlockOnce();
      for (let attempt = 1; ; attempt++) {
        const r = raw.call(cmd, attr, size);
        if (r >= 0) return r;
        const errno = raw.errno();
        if (errno === Errno.EINTR) continue;
        if (errno === Errno.EAGAIN && cmd === PROG_LOAD && attempt < LOAD_ATTEMPTS) continue;
        return -errno;
      }
    },
    bpfAt(cmd, attrAddress, size) {
      if (!raw.available) return -Errno.ENOSYS;
      for (;;) {
        const r = raw.callAt(cmd, attrAddress, size);
        if (r >= 0) return r;
        const errno = raw.errno();
        if (errno !== Errno.EINTR) return -errno;
      }
    },
    addressOf: koffiAddressOf,
    close(fd) {
      libcClose(fd);
    },
  };
}

const realKernel: SyscallFunnel = kernelFunnel({
  call: (cmd, attr, size) => sysBpf(NR_BPF, cmd, attr, size),
  callAt: (cmd, at, size) => sysBpfAt(NR_BPF, cmd, at, size),
  errno: lastErrno,
  available: NR_BPF >= 0,
});

let active: SyscallFunnel = realKernel;

/** The funnel bpf() calls go through now. Objects capture it when created. */
export function funnel(): SyscallFunnel {
  return active;
}

/**
 * Runs `fn` with `fake` as the funnel (for unit tests): every bpf() call, pointer and close in
 * it goes to the fake. Objects created inside keep using the fake after `fn` returns.
 */
export function withSyscallFunnel<T>(fake: SyscallFunnel, fn: () => T): T {
  const before = active;
  active = fake;
  try {
    return fn();
  } finally {
    active = before;
  }
}
