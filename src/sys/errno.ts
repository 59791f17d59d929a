// Errno numbers ↔ names (Linux, same on x86_64 and arm64) and the typed errors every syscall
// failure becomes. A user never sees a raw koffi exception or a bare negative number.

const NAMES: Record<number, string> = {
  1: 'EPERM',
  2: 'ENOENT',
  3: 'ESRCH',
  4: 'EINTR',
  5: 'EIO',
  6: 'ENXIO',
  7: 'E2BIG',
  8: 'ENOEXEC',
  9: 'EBADF',
  10: 'ECHILD',
  11: 'EAGAIN',
  12: 'ENOMEM',
  13: 'EACCES',
  14: 'EFAULT',
  16: 'EBUSY',
  17: 'EEXIST',
  18: 'EXDEV',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  23: 'ENFILE',
  24: 'EMFILE',
  25: 'ENOTTY',
  27: 'EFBIG',
  28: 'ENOSPC',
  30: 'EROFS',
  34: 'ERANGE',
  36: 'ENAMETOOLONG',
  38: 'ENOSYS',
  39: 'ENOTEMPTY',
  40: 'ELOOP',
  61: 'ENODATA',
  67: 'ENOLINK',
  75: 'EOVERFLOW',
  88: 'ENOTSOCK',
  95: 'EOPNOTSUPP',
  110: 'ETIMEDOUT',
  114: 'EALREADY',
  115: 'EINPROGRESS',
  524: 'ENOTSUPP',
};
const NUMBERS: Record<string, number> = Object.fromEntries(
  Object.entries(NAMES).map(([n, s]) => [s, Number(n)]),
);

const DESCRIPTIONS: Record<string, string> = {
  EPERM: 'operation not permitted',
  ENOENT: 'no such entry',
  EINTR: 'interrupted',
  EIO: 'I/O error',
  E2BIG: 'argument too big',
  EBADF: 'bad file descriptor',
  EAGAIN: 'try again',
  ENOMEM: 'out of memory',
  EACCES: 'permission denied',
  EFAULT: 'bad address',
  EBUSY: 'busy',
  EEXIST: 'already exists',
  ENODEV: 'no such device',
  EINVAL: 'invalid argument',
  EMFILE: 'too many open files',
  ENOSPC: 'no space left',
  ENOTDIR: 'not a directory',
  ENAMETOOLONG: 'name too long',
  ENOSYS: 'not implemented',
  ERANGE: 'out of range',
  EOPNOTSUPP: 'operation not supported',
  ENOTSUPP: 'operation not supported',
  ELOOP: 'too many levels',
  ENOTTY: 'inappropriate ioctl',
  EROFS: 'read-only file system',
  EOVERFLOW: 'value too large',
  ENOTSOCK: 'not a socket',
  ENOLINK: 'link has been severed',
};

/** Linux errno numbers by name, e.g. `Errno.ENOENT === 2`. */
export const Errno = NUMBERS as Readonly<Record<string, number>>;

/** `ENOENT` for 2; `errno 4242` for numbers we have no name for. */
export function errnoName(errno: number): string {
  return NAMES[errno] ?? `errno ${errno}`;
}

function describe(errno: number): string {
  const name = errnoName(errno);
  const text = DESCRIPTIONS[name];
  return text ? `${name}: ${text}` : name;
}

/** A failed system call other than bpf(2) (perf_event_open, ioctl, mmap, mount, …). */
export class SysError extends Error {
  override name = 'SysError';
  /** The call that failed, e.g. `perf_event_open` or `mount /sys/fs/bpf`. */
  readonly call: string;
  readonly errno: number;
  readonly code: string;
  constructor(call: string, errno: number, detail?: string) {
    super(`${call}: ${describe(errno)}${detail ? ` (${detail})` : ''}`);
    this.call = call;
    this.errno = errno;
    this.code = errnoName(errno);
  }
}

/** A failed bpf(2) command: which command, the errno, and a hint at the likely cause. */
export class BpfError extends Error {
  override name = 'BpfError';
  /** The command name, e.g. `BPF_MAP_CREATE`. */
  readonly command: string;
  readonly errno: number;
  /** The errno's name, e.g. `EPERM`. */
  readonly code: string;
  /** What most likely went wrong and what to do about it (may be empty). */
  readonly hint: string;
  constructor(command: string, errno: number, hint = '', what?: string) {
    const subject = what ? `${command} ${what}` : command;
    super(`${subject}: ${describe(errno)}${hint ? ` — ${hint}` : ''}`);
    this.command = command;
    this.errno = errno;
    this.code = errnoName(errno);
    this.hint = hint;
  }
}

/** The hint for a permission failure; shared by BpfError and the CLI. */
export const PERMISSION_HINT = 'needs root or CAP_BPF (+CAP_PERFMON for tracing)';
