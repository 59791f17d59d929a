// Socket-level calls for socket filters: SO_ATTACH_BPF / SO_DETACH_BPF on a socket the caller owns,
// and F_DUPFD_CLOEXEC, so an attachment can keep its own handle on a socket or cgroup directory.
// Each returns 0 (or the new fd) or -errno, like the bpf funnel: callers say what failed.
import { F_DUPFD_CLOEXEC, fcntlInt, lastErrno, setsockopt } from './libc.js';

const SOL_SOCKET = 1;
const SO_ATTACH_BPF = 50;
const SO_DETACH_BPF = 27; // = SO_DETACH_FILTER

/** setsockopt(SOL_SOCKET, SO_ATTACH_BPF, progFd): 0, or -errno. */
export function attachSocketBpf(socketFd: number, progFd: number): number {
  const value = Buffer.alloc(4);
  value.writeInt32LE(progFd);
  return setsockopt(socketFd, SOL_SOCKET, SO_ATTACH_BPF, value, 4) === 0 ? 0 : -lastErrno();
}

/** setsockopt(SOL_SOCKET, SO_DETACH_BPF): 0, or -errno (ENOENT: no filter attached). */
export function detachSocketBpf(socketFd: number): number {
  const value = Buffer.alloc(4);
  return setsockopt(socketFd, SOL_SOCKET, SO_DETACH_BPF, value, 4) === 0 ? 0 : -lastErrno();
}

/**
 * A close-on-exec duplicate of `fd`, or -errno. Never 0–2: an attr field holding it must not read
 * as "no fd" (0) even in a process started with its standard streams closed.
 */
export function dupFd(fd: number): number {
  const r = fcntlInt(fd, F_DUPFD_CLOEXEC, 3);
  return r >= 0 ? r : -lastErrno();
}
