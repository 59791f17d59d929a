// What a link the kernel describes (BPF_OBJ_GET_INFO_BY_FD) is, in this package's words: the
// Link kind a link opened by id or pin gets, and one line naming its target, the way `tsbpf show
// links` prints it.
import type { LinkInfo } from '../sys/attrs/info.js';
import type { LinkKind } from './link.js';

/** Netfilter protocol families and IPv4/IPv6 hook names (uapi linux/netfilter.h). */
const NF_FAMILIES: Record<number, string> = { 2: 'ipv4', 10: 'ipv6' };
const NF_HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting'];

/** `ipv4 input prio -128` for a netfilter link's fields. */
export function netfilterTarget(nf: {
  pf: number;
  hooknum: number;
  priority: number;
  flags: number;
}): string {
  const family = NF_FAMILIES[nf.pf] ?? `pf ${nf.pf}`;
  const hook = NF_HOOKS[nf.hooknum] ?? `hook ${nf.hooknum}`;
  return `${family} ${hook} prio ${nf.priority}${nf.flags ? ` flags ${nf.flags}` : ''}`;
}

/** The Link kind of a link the kernel describes. */
export function kindOfLinkInfo(info: LinkInfo): LinkKind {
  switch (info.typeName) {
    case 'raw_tracepoint':
      return 'raw_tracepoint';
    case 'tracing':
      if (info.attachTypeName === 'trace_fentry') return 'fentry';
      if (info.attachTypeName === 'trace_fexit') return 'fexit';
      if (info.attachTypeName === 'trace_raw_tp') return 'tp_btf';
      return 'other';
    case 'netns':
      if (info.attachTypeName === 'sk_lookup') return 'sk_lookup';
      if (info.attachTypeName === 'flow_dissector') return 'flow_dissector';
      return 'other';
    case 'netfilter':
      return 'netfilter';
    case 'perf_event':
      switch (info.perfEventType) {
        case 'kprobe':
        case 'kretprobe':
        case 'uprobe':
        case 'uretprobe':
        case 'tracepoint':
          return info.perfEventType;
        default:
          return 'perf_event';
      }
    default:
      return 'other';
  }
}

/** One line naming what the link is attached to (`sys_enter`, `netns 4026531840`, …). */
export function describeLinkInfo(info: LinkInfo): string {
  const parts: string[] = [];
  if (info.name !== undefined && info.name !== '') parts.push(info.name);
  if (info.offset) parts.push(`+${info.offset}`);
  if (info.netnsIno !== undefined) parts.push(`netns ${info.netnsIno}`);
  if (info.cgroupId !== undefined) parts.push(`cgroup ${info.cgroupId}`);
  if (info.ifindex !== undefined) parts.push(`ifindex ${info.ifindex}`);
  if (info.mapId !== undefined) parts.push(`map ${info.mapId}`);
  if (info.netfilter) parts.push(netfilterTarget(info.netfilter));
  if (info.targetBtfId !== undefined) parts.push(`btf ${info.targetObjId ?? 0}:${info.targetBtfId}`);
  if (info.attachTypeName !== undefined && info.typeName !== 'tracing') parts.push(info.attachTypeName);
  return parts.length > 0 ? parts.join(' ') : `${info.typeName} link ${info.id}`;
}
