// tc on a network interface, ingress or egress: a tcx link (BPF_LINK_CREATE with
// BPF_TCX_INGRESS/EGRESS, 6.6+), placed before or after another program or link of the same hook;
// or, on older kernels or when asked, the legacy way over rtnetlink: a clsact qdisc and a
// direct-action cls_bpf filter (tc-netlink.ts). close() removes the link, or the filter and the
// qdisc too if we created it and no other filter is left under it.
import type { Program } from '../program.js';
import { encodeTcxLinkCreate, MprogFlags } from '../sys/attrs/link-net.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { Errno, errnoName } from '../sys/errno.js';
import { NetlinkError, RouteSocket } from '../sys/netlink.js';
import { AttachType } from '../sys/types.js';
import { AttachError, type AttachFailure, Link } from './link.js';
import { checkProgramType, type Iface, ifindexOf } from './net-target.js';
import {
  addBpfFilter,
  addClsact,
  type BpfFilter,
  countFilters,
  deleteClsact,
  deleteFilter,
  TC_PARENT,
} from './tc-netlink.js';

export type TcDirection = 'ingress' | 'egress';

export interface TcOptions {
  /** The hook (default ingress). */
  direction?: TcDirection;
  /** 'tcx' (a BPF link, 6.6+) or 'legacy' (clsact + cls_bpf); default: tcx, else legacy where tcx is missing. */
  via?: 'tcx' | 'legacy';
  /** tcx: run before this program or link of the same hook (default: after all of them). */
  before?: Program | Link;
  /** tcx: run after this program or link of the same hook. */
  after?: Program | Link;
}

/** A legacy tc attachment: a cls_bpf filter (mode 'netlink'; the fd is its netlink socket). */
export class TcFilterLink extends Link {
  readonly filter: BpfFilter;
  readonly #sock: RouteSocket;
  /** We added the clsact qdisc (so we remove it again once no filter is left under it). */
  readonly createdQdisc: boolean;

  /** @internal attachTc() makes these. */
  constructor(sock: RouteSocket, target: string, filter: BpfFilter, createdQdisc: boolean) {
    super(sock.fd, 'tc', target, 'netlink', true);
    this.#sock = sock;
    this.filter = filter;
    this.createdQdisc = createdQdisc;
  }

  override close(): void {
    if (this.closed) return;
    try {
      try {
        deleteFilter(this.#sock, this.filter);
      } catch (err) {
        // The interface or qdisc went away and took the filter with it.
        if (
          !(
            err instanceof NetlinkError &&
            (err.errno === Errno.ENODEV || err.errno === Errno.ENOENT || err.errno === Errno.EINVAL)
          )
        )
          throw err;
      }
      if (this.createdQdisc && countFilters(this.#sock, this.filter.ifindex) === 0) {
        try {
          deleteClsact(this.#sock, this.filter.ifindex);
        } catch (err) {
          if (
            !(
              err instanceof NetlinkError &&
              (err.errno === Errno.ENODEV || err.errno === Errno.ENOENT || err.errno === Errno.EINVAL)
            )
          )
            throw err;
        }
      }
    } finally {
      super.close();
    }
  }
}

const REASONS: Record<string, AttachFailure> = {
  ENOENT: 'not-found',
  ENODEV: 'not-found',
  EEXIST: 'busy',
  EBUSY: 'busy',
  EOPNOTSUPP: 'unsupported',
  EPERM: 'permission',
  EACCES: 'permission',
};

function tcxFailure(errno: number, target: string, what: string): AttachError {
  const name = errnoName(errno);
  const reason = REASONS[name] ?? 'kernel';
  const why =
    name === 'ENOENT'
      ? 'the program or link to run before/after is not on this hook'
      : name === 'EEXIST'
        ? 'this program is already attached to this hook'
        : name === 'ENODEV'
          ? 'no interface with that index'
          : '';
  return new AttachError(reason, target, `${what}: ${name}${why ? `: ${why}` : ''}`, errno);
}

/** The mprog flags and relative fd for before/after. */
function placement(opts: TcOptions): { flags: number; relative: number } {
  if (opts.before && opts.after) throw new TypeError('tcx: give before or after, not both');
  const rel = opts.before ?? opts.after;
  if (!rel) return { flags: 0, relative: 0 };
  const side = opts.before ? MprogFlags.F_BEFORE : MprogFlags.F_AFTER;
  return { flags: side | (rel instanceof Link ? MprogFlags.F_LINK : 0), relative: rel.fd };
}

/** Attaches a sched_cls program to interface `iface`'s ingress or egress (this thread's network namespace). */
export function attachTc(prog: Program, iface: Iface, opts: TcOptions = {}): Link {
  const target = String(iface);
  const direction = opts.direction ?? 'ingress';
  if (direction !== 'ingress' && direction !== 'egress')
    throw new TypeError(`tc direction '${direction}': expected ingress or egress`);
  checkProgramType(prog, 'sched_cls', 'tcx', target);
  const ifindex = ifindexOf(iface, 'tcx');
  const ordered = opts.before !== undefined || opts.after !== undefined;
  if (opts.via === 'legacy' && ordered)
    throw new TypeError('tc: before/after order tcx links; legacy filters have none');
  if (opts.via !== 'legacy') {
    const { flags, relative } = placement(opts);
    const attr = encodeTcxLinkCreate({
      progFd: prog.fd,
      ifindex,
      attachType: direction === 'ingress' ? AttachType.tcx_ingress : AttachType.tcx_egress,
      flags,
      relative,
    });
    const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
    if (fd >= 0) return new Link(fd, 'tcx', `${target}:${direction}`, 'link', false);
    // EINVAL: no tcx on this kernel (before 6.6): the legacy way, unless tcx was asked for.
    if (opts.via === 'tcx' || ordered || -fd !== Errno.EINVAL)
      throw tcxFailure(-fd, target, `BPF_LINK_CREATE (tcx ${direction}) on '${target}'`);
  }
  const sock = new RouteSocket();
  let created = false;
  try {
    created = addClsact(sock, ifindex);
    const filter = addBpfFilter(sock, ifindex, TC_PARENT[direction], prog.fd, prog.name || 'tsbpf');
    return new TcFilterLink(sock, `${target}:${direction}`, filter, created);
  } catch (err) {
    if (created) {
      try {
        deleteClsact(sock, ifindex);
      } catch {
        // Reporting the first failure matters more.
      }
    }
    sock.close();
    if (err instanceof NetlinkError) {
      const reason = REASONS[errnoName(err.errno)] ?? 'kernel';
      throw new AttachError(
        reason,
        target,
        `tc ${direction} on '${target}' over netlink: ${err.message}`,
        err.errno,
      );
    }
    throw err;
  }
}
