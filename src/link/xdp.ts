// XDP on a network interface: a BPF link (BPF_LINK_CREATE, attach type BPF_XDP, 5.9+), or over
// rtnetlink (RTM_SETLINK IFLA_XDP) where the kernel has no XDP links or the caller asks for it.
// Modes skb (generic), drv (native) and hw (offload); an attached program is swapped atomically
// with replace(); close() detaches (over netlink: only if our program is still the one attached).
// xdpAttached() reads what an interface runs now, whoever attached it.
import { closeRawFd } from '../fd.js';
import type { Program } from '../program.js';
import { encodeLinkUpdate } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { Errno, errnoName } from '../sys/errno.js';
import { NetlinkError, RouteSocket } from '../sys/netlink.js';
import { dupFd } from '../sys/socket.js';
import { AttachType } from '../sys/types.js';
import { linkCreateTry } from './bpf-link.js';
import type { XdpMode } from './kinds/kind.js';
import { AttachError, type AttachFailure, Link } from './link.js';
import { checkProgramType, type Iface, ifindexOf } from './net-target.js';
import { getXdp, setXdp, type XdpAttached, XdpFlags } from './xdp-netlink.js';

export type { XdpAttached, XdpMode };

export interface XdpOptions {
  /** skb (generic, any device), drv (native, in the driver), hw (offloaded); default: the kernel picks. */
  mode?: XdpMode;
  /** 'link' (BPF link, 5.9+) or 'netlink'; default: a link, else netlink where XDP links are missing. */
  via?: 'link' | 'netlink';
  /**
   * Over netlink: take the place of the program attached now (true: whichever it is; a Program:
   * only that one, atomically). Without it, an interface that already runs a program is AttachError 'busy'.
   */
  replace?: boolean | Program;
}

const MODE_FLAGS: Record<XdpMode, number> = {
  skb: XdpFlags.SKB_MODE,
  drv: XdpFlags.DRV_MODE,
  hw: XdpFlags.HW_MODE,
};

/** An XDP attachment: a BPF link, or (mode 'netlink') a program set on the interface over netlink. */
export class XdpLink extends Link {
  readonly ifindex: number;
  /** The mode asked for at attach time (undefined: the kernel picked; see xdpAttached()). */
  readonly xdpMode: XdpMode | undefined;
  readonly #sock: RouteSocket | undefined;
  /** Netlink: our own handle on the program attached now, so detach and replace can name it. */
  #progFd: number;

  /** @internal attachXdp() makes these. */
  constructor(
    fd: number,
    target: string,
    ifindex: number,
    mode: XdpMode | undefined,
    sock?: RouteSocket,
    progFd = -1,
  ) {
    super(fd, 'xdp', target, sock ? 'netlink' : 'link', false);
    this.ifindex = ifindex;
    this.xdpMode = mode;
    this.#sock = sock;
    this.#progFd = progFd;
  }

