// Netfilter programs (6.4+): a BPF_LINK_CREATE netfilter link on a protocol family's hook at a
// priority, the program's verdict (NF_DROP 0, NF_ACCEPT 1) deciding each packet there.
import { encodeNetfilterLinkCreate } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { AttachType } from '../sys/types.js';
import { networkAttachError } from './attach-errors.js';
import { Link } from './link.js';
import { netfilterTarget } from './link-info.js';

/** Protocol families and hooks by name (uapi linux/netfilter.h: NFPROTO_*, NF_INET_*). */
export const NF_FAMILY = { ipv4: 2, ipv6: 10 } as const;
export const NF_HOOK = { prerouting: 0, input: 1, forward: 2, output: 3, postrouting: 4 } as const;
/** BPF_F_NETFILTER_IP_DEFRAG: the program sees defragmented packets (6.6+). */
export const NF_IP_DEFRAG = 1;

export interface NetfilterOptions {
  family: keyof typeof NF_FAMILY;
  hook: keyof typeof NF_HOOK;
  /** Order among the hook's functions: lower runs first; INT_MIN and INT_MAX are refused. */
  priority: number;
  /** NF_IP_DEFRAG. */
  flags?: number;
}

/** Attaches a netfilter program to `family`'s `hook` at `priority`, in this process's netns. */
export function attachNetfilter(prog: { fd: number }, opts: NetfilterOptions): Link {
  const pf = NF_FAMILY[opts.family];
  const hooknum = NF_HOOK[opts.hook];
  if (pf === undefined || !Object.hasOwn(NF_FAMILY, opts.family))
    throw new TypeError(`netfilter: unknown family '${opts.family}' (ipv4 or ipv6)`);
  if (hooknum === undefined || !Object.hasOwn(NF_HOOK, opts.hook))
    throw new TypeError(
      `netfilter: unknown hook '${opts.hook}' (one of: ${Object.keys(NF_HOOK).join(', ')})`,
    );
  if (!Number.isInteger(opts.priority) || opts.priority <= -(2 ** 31) || opts.priority >= 2 ** 31 - 1)
    throw new RangeError(
      `netfilter: priority ${opts.priority} is not an integer strictly between INT_MIN and INT_MAX`,
    );
  const target = netfilterTarget({ pf, hooknum, priority: opts.priority, flags: opts.flags ?? 0 });
  const attr = encodeNetfilterLinkCreate({
    progFd: prog.fd,
    attachType: AttachType.netfilter,
    pf,
    hooknum,
    priority: opts.priority,
    flags: opts.flags,
  });
  const r = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
  if (r < 0)
    throw networkAttachError(
      'BPF_LINK_CREATE',
      'netfilter',
      target,
      -r,
      'not a netfilter program, a priority already taken by a netfilter link at this hook, or bad flags',
    );
  return new Link(r, 'netfilter', target, 'link', false);
}
