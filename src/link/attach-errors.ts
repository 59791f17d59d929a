// The AttachError for a networking attach the kernel refused (BPF_LINK_CREATE, BPF_PROG_ATTACH):
// the errno in words a user can act on. Each kind names what it was attaching and to what.
import { Errno, errnoName } from '../sys/errno.js';
import { AttachError } from './link.js';

/** `call` of a `kind` program on `target` failed with `errno`; `wrongType` explains EINVAL. */
export function networkAttachError(
  call: string,
  kind: string,
  target: string,
  errno: number,
  wrongType = `the program is not a ${kind} program (or was loaded for another attach type)`,
): AttachError {
  const what = `${call} for ${kind} on ${target}`;
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      return new AttachError(
        'permission',
        target,
        `${what}: ${errnoName(errno)}: needs root or CAP_NET_ADMIN+CAP_BPF`,
        errno,
      );
    case Errno.EINVAL:
      return new AttachError('kernel', target, `${what}: EINVAL: ${wrongType}`, errno);
    case Errno.EEXIST:
      return new AttachError('kernel', target, `${what}: EEXIST: a program is already attached there`, errno);
    case Errno.E2BIG:
      return new AttachError(
        'kernel',
        target,
        `${what}: E2BIG: no room for another program there (a namespace takes one flow dissector, 64 sk_lookup)`,
        errno,
      );
    case Errno.EBUSY:
      return new AttachError('kernel', target, `${what}: EBUSY: another program is attached there`, errno);
    case Errno.EBADF:
      return new AttachError(
        'not-found',
        target,
        `${what}: EBADF: the target is not what this kind attaches to`,
        errno,
      );
    case Errno.EOPNOTSUPP:
    case 524:
      return new AttachError(
        'unsupported',
        target,
        `${what}: ${errnoName(errno)}: this kernel cannot attach it`,
        errno,
      );
    default:
      return new AttachError('kernel', target, `${what}: ${errnoName(errno)}`, errno);
  }
}