  /** Puts `prog` in the place of this link's program, atomically (no packet sees neither). */
  replace(prog: Program): void {
    checkProgramType(prog, 'xdp', 'xdp', this.target);
    if (!this.#sock) {
      const attr = encodeLinkUpdate({ linkFd: this.fd, newProgFd: prog.fd });
      const r = bpfTry(Cmd.LINK_UPDATE, attr, attr.byteLength);
      if (r < 0) throw failure(-r, this.target, `BPF_LINK_UPDATE of the xdp link on '${this.target}'`);
      return;
    }
    const flags = this.xdpMode ? MODE_FLAGS[this.xdpMode] : 0;
    try {
      setXdp(this.#sock, this.ifindex, prog.fd, flags, this.#progFd);
    } catch (err) {
      throw netlinkFailure(err, this.target);
    }
    closeRawFd(this.#progFd);
    this.#progFd = dupProgramFd(prog.fd);
  }

  override close(): void {
    if (this.closed) return;
    const sock = this.#sock;
    if (sock) {
      // Remove the program only if it is still ours (XDP_FLAGS_REPLACE with our fd expected):
      // someone who replaced it since keeps theirs.
      try {
        setXdp(sock, this.ifindex, -1, this.xdpMode ? MODE_FLAGS[this.xdpMode] : 0, this.#progFd);
      } catch (err) {
        if (!(err instanceof NetlinkError && (err.errno === Errno.EEXIST || err.errno === Errno.ENODEV))) {
          closeRawFd(this.#progFd);
          super.close();
          throw err;
        }
      }
      closeRawFd(this.#progFd);
      this.#progFd = -1;
    }
    super.close();
  }
}

/** A duplicate of the program's fd for the attachment to hold; AttachError if there is none. */
function dupProgramFd(fd: number): number {
  const d = dupFd(fd);
  if (d < 0) throw new AttachError('kernel', String(fd), `fcntl(F_DUPFD_CLOEXEC): ${errnoName(-d)}`);
  return d;
}

const REASONS: Record<string, AttachFailure> = {
  EBUSY: 'busy',
  EEXIST: 'busy',
  ENODEV: 'not-found',
  EOPNOTSUPP: 'unsupported',
  ENOTSUPP: 'unsupported',
  EPERM: 'permission',
  EACCES: 'permission',
};

function failure(errno: number, target: string, what: string, extack?: string): AttachError {
  const name = errnoName(errno);
  const reason = extack && /not support/i.test(extack) ? 'unsupported' : (REASONS[name] ?? 'kernel');
  const why =
    extack ??
    (reason === 'busy'
      ? `'${target}' already runs an XDP program (give replace, or detach it first)`
      : reason === 'not-found'
        ? `no interface with that index`
        : reason === 'unsupported'
          ? 'the device does not support this XDP mode'
          : '');
  return new AttachError(reason, target, `${what}: ${name}${why ? `: ${why}` : ''}`, errno);
}

function netlinkFailure(err: unknown, target: string, mode?: XdpMode): unknown {
  if (!(err instanceof NetlinkError)) return err;
  // hw mode says only EINVAL when the device cannot offload or the program was not loaded for it.
  if (mode === 'hw' && err.errno === Errno.EINVAL && !err.extack)
    return new AttachError(
      'unsupported',
      target,
      `xdp on '${target}' in hw mode: EINVAL: the device does not support offload of this program (it must be loaded for this device, on a NIC that offloads XDP)`,
      err.errno,
    );
  return failure(err.errno, target, `xdp on '${target}' over netlink`, err.extack);
}

/** Attaches an XDP program to interface `iface` (name or index, in this thread's network namespace). */
export function attachXdp(prog: Program, iface: Iface, opts: XdpOptions = {}): XdpLink {
  const target = String(iface);
  checkProgramType(prog, 'xdp', 'xdp', target);
  const ifindex = ifindexOf(iface, 'xdp');
  const modeFlags = opts.mode ? MODE_FLAGS[opts.mode] : 0;
  if (opts.mode !== undefined && !(opts.mode in MODE_FLAGS))
    throw new TypeError(`xdp mode '${opts.mode}': expected skb, drv or hw`);
  if (opts.replace && opts.via === 'link')
    throw new TypeError('xdp: replace is a netlink attach (a link is replaced with link.replace())');
  if (opts.via !== 'netlink' && !opts.replace) {
    const fd = linkCreateTry(prog.fd, ifindex, AttachType.xdp, undefined, modeFlags);
    if (fd >= 0) return new XdpLink(fd, target, ifindex, opts.mode);
    // EINVAL: this kernel has no XDP links (before 5.9); netlink says more about anything else.
    if (opts.via === 'link' || -fd !== Errno.EINVAL)
      throw failure(-fd, target, `BPF_LINK_CREATE (xdp) on '${target}'`);
  }
  const sock = new RouteSocket();
  let progFd = -1;
  try {
    const expected = typeof opts.replace === 'object' ? opts.replace.fd : undefined;
    const flags = modeFlags | (opts.replace ? 0 : XdpFlags.UPDATE_IF_NOEXIST);
    setXdp(sock, ifindex, prog.fd, flags, expected);
    progFd = dupProgramFd(prog.fd);
    return new XdpLink(sock.fd, target, ifindex, opts.mode, sock, progFd);
  } catch (err) {
    closeRawFd(progFd);
    sock.close();
    throw netlinkFailure(err, target, opts.mode);
  }
}

/** What interface `iface` runs now (over netlink, whoever attached it). */
export function xdpAttached(iface: Iface): XdpAttached {
  const ifindex = ifindexOf(iface, 'xdp');
  using sock = new RouteSocket();
  return getXdp(sock, ifindex);
}

/** Removes the netlink-attached XDP program of `iface` in `mode` (links are removed by closing them). */
export function detachXdp(iface: Iface, mode?: XdpMode): void {
  const target = String(iface);
  const ifindex = ifindexOf(iface, 'xdp');
  using sock = new RouteSocket();
  try {
    setXdp(sock, ifindex, -1, mode ? MODE_FLAGS[mode] : 0);
  } catch (err) {
    throw netlinkFailure(err, target);
  }
}
