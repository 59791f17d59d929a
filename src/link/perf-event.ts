// The perf-event core every perf-based attach type shares (tracepoint, kprobe, uprobe, perf
// counters): open the event, then attach the program with BPF_LINK_CREATE (BPF_PERF_EVENT, 5.15+)
// or, on older kernels or on request, PERF_EVENT_IOC_SET_BPF + ENABLE.
import { closeRawFd, FdObject } from '../fd.js';
import { encodeLinkCreate } from '../sys/attrs/link.js';
import { bpfTry, Cmd, commandName, hintFor } from '../sys/bpf.js';
import { BpfError, Errno, errnoName } from '../sys/errno.js';
import { PerfIoctl, perfEventOpenTry, perfIoctlTry } from '../sys/perf.js';
import { AttachType } from '../sys/types.js';
import { AttachError, Link, type LinkKind } from './link.js';

/** A perf event this process owns (a tracepoint/kprobe/uprobe instance or a counter). */
export class PerfEvent extends FdObject {
  readonly label: string;
  constructor(fd: number, label: string) {
    super(fd, `perf event ${label}`);
    this.label = label;
  }
  protected describe(): string {
    return `perf event ${this.label}`;
  }
}

/**
 * Opens a perf event and returns its raw fd (attachPerfEvent takes ownership); maps errnos to
 * AttachError classes, with `explain` for the ones a caller knows better.
 */
export function openPerfEvent(
  attr: Buffer,
  pid: number,
  cpu: number,
  kind: LinkKind,
  target: string,
  explain?: (errno: number) => AttachError | undefined,
): number {
  const r = perfEventOpenTry(attr, pid, cpu);
  if (r >= 0) return r;
  const errno = -r;
  const custom = explain?.(errno);
  if (custom) throw custom;
  const what = `perf_event_open for ${kind} '${target}'`;
  if (errno === Errno.EACCES || errno === Errno.EPERM) {
    throw new AttachError(
      'permission',
      target,
      `${what}: ${errnoName(errno)}: needs root or CAP_PERFMON (see /proc/sys/kernel/perf_event_paranoid)`,
      errno,
    );
  }
  if (errno === Errno.ESRCH)
    throw new AttachError('not-found', target, `${what}: ESRCH: no process ${pid}`, errno);
  if (errno === Errno.ENOENT)
    throw new AttachError('not-found', target, `${what}: ENOENT: no such probe target`, errno);
  if (errno === Errno.ENOSYS || errno === Errno.ENODEV || errno === Errno.EOPNOTSUPP) {
    throw new AttachError(
      'unsupported',
      target,
      `${what}: ${errnoName(errno)}: this kernel or machine does not support it`,
      errno,
    );
  }
  throw new AttachError('kernel', target, `${what}: ${errnoName(errno)}`, errno);
}

export type PerfAttachMode = 'auto' | 'link' | 'ioctl';

export interface PerfAttachOptions {
  /** 'auto' (default) uses a BPF link where the kernel has perf links, else the ioctl. */
  mode?: PerfAttachMode;
  /** A value the program reads with bpf_get_attach_cookie (links only). */
  cookie?: bigint;
  /** The probe came from tracefs (reported on the Link). */
  legacy?: boolean;
  /** Runs after the link and the perf event are closed (e.g. removing a tracefs probe). */
  release?: () => void;
}

let perfLinks: boolean | undefined;

/**
 * Attaches `prog` to the perf event `eventFd` (from openPerfEvent). The Link owns the event fd
 * from here on; on failure it is closed and `release` runs.
 */
export function attachPerfEvent(
  prog: { fd: number },
  eventFd: number,
  kind: LinkKind,
  target: string,
  opts: PerfAttachOptions = {},
): Link {
  const mode = opts.mode ?? 'auto';
  const legacy = opts.legacy ?? false;
  let handedOver = false; // once a Link owns the event fd, its close() releases everything
  try {
    if (mode !== 'ioctl' && perfLinks !== false) {
      const attr = encodeLinkCreate({
        progFd: prog.fd,
        targetFd: eventFd,
        attachType: AttachType.perf_event,
        perfEventCookie: opts.cookie,
      });
      const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
      if (fd >= 0) {
        perfLinks = true;
        // The link holds the program; the event stays open under the link (closed after it).
        const event = new PerfEvent(eventFd, `${kind} ${target}`);
        const link = new Link(fd, kind, target, 'link', legacy, () => {
          event.close();
          opts.release?.();
        });
        handedOver = true;
        const enable = perfIoctlTry(eventFd, PerfIoctl.ENABLE, 0);
        if (enable < 0) {
          link.close();
          throw new AttachError(
            'kernel',
            target,
            `PERF_EVENT_IOC_ENABLE for ${kind} '${target}': ${errnoName(-enable)}`,
            -enable,
          );
        }
        return link;
      }
      const errno = -fd;
      // EINVAL/E2BIG: a kernel before perf links (5.15); fall back unless the caller insisted.
      const noPerfLinks =
        errno === Errno.EINVAL || errno === Errno.E2BIG || errno === Errno.EOPNOTSUPP || errno === 524;
      if (mode === 'link' || !noPerfLinks) throw attachFailure('BPF_LINK_CREATE', errno, kind, target);
      perfLinks = false;
    }
    if (opts.cookie !== undefined && opts.cookie !== 0n) {
      throw new AttachError(
        'unsupported',
        target,
        `${kind} '${target}': a bpf cookie needs a BPF link (kernel 5.15+)`,
      );
    }
    const set = perfIoctlTry(eventFd, PerfIoctl.SET_BPF, prog.fd);
    if (set < 0) throw attachFailure('PERF_EVENT_IOC_SET_BPF', -set, kind, target);
    const enable = perfIoctlTry(eventFd, PerfIoctl.ENABLE, 0);
    if (enable < 0) throw attachFailure('PERF_EVENT_IOC_ENABLE', -enable, kind, target);
    // The perf event fd itself is the attachment: closing it detaches the program.
    return new Link(eventFd, kind, target, 'ioctl', legacy, opts.release);
  } catch (err) {
    if (!handedOver) {
      closeRawFd(eventFd);
      opts.release?.();
    }
    throw err;
  }
}

function attachFailure(call: string, errno: number, kind: LinkKind, target: string): AttachError {
  const what = `${call} for ${kind} '${target}'`;
  if (errno === Errno.EACCES || errno === Errno.EPERM) {
    return new AttachError(
      'permission',
      target,
      `${what}: ${errnoName(errno)}: needs root or CAP_BPF+CAP_PERFMON`,
      errno,
    );
  }
  if (errno === Errno.EINVAL) {
    return new AttachError(
      'kernel',
      target,
      `${what}: EINVAL: the program type does not match the event (e.g. a tracepoint program on a kprobe)`,
      errno,
    );
  }
  if (errno === Errno.EEXIST) {
    return new AttachError(
      'kernel',
      target,
      `${what}: EEXIST: a program is already attached to this perf event`,
      errno,
    );
  }
  const e = new BpfError(commandName(Cmd.LINK_CREATE), errno, hintFor(Cmd.LINK_CREATE, errno));
  return new AttachError('kernel', target, `${what}: ${e.message.replace(/^[^:]*: /, '')}`, errno);
}
