// Link: one attachment of a program to a hook. Closing it detaches the program; whatever else the
// attachment holds (a perf event fd, a tracefs probe definition) is released right after. A BPF
// link can also be pinned, opened again by id or pin, given a new program, and detached.
import { unlinkSync } from 'node:fs';
import { FdObject } from '../fd.js';
import { LINK_OBJECTS, objectIds, openObjectById, openPinnedObject, pinObject } from '../kernel-object.js';
import { type LinkInfo, readLinkInfo } from '../sys/attrs/info.js';
import { linkDetach, linkUpdate } from '../sys/link-ops.js';
import { describeLinkInfo, kindOfLinkInfo } from './link-info.js';

export type { LinkInfo };

export type LinkKind =
  | 'kprobe'
  | 'kretprobe'
  | 'uprobe'
  | 'uretprobe'
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'tp_btf'
  | 'fentry'
  | 'fexit'
  | 'perf_event'
  | 'cgroup_skb'
  | 'cgroup_sock'
  | 'cgroup_sock_addr'
  | 'cgroup_sockopt'
  | 'cgroup_sysctl'
  | 'cgroup_device'
  | 'sock_ops'
  | 'socket_filter'
  | 'xdp'
  | 'tcx'
  | 'tc'
  | 'sk_lookup'
  | 'sk_msg'
  | 'sk_skb'
  | 'flow_dissector'
  | 'netfilter'
  /** A link opened by id or pin whose type no kind here attaches (its info() says more). */
  | 'other';

/**
 * How the program is attached: a BPF link, PERF_EVENT_IOC_SET_BPF, BPF_RAW_TRACEPOINT_OPEN,
 * BPF_PROG_ATTACH (cgroups on kernels before BPF links; closing detaches), SO_ATTACH_BPF on a
 * socket, or a netlink request (XDP, legacy tc: the link's fd is then its netlink socket, and
 * close() detaches). Only 'link' and 'raw_tracepoint' attachments are BPF links (info, pin).
 */
export type AttachMode = 'link' | 'ioctl' | 'raw_tracepoint' | 'prog_attach' | 'socket' | 'netlink';

const NOT_LINK: Record<Exclude<AttachMode, 'link' | 'raw_tracepoint'>, string> = {
  ioctl: 'a perf event ioctl attachment',
  prog_attach: 'a BPF_PROG_ATTACH attachment',
  socket: 'a socket filter (SO_ATTACH_BPF)',
  netlink: 'a netlink attachment (XDP or tc over rtnetlink)',
};

/** A program to put in a link by update(): a Program or its fd. */
export type ProgramRef = number | { readonly fd: number };

export class Link extends FdObject {
  readonly kind: LinkKind;
  /** What it is attached to (`do_unlinkat`, `syscalls:sys_enter_getppid`, `/bin/true:main+0`). */
  readonly target: string;
  readonly mode: AttachMode;
  /** True when the probe was created through tracefs kprobe_events/uprobe_events. */
  readonly legacy: boolean;
  #release: (() => void) | undefined;
  #pinnedAt: string | undefined;

  /** @internal attach functions create links; `release` runs once, after the fd is closed. */
  constructor(
    fd: number,
    kind: LinkKind,
    target: string,
    mode: AttachMode,
    legacy: boolean,
    release?: () => void,
  ) {
    super(fd, `${kind} link`);
    this.kind = kind;
    this.target = target;
    this.mode = mode;
    this.legacy = legacy;
    this.#release = release;
  }

  protected describe(): string {
    return `${this.kind} link to '${this.target}'`;
  }

  /** Ids of all BPF links in the kernel. */
  static ids(): Generator<number> {
    return objectIds(LINK_OBJECTS);
  }

