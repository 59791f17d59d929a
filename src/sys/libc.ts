// The one place koffi functions are declared. Every declaration is fixed-arity (no variadic
// calls through the FFI: they are slower and ABI-fragile), and every caller reads errno with
// `lastErrno()` immediately after a failing call, before anything else can clobber it.
import koffi from './koffi.js';

const libc = koffi.load('libc.so.6');

/** Syscall numbers that libc has no wrapper for, per architecture. */
const SYSCALLS: Record<string, { bpf: number; perfEventOpen: number }> = {
  x64: { bpf: 321, perfEventOpen: 298 },
  arm64: { bpf: 280, perfEventOpen: 241 },
};

const nr = SYSCALLS[process.arch];
/** bpf(2)'s syscall number on this architecture (-1 where we do not know it). */
export const NR_BPF = nr?.bpf ?? -1;
/** perf_event_open(2)'s syscall number on this architecture (-1 where we do not know it). */
export const NR_PERF_EVENT_OPEN = nr?.perfEventOpen ?? -1;

/** `syscall(nr, cmd, attr, size)`: bpf(2). `attr` is a Buffer (koffi passes its address). */
export const sysBpf: (nr: number, cmd: number, attr: Uint8Array, size: number) => number = libc.func(
  'long syscall(long nr, int cmd, void *attr, unsigned int size)',
);

/**
 * bpf(2) with the attr passed as a numeric address: the map element hot path keeps its attr at a
 * fixed address and skips koffi's Buffer-to-pointer conversion (a few % per call).
 */
export const sysBpfAt: (nr: number, cmd: number, attrAddress: number, size: number) => number = libc.func(
  'long syscall(long nr, int cmd, uint64_t attr, unsigned int size)',
);

/** unlinkat(2): the demo's own file removals (what a do_unlinkat probe sees). */
export const unlinkat: (dirfd: number, path: string, flags: number) => number = libc.func(
  'int unlinkat(int dirfd, const char *pathname, int flags)',
);
export const AT_FDCWD = -100;

/** `syscall(nr, attr, pid, cpu, group_fd, flags)`: perf_event_open(2). */
export const sysPerfEventOpen: (
  nr: number,
  attr: Uint8Array,
  pid: number,
  cpu: number,
  groupFd: number,
  flags: number,
) => number = libc.func(
  'long syscall(long nr, void *attr, int pid, int cpu, int group_fd, unsigned long flags)',
);

/** ioctl(2) with a pointer argument. */
export const ioctlPtr: (fd: number, request: number, arg: Uint8Array | null) => number = libc.func(
  'int ioctl(int fd, unsigned long request, void *arg)',
);
/** ioctl(2) with an integer argument. */
export const ioctlInt: (fd: number, request: number, arg: number) => number = libc.func(
  'int ioctl(int fd, unsigned long request, unsigned long arg)',
);

export const close: (fd: number) => number = libc.func('int close(int fd)');

/** mmap(2); returns the address as a BigInt (MAP_FAILED is 2^64-1). */
export const mmap: (
  addr: bigint | null,
  length: number,
  prot: number,
  flags: number,
  fd: number,
  offset: number,
) => bigint = libc.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
export const munmap: (addr: bigint, length: number) => number = libc.func(
  'int munmap(void *addr, size_t length)',
);
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

/** prlimit(2) on this process (pid 0): rlimits as two u64 (cur, max) in 16-byte Buffers. */
export const prlimit: (
  pid: number,
  resource: number,
  newLimit: Uint8Array | null,
  oldLimit: Uint8Array | null,
) => number = libc.func('int prlimit(int pid, int resource, void *new_limit, void *old_limit)');

/** mount(2), for bpffs and tracefs. */
export const mount: (
  source: string,
  target: string,
  fsType: string,
  flags: number,
  data: string | null,
) => number = libc.func(
  'int mount(const char *source, const char *target, const char *fstype, unsigned long flags, const char *data)',
);

/** socket(2), bind(2), sendto(2), recvfrom(2): the netlink socket (sys/netlink.ts). */
export const socket: (domain: number, type: number, protocol: number) => number = libc.func(
  'int socket(int domain, int type, int protocol)',
);
export const bind: (fd: number, addr: Uint8Array, len: number) => number = libc.func(
  'int bind(int fd, void *addr, uint32_t addrlen)',
);
export const sendto: (
  fd: number,
  buf: Uint8Array,
  len: number,
  flags: number,
  addr: Uint8Array | null,
  addrLen: number,
) => number = libc.func(
  'long sendto(int fd, void *buf, size_t len, int flags, void *addr, uint32_t addrlen)',
);
export const recvfrom: (
  fd: number,
  buf: Uint8Array,
  len: number,
  flags: number,
  addr: Uint8Array | null,
  addrLen: Uint8Array | null,
) => number = libc.func('long recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *addrlen)');
/** if_nametoindex(3): 0 when no interface has that name (in the calling thread's network namespace). */
export const ifNameToIndex: (name: string) => number = libc.func(
  'unsigned int if_nametoindex(const char *name)',
);

/** setns(2): moves the calling thread into the namespace `fd` refers to. */
export const setns: (fd: number, nstype: number) => number = libc.func('int setns(int fd, int nstype)');

export const getpagesize: () => number = libc.func('int getpagesize()');

/** errno of the last failing libc call on this thread. */
export function lastErrno(): number {
  return koffi.errno();
}

/** The address of a Buffer's first byte (stable: Node buffers never move). */
export function addressOf(buf: Uint8Array): bigint {
  return koffi.address(buf) as bigint;
}

/** An ArrayBuffer over foreign memory (an mmap'd region), without copying. */
export function viewOf(address: bigint, length: number): ArrayBuffer {
  return koffi.view(address, length);
}

/** setsockopt(2) with the option value in a buffer (SO_ATTACH_BPF takes the program fd as an int). */
export const setsockopt: (
  fd: number,
  level: number,
  name: number,
  value: Uint8Array | null,
  len: number,
) => number = libc.func(
  'int setsockopt(int fd, int level, int optname, const void *optval, unsigned int optlen)',
);

/** fcntl(2) with an integer argument (F_DUPFD_CLOEXEC). */
export const fcntlInt: (fd: number, cmd: number, arg: number) => number = libc.func(
  'int fcntl(int fd, int cmd, int arg)',
);
export const F_DUPFD_CLOEXEC = 1030;
