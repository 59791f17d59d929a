// Attaching a program to a cgroup v2 directory: skb ingress/egress, socket create/release and
// post_bind, the sock_addr hooks (bind, connect, sendmsg, recvmsg, getpeername, getsockname),
// get/setsockopt, sysctl, device and sockops. A BPF link first (BPF_LINK_CREATE, 5.7+), else
// BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI, which a close() detaches again (BPF_PROG_DETACH). The
// cgroup is a path (found under the cgroup2 mount, see ../cgroup.ts) or an fd the caller owns.
import { closeSync, constants, openSync } from 'node:fs';
import { resolveCgroup } from '../cgroup.js';
import { closeRawFd } from '../fd.js';
import type { Program } from '../program.js';
import { Errno, errnoName } from '../sys/errno.js';
import { dupFd } from '../sys/socket.js';
import { AttachType, type AttachTypeName, ProgAttachFlags, programTypeName } from '../sys/types.js';
import { linkCreateTry } from './bpf-link.js';
import { AttachError, Link } from './link.js';
import { progAttachTry, progDetachTry } from './prog-attach.js';

/** The program types that attach to cgroups (each is also the kind of its links). */
export type CgroupProgramType =
  | 'cgroup_skb'
  | 'cgroup_sock'
  | 'cgroup_sock_addr'
  | 'cgroup_sockopt'
  | 'cgroup_sysctl'
  | 'cgroup_device'
  | 'sock_ops';

/** Each cgroup hook (attach type) and the program type that runs there. */
export const CGROUP_HOOKS = Object.freeze({
  cgroup_inet_ingress: 'cgroup_skb',
  cgroup_inet_egress: 'cgroup_skb',
  cgroup_inet_sock_create: 'cgroup_sock',
  cgroup_inet_sock_release: 'cgroup_sock',
  cgroup_inet4_post_bind: 'cgroup_sock',
  cgroup_inet6_post_bind: 'cgroup_sock',
  cgroup_inet4_bind: 'cgroup_sock_addr',
  cgroup_inet6_bind: 'cgroup_sock_addr',
  cgroup_inet4_connect: 'cgroup_sock_addr',
  cgroup_inet6_connect: 'cgroup_sock_addr',
  cgroup_udp4_sendmsg: 'cgroup_sock_addr',
  cgroup_udp6_sendmsg: 'cgroup_sock_addr',
  cgroup_udp4_recvmsg: 'cgroup_sock_addr',
  cgroup_udp6_recvmsg: 'cgroup_sock_addr',
  cgroup_inet4_getpeername: 'cgroup_sock_addr',
  cgroup_inet6_getpeername: 'cgroup_sock_addr',
  cgroup_inet4_getsockname: 'cgroup_sock_addr',
  cgroup_inet6_getsockname: 'cgroup_sock_addr',
  cgroup_unix_connect: 'cgroup_sock_addr',
  cgroup_unix_sendmsg: 'cgroup_sock_addr',
  cgroup_unix_recvmsg: 'cgroup_sock_addr',
  cgroup_unix_getpeername: 'cgroup_sock_addr',
  cgroup_unix_getsockname: 'cgroup_sock_addr',
  cgroup_getsockopt: 'cgroup_sockopt',
  cgroup_setsockopt: 'cgroup_sockopt',
  cgroup_sysctl: 'cgroup_sysctl',
  cgroup_device: 'cgroup_device',
  cgroup_sock_ops: 'sock_ops',
} as const satisfies Partial<Record<AttachTypeName, CgroupProgramType>>);

/** A cgroup hook: where in the cgroup a program runs. */
export type CgroupHook = keyof typeof CGROUP_HOOKS;

export interface CgroupAttachOptions {
  /** The hook. May be left out for a program type with one hook (device, sysctl, sockops). */
  attachType?: CgroupHook;
  /** Force one mechanism: a BPF link only, or BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI only.
   * Default: a link, and BPF_PROG_ATTACH where this kernel has no cgroup links. */
  mode?: 'link' | 'prog_attach';
}

/** A cgroup: a directory path (absolute, or relative to the cgroup2 mount) or an open fd the caller keeps. */
export type CgroupTarget = string | number;