  /** Wraps a BPF link fd we own, naming its kind and target from the kernel's link info. */
  static #adopt(fd: number): Link {
    const info = readLinkInfo(fd);
    return new Link(fd, kindOfLinkInfo(info), describeLinkInfo(info), 'link', false);
  }

  /**
   * Opens the BPF link with kernel id `id` (`tsbpf show links` lists them). Closing the returned
   * Link closes this process's fd only: the link stays as long as another fd or a pin holds it.
   */
  static fromId(id: number): Link {
    return openObjectById(LINK_OBJECTS, id, (fd) => Link.#adopt(fd));
  }

  /** Opens the BPF link pinned at a bpffs path (see pin()); closing it leaves the pin in place. */
  static openPinned(path: string): Link {
    const link = openPinnedObject(path, (fd) => Link.#adopt(fd));
    link.#pinnedAt = path;
    return link;
  }

  /** The kernel's view of this link: its type, id, program id and what it is attached to. */
  info(): LinkInfo {
    return readLinkInfo(this.#bpfLinkFd('info'));
  }

  /**
   * Pins the link at a bpffs path (mounting /sys/fs/bpf and making directories as needed): the
   * attachment then outlives close() and this process, until the pin is removed (unpin()).
   */
  pin(path: string): void {
    pinObject(this.#bpfLinkFd('pin'), path);
    this.#pinnedAt = path;
  }

  /** Where pin() (or openPinned()) put this link, or undefined. */
  get pinnedPath(): string | undefined {
    return this.#pinnedAt;
  }

  /** Removes the pin made by pin() or opened by openPinned(); the link then lives as long as its fds. */
  unpin(): void {
    const path = this.#pinnedAt;
    if (path === undefined) throw new TypeError(`${this.describe()} is not pinned`);
    unlinkSync(path);
    this.#pinnedAt = undefined;
  }

  /**
   * Puts `program` in this link in place of the one attached (BPF_LINK_UPDATE), atomically:
   * the hook never runs without a program. With `oldProgram`, only if that is still the one
   * attached (BPF_F_REPLACE; EPERM otherwise). Raw tracepoint, tracing and perf event links
   * cannot be updated (EOPNOTSUPP/EINVAL from the kernel).
   */
  update(program: ProgramRef, opts: { oldProgram?: ProgramRef } = {}): void {
    const fdOf = (p: ProgramRef) => (typeof p === 'number' ? p : p.fd);
    const old = opts.oldProgram === undefined ? undefined : fdOf(opts.oldProgram);
    linkUpdate(this.#bpfLinkFd('update'), fdOf(program), old, this.describe());
  }

  /**
   * Detaches the program from its hook while the link (and this fd) stays: the link is then
   * defunct, and info() reports no target (BPF_LINK_DETACH, 5.9+; netns, cgroup, xdp, tcx,
   * netfilter and sockmap links — others EOPNOTSUPP).
   */
  detach(): void {
    linkDetach(this.#bpfLinkFd('detach'), this.describe());
  }

  #bpfLinkFd(what: string): number {
    if (this.mode !== 'link' && this.mode !== 'raw_tracepoint')
      throw new TypeError(`${this.describe()}: ${what} needs a BPF link; this one is ${NOT_LINK[this.mode]}`);
    return this.fd;
  }

  /** Detaches the program and releases the probe. Safe to call more than once. */
  override close(): void {
    if (this.closed) return;
    const release = this.#release;
    this.#release = undefined;
    // A BPF_PROG_ATTACH attachment detaches with the program's fd (ours): before closing it.
    if (this.mode === 'prog_attach') {
      try {
        release?.();
      } finally {
        super.close();
      }
      return;
    }
    super.close();
    release?.();
  }
}

/** Why an attach failed, as a class a caller can branch on. */
export type AttachFailure =
  /** The kernel lacks the mechanism (no kprobes, no BPF links, no uprobe PMU). */
  | 'unsupported'
  /** No such function, symbol, binary or tracepoint. */
  | 'not-found'
  /** It exists but cannot be probed (kprobe blacklist, notrace, bad offset). */
  | 'not-traceable'
  /** Not allowed: needs root/CAP_PERFMON, or this kernel refuses it even to root. */
  | 'permission'
  /** The hook already has a program and replacing it was not asked for (XDP, tcx). */
  | 'busy'
  /** The program cannot run there: its type (or the hook it was loaded for) is another one. */
  | 'mismatch'
  /** Anything else the kernel said no to (the errno is in the message). */
  | 'kernel';

/** An attach that failed, with the class of failure and the target. */
export class AttachError extends Error {
  override name = 'AttachError';
  readonly reason: AttachFailure;
  readonly target: string;
  /** The errno, when a system call failed. */
  readonly errno: number | undefined;
  constructor(reason: AttachFailure, target: string, message: string, errno?: number) {
    super(message);
    this.reason = reason;
    this.target = target;
    this.errno = errno;
  }
}
