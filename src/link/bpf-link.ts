// The BPF-link core every kind shares once it has a program and a target: BPF_LINK_CREATE (perf
// events, BTF-typed tracing, and the networking kinds to come) and BPF_RAW_TRACEPOINT_OPEN (raw
// tracepoints, and tracing programs on kernels before 5.8). The returned fd is the link.
import { encodeLinkCreate, encodeRawTracepointOpen } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { Errno, errnoName } from '../sys/errno.js';
import { AttachError, Link, type LinkKind } from './link.js';

/**
 * BPF_LINK_CREATE of `progFd` on `targetFd` (a perf event fd, or 0 for a BTF-named target):
 * the link fd, or -errno (each caller explains the errnos it knows).
 */
export function linkCreateTry(
  progFd: number,
  targetFd: number,
  attachType: number,
  cookie?: bigint,
  flags?: number,
): number {
  const attr = encodeLinkCreate({ progFd, targetFd, attachType, perfEventCookie: cookie, flags });
  return bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
}

/** BPF_RAW_TRACEPOINT_OPEN: `name` null for BTF programs (tp_btf/fentry/fexit on old kernels). */
export function rawTracepointOpen(
  prog: { fd: number },
  name: string | null,
  kind: LinkKind,
  target: string,
): Link {
  const attr = encodeRawTracepointOpen({ name, progFd: prog.fd });
  const fd = bpfTry(Cmd.RAW_TRACEPOINT_OPEN, attr, attr.byteLength);
  if (fd >= 0) return new Link(fd, kind, target, 'raw_tracepoint', false);
  const errno = -fd;
  const what = `BPF_RAW_TRACEPOINT_OPEN for ${kind} '${target}'`;
  if (errno === Errno.ENOENT)
    throw new AttachError('not-found', target, `${what}: ENOENT: no tracepoint named '${target}'`, errno);
  if (errno === Errno.EPERM || errno === Errno.EACCES) {
    throw new AttachError(
      'permission',
      target,
      `${what}: ${errnoName(errno)}: needs root or CAP_BPF+CAP_PERFMON`,
      errno,
    );
  }
  if (errno === Errno.EINVAL) {
    throw new AttachError('kernel', target, `${what}: EINVAL: the program is not a ${kind} program`, errno);
  }
  throw new AttachError('kernel', target, `${what}: ${errnoName(errno)}`, errno);
}