/** The program type's cgroup hook, checked against the one asked for. */
function hookFor(type: string, asked: CgroupHook | undefined, where: string): CgroupHook {
  const hooks = (Object.keys(CGROUP_HOOKS) as CgroupHook[]).filter((h) => CGROUP_HOOKS[h] === type);
  if (hooks.length === 0)
    throw new AttachError(
      'mismatch',
      where,
      `a ${type} program cannot attach to a cgroup (cgroup programs: ${[...new Set(Object.values(CGROUP_HOOKS))].join(', ')})`,
    );
  if (asked === undefined) {
    if (hooks.length === 1) return hooks[0] as CgroupHook;
    throw new TypeError(`a ${type} program attaches to one of ${hooks.join(', ')}: give attachType`);
  }
  if (!Object.hasOwn(CGROUP_HOOKS, asked))
    throw new TypeError(`unknown cgroup hook '${asked}' (one of: ${Object.keys(CGROUP_HOOKS).join(', ')})`);
  if (CGROUP_HOOKS[asked] !== type)
    throw new AttachError(
      'mismatch',
      where,
      `a ${type} program cannot attach at ${asked} (that hook runs ${CGROUP_HOOKS[asked]} programs)`,
    );
  return asked;
}

/** Why attaching failed, as the AttachError for `errno`. */
function attachError(errno: number, call: string, hook: CgroupHook, where: string): AttachError {
  const what = `${call} ${hook} on ${where}: ${errnoName(errno)}`;
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      return new AttachError(
        'permission',
        where,
        `${what}: needs root (CAP_NET_ADMIN), or a program attached without BPF_F_ALLOW_MULTI is in the way`,
        errno,
      );
    case Errno.EBADF:
      return new AttachError('not-found', where, `${what}: not a cgroup v2 directory`, errno);
    case Errno.EINVAL:
      return new AttachError(
        'mismatch',
        where,
        `${what}: the program was loaded for another hook (its expected attach type), or this kernel lacks ${hook}`,
        errno,
      );
    default:
      return new AttachError('kernel', where, what, errno);
  }
}

/** A BPF_PROG_ATTACH attachment: its fd is the cgroup's; close() detaches the program first. */
class CgroupAttachment extends Link {
  readonly #progFd: number;
  readonly #hook: number;
  constructor(cgroupFd: number, progFd: number, kind: CgroupProgramType, target: string, hook: number) {
    super(cgroupFd, kind, target, 'prog_attach', false, () => closeRawFd(progFd));
    this.#progFd = progFd;
    this.#hook = hook;
  }
  override close(): void {
    if (this.closed) return;
    // ENOENT: already detached by someone else; nothing else can go wrong that a caller could fix.
    progDetachTry(this.fd, this.#progFd, this.#hook);
    super.close();
  }
}

/**
 * Attaches `program` to a cgroup v2 directory at `options.attachType` (a BPF link, else
 * BPF_PROG_ATTACH with BPF_F_ALLOW_MULTI). Programs attached to a cgroup run for its descendants
 * too. Throws AttachError: 'not-found' (no such cgroup v2 directory), 'mismatch' (the program's
 * type or expected attach type is another hook's), 'permission', 'unsupported', 'kernel'.
 */
export function attachCgroup(
  program: Program,
  cgroup: CgroupTarget,
  options: CgroupAttachOptions = {},
): Link {
  const where = typeof cgroup === 'number' ? `cgroup fd ${cgroup}` : cgroup;
  const type = programTypeName(program.type) as CgroupProgramType;
  const hook = hookFor(type, options.attachType, where);
  const hookNum = AttachType[hook];
  let cgFd: number;
  let path = where;
  if (typeof cgroup === 'number') {
    cgFd = dupFd(cgroup);
    if (cgFd < 0) throw new AttachError('not-found', where, `${where}: ${errnoName(-cgFd)}`, -cgFd);
  } else {
    path = resolveCgroup(cgroup);
    cgFd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY);
  }
  const target = `${path}:${hook}`;
  let progFd = -1;
  try {
    if (options.mode !== 'prog_attach') {
      const fd = linkCreateTry(program.fd, cgFd, hookNum);
      if (fd >= 0) return new Link(fd, type, target, 'link', false);
      // EINVAL/ENOSYS on kernels before cgroup links (5.7); anything else is the answer.
      if (options.mode === 'link' || (-fd !== Errno.EINVAL && -fd !== Errno.ENOSYS))
        throw attachError(-fd, 'BPF_LINK_CREATE', hook, path);
    }
    progFd = dupFd(program.fd);
    if (progFd < 0)
      throw new AttachError('kernel', path, `dup of the program fd: ${errnoName(-progFd)}`, -progFd);
    const r = progAttachTry(cgFd, progFd, hookNum, ProgAttachFlags.ALLOW_MULTI);
    if (r < 0) throw attachError(-r, 'BPF_PROG_ATTACH', hook, path);
    const link = new CgroupAttachment(cgFd, progFd, type, target, hookNum);
    cgFd = -1; // the attachment owns both now
    progFd = -1;
    return link;
  } finally {
    if (cgFd >= 0) closeSync(cgFd);
    if (progFd >= 0) closeRawFd(progFd);
  }
}
