// Link: one attachment of a program to a hook. Closing it detaches the program; whatever else the
// attachment holds (a perf event fd, a tracefs probe definition) is released right after.
import { FdObject } from '../fd.js';
import { LINK_OBJECTS, objectIds, pinObject } from '../kernel-object.js';
import { type LinkInfo, readLinkInfo } from '../sys/attrs/info.js';

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
  | 'tc';

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

export class Link extends FdObject {
  readonly kind: LinkKind;
  /** What it is attached to (`do_unlinkat`, `syscalls:sys_enter_getppid`, `/bin/true:main+0`). */
  readonly target: string;
  readonly mode: AttachMode;
  /** True when the probe was created through tracefs kprobe_events/uprobe_events. */
  readonly legacy: boolean;
  #release: (() => void) | undefined;

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

  /** The kernel's view of this link: its type, id and the program's id. */
  info(): LinkInfo {
    return readLinkInfo(this.#bpfLinkFd('info'));
  }

  /**
   * Pins the link at a bpffs path (mounting /sys/fs/bpf and making directories as needed): the
   * attachment then outlives close() and this process, until the pin is removed.
   */
  pin(path: string): void {
    pinObject(this.#bpfLinkFd('pin'), path);
  }

  #bpfLinkFd(what: string): number {
    if (this.mode !== 'link' && this.mode !== 'raw_tracepoint')
      throw new TypeError(`${this.describe()}: ${what} needs a BPF link; this one is ${NOT_LINK[this.mode]}`);
    return this.fd;
  }

  /** Detaches the program and releases the probe. Safe to call more than once. */
  override close(): void {
    if (this.closed) return;
    super.close();
    const release = this.#release;
    this.#release = undefined;
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
