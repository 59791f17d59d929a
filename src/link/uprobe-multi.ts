// uprobe_multi links (BPF_TRACE_UPROBE_MULTI, 6.6+): one program on many offsets of one binary
// through one link, each offset with a cookie the program reads back (bpf_get_attach_cookie) to
// tell which function fired. A wildcard uprobe attaches this way where the kernel can; older
// kernels attach one perf event per function (link/uprobe.ts).
import { encodeUprobeMultiLink } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { Errno, errnoName } from '../sys/errno.js';
import { AttachError, Link } from './link.js';
import { resolveBinary, symbolFileOffset } from './uprobe-symbols.js';

export interface UprobeMultiOptions {
  retprobe?: boolean;
  /** Only this process. */
  pid?: number;
  /** One per symbol (default: the symbol's index). */
  cookies?: readonly bigint[];
  /** USDT semaphores, one per symbol (0: none). */
  refCtrOffsets?: readonly bigint[];
}

/**
 * Attaches a program loaded with expected attach type trace_uprobe_multi to functions `symbols`
 * of `binary` at once; `label` names the link (the pattern they came from).
 */
export function attachUprobeMulti(
  prog: { fd: number },
  binary: string,
  symbols: readonly string[],
  label: string,
  opts: UprobeMultiOptions = {},
): Link {
  const path = resolveBinary(binary);
  const offsets = symbols.map((s) => BigInt(symbolFileOffset(path, s)));
  return attachUprobeMultiOffsets(prog, path, offsets, label, opts);
}

/** attachUprobeMulti at file offsets of `path` instead of symbols. */
export function attachUprobeMultiOffsets(
  prog: { fd: number },
  path: string,
  offsets: readonly bigint[],
  label: string,
  opts: UprobeMultiOptions = {},
): Link {
  const kind = opts.retprobe ? 'uretprobe' : 'uprobe';
  if (offsets.length === 0) throw new AttachError('not-found', label, `${kind} '${label}': no functions`);
  const attr = encodeUprobeMultiLink({
    progFd: prog.fd,
    path,
    offsets,
    cookies: opts.cookies ?? offsets.map((_, i) => BigInt(i)),
    refCtrOffsets: opts.refCtrOffsets,
    retprobe: opts.retprobe,
    pid: opts.pid,
  });
  const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
  if (fd >= 0) return new Link(fd, kind, label, 'link', false);
  const errno = -fd;
  const what = `${kind} '${label}': uprobe_multi link of ${offsets.length} offsets of ${path}`;
  if (errno === Errno.ESRCH)
    throw new AttachError('not-found', label, `${what}: ESRCH: no process ${opts.pid}`, errno);
  if (errno === Errno.EOPNOTSUPP || errno === Errno.ENOTSUPP)
    throw new AttachError('unsupported', label, `${what}: ${errnoName(errno)}`, errno);
  if (errno === Errno.EINVAL)
    throw new AttachError(
      'not-traceable',
      label,
      `${what}: EINVAL: an offset is not a probe-able instruction`,
      errno,
    );
  throw new AttachError('kernel', label, `${what}: ${errnoName(errno)}`, errno);
}
