// The bpf(2) commands that act on an attachment rather than make one: BPF_LINK_UPDATE and
// BPF_LINK_DETACH on a link fd, BPF_PROG_ATTACH/BPF_PROG_DETACH on a target fd (a sockmap, a
// network namespace), and a close-on-exec duplicate of an fd for attachments that must outlive
// the caller's own handle of their target.
import { encodeLinkDetach, encodeLinkUpdate, encodeProgAttach } from './attrs/link.js';
import { bpf, bpfTry, Cmd } from './bpf.js';
import { BpfError } from './errno.js';
import { dupFd } from './socket.js';

/** BPF_LINK_UPDATE: `newProgFd` into the link; with `oldProgFd`, only if that one is attached. */
export function linkUpdate(
  linkFd: number,
  newProgFd: number,
  oldProgFd: number | undefined,
  what: string,
): void {
  const attr = encodeLinkUpdate({ linkFd, newProgFd, oldProgFd });
  bpf(Cmd.LINK_UPDATE, attr, attr.byteLength, what);
}

/** BPF_LINK_DETACH. */
export function linkDetach(linkFd: number, what: string): void {
  const attr = encodeLinkDetach(linkFd);
  bpf(Cmd.LINK_DETACH, attr, attr.byteLength, what);
}

/** BPF_PROG_ATTACH of `progFd` at `targetFd`: 0 or -errno (the caller explains its errnos). */
export function progAttachTry(targetFd: number, progFd: number, attachType: number, flags = 0): number {
  const attr = encodeProgAttach({ targetFd, progFd, attachType, flags });
  return bpfTry(Cmd.PROG_ATTACH, attr, attr.byteLength);
}

/** BPF_PROG_DETACH of `progFd` from `targetFd`. */
export function progDetach(targetFd: number, progFd: number, attachType: number, what: string): void {
  const attr = encodeProgAttach({ targetFd, progFd, attachType });
  bpf(Cmd.PROG_DETACH, attr, attr.byteLength, what);
}

/** A close-on-exec duplicate of `fd` (the caller owns it); BpfError if there is none. */
export function dupFdOrThrow(fd: number): number {
  const r = dupFd(fd);
  if (r < 0) throw new BpfError('fcntl(F_DUPFD_CLOEXEC)', -r, '', `fd ${fd}`);
  return r;
}
