// Raw tracepoints: BPF_RAW_TRACEPOINT_OPEN with the tracepoint's name (no tracefs, no perf
// event); the returned fd is the link.
import { encodeRawTracepointOpen } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { Errno, errnoName } from '../sys/errno.js';
import { AttachError, Link, type LinkKind } from './link.js';

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

/** Attaches a raw_tracepoint program to tracepoint `name` (e.g. 'sys_enter'). */
export function attachRawTracepoint(prog: { fd: number }, name: string): Link {
  return rawTracepointOpen(prog, name, 'raw_tracepoint', name);
}
