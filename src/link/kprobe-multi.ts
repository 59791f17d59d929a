// kprobe_multi links (BPF_TRACE_KPROBE_MULTI, 5.18+, needs the kernel's fprobe): one program on
// many kernel functions through one link, each function with a cookie the program reads back
// (bpf_get_attach_cookie) to tell which one fired. A wildcard kprobe attaches this way where the
// kernel can; kernels without it attach one perf event per function (link/kprobe.ts).
import { encodeKprobeMultiLink } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { Errno, errnoName } from '../sys/errno.js';
import { AttachError, Link } from './link.js';

export interface KprobeMultiOptions {
  retprobe?: boolean;
  /** One per function (default: the function's index). */
  cookies?: readonly bigint[];
}

/**
 * Attaches a program loaded with expected attach type trace_kprobe_multi to every function of
 * `functions` at once; `label` names the link (the pattern they came from).
 */
export function attachKprobeMulti(
  prog: { fd: number },
  functions: readonly string[],
  label: string,
  opts: KprobeMultiOptions = {},
): Link {
  const kind = opts.retprobe ? 'kretprobe' : 'kprobe';
  if (functions.length === 0) throw new AttachError('not-found', label, `${kind} '${label}': no functions`);
  const cookies = opts.cookies ?? functions.map((_, i) => BigInt(i));
  const attr = encodeKprobeMultiLink({ progFd: prog.fd, syms: functions, cookies, retprobe: opts.retprobe });
  const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
  if (fd >= 0) return new Link(fd, kind, label, 'link', false);
  const errno = -fd;
  const what = `${kind} '${label}': kprobe_multi link of ${functions.length} functions`;
  if (errno === Errno.ENOENT || errno === Errno.ESRCH)
    throw new AttachError(
      'not-found',
      label,
      `${what}: ${errnoName(errno)}: a function is not in kallsyms`,
      errno,
    );
  if (errno === Errno.EOPNOTSUPP || errno === Errno.ENOTSUPP || errno === Errno.EINVAL)
    throw new AttachError('unsupported', label, `${what}: ${errnoName(errno)}`, errno);
  throw new AttachError('kernel', label, `${what}: ${errnoName(errno)}`, errno);
}
