// libbpf's SEC() names → program type, expected attach type and attach target. Longest prefix
// wins; a trailing '/' in a prefix means "a target follows", as in `kprobe/do_unlinkat`.
import type { AttachTypeName, ProgramTypeName } from '../../sys/types.js';

/** How the program is attached, once loaded (the CLI's auto-attach uses this). */
export type AttachKind =
  | 'kprobe'
  | 'kretprobe'
  | 'uprobe'
  | 'uretprobe'
  | 'ksyscall'
  | 'kretsyscall'
  | 'usdt'
  | 'tracepoint'
  | 'raw_tp'
  | 'tp_btf'
  | 'fentry'
  | 'fexit'
  | 'fmod_ret'
  | 'lsm'
  | 'iter'
  | 'kprobe_multi'
  | 'uprobe_multi'
  | 'freplace'
  | 'xdp'
  | 'tc'
  | 'cgroup'
  | 'sk'
  | 'perf_event'
  | 'struct_ops'
  | 'none';

export interface SectionDef {
  programType: ProgramTypeName;
  expectedAttachType?: AttachTypeName;
  attach: AttachKind;
  /** Sleepable variant (`.s`): loads with BPF_F_SLEEPABLE. */
  sleepable?: boolean;
  /** Set when we recognise the section but cannot load or attach it yet. */
  unsupported?: string;
  /** Needs attach_btf_id of the target function/tracepoint in vmlinux BTF at load time. */
  btfTarget?: 'func' | 'tp_btf';
}

export interface SectionInfo extends SectionDef {
  section: string;
  /** What follows the prefix: function, tracepoint `group/name`, binary:symbol … ('' if none). */
  target: string;
}

type Row = [prefix: string, def: SectionDef];
const d = (programType: ProgramTypeName, attach: AttachKind, more: Partial<SectionDef> = {}): SectionDef => ({
  programType,
  attach,
  ...more,
});

const ROWS: Row[] = [
  ['socket', d('socket_filter', 'sk')],
  ['sk_reuseport/migrate', d('sk_reuseport', 'sk', { expectedAttachType: 'sk_reuseport_select_or_migrate' })],
  ['sk_reuseport', d('sk_reuseport', 'sk', { expectedAttachType: 'sk_reuseport_select' })],
  ['kprobe/', d('kprobe', 'kprobe')],
  ['kretprobe/', d('kprobe', 'kretprobe')],
  ['uprobe/', d('kprobe', 'uprobe')],
  ['uretprobe/', d('kprobe', 'uretprobe')],
  ['uprobe.s/', d('kprobe', 'uprobe', { sleepable: true })],
  ['uretprobe.s/', d('kprobe', 'uretprobe', { sleepable: true })],
  ['kprobe.multi/', d('kprobe', 'kprobe_multi', { expectedAttachType: 'trace_kprobe_multi' })],
  ['kretprobe.multi/', d('kprobe', 'kprobe_multi', { expectedAttachType: 'trace_kprobe_multi' })],
  ['uprobe.multi/', d('kprobe', 'uprobe_multi', { expectedAttachType: 'trace_uprobe_multi' })],
  ['uretprobe.multi/', d('kprobe', 'uprobe_multi', { expectedAttachType: 'trace_uprobe_multi' })],
  ['ksyscall/', d('kprobe', 'ksyscall')],
  ['kretsyscall/', d('kprobe', 'kretsyscall')],
  [
    'usdt/',
    d('kprobe', 'usdt', {
      unsupported:
        'USDT probes are not supported yet (needs the .note.stapsdt parser and usdt.bpf.h spec maps)',
    }),
  ],
  ['tracepoint/', d('tracepoint', 'tracepoint')],
  ['tp/', d('tracepoint', 'tracepoint')],
  ['raw_tracepoint/', d('raw_tracepoint', 'raw_tp')],
  ['raw_tp/', d('raw_tracepoint', 'raw_tp')],
  ['raw_tracepoint.w/', d('raw_tracepoint_writable', 'raw_tp')],
  ['raw_tp.w/', d('raw_tracepoint_writable', 'raw_tp')],
  ['tp_btf/', d('tracing', 'tp_btf', { expectedAttachType: 'trace_raw_tp', btfTarget: 'tp_btf' })],
  ['fentry/', d('tracing', 'fentry', { expectedAttachType: 'trace_fentry', btfTarget: 'func' })],
  ['fexit/', d('tracing', 'fexit', { expectedAttachType: 'trace_fexit', btfTarget: 'func' })],
  ['fmod_ret/', d('tracing', 'fmod_ret', { expectedAttachType: 'modify_return', btfTarget: 'func' })],
  [
    'fentry.s/',
    d('tracing', 'fentry', { expectedAttachType: 'trace_fentry', btfTarget: 'func', sleepable: true }),
  ],
  [
    'fexit.s/',
    d('tracing', 'fexit', { expectedAttachType: 'trace_fexit', btfTarget: 'func', sleepable: true }),
  ],
  [
    'fmod_ret.s/',
    d('tracing', 'fmod_ret', { expectedAttachType: 'modify_return', btfTarget: 'func', sleepable: true }),
  ],
  [
    'freplace/',
    d('ext', 'freplace', { unsupported: 'freplace needs a target program fd; not supported yet' }),
  ],
  ['lsm/', d('lsm', 'lsm', { expectedAttachType: 'lsm_mac', btfTarget: 'func' })],
  ['lsm.s/', d('lsm', 'lsm', { expectedAttachType: 'lsm_mac', btfTarget: 'func', sleepable: true })],
  ['lsm_cgroup/', d('lsm', 'lsm', { expectedAttachType: 'lsm_cgroup', btfTarget: 'func' })],
  [
    'iter/',
    d('tracing', 'iter', {
      expectedAttachType: 'trace_iter',
      unsupported: 'BPF iterators are not supported yet',
    }),
  ],
  [
    'iter.s/',
    d('tracing', 'iter', {
      expectedAttachType: 'trace_iter',
      sleepable: true,
      unsupported: 'BPF iterators are not supported yet',
    }),
  ],
  ['syscall', d('syscall', 'none', { sleepable: true })],
  ['xdp.frags/devmap', d('xdp', 'xdp', { expectedAttachType: 'xdp_devmap' })],
  ['xdp/devmap', d('xdp', 'xdp', { expectedAttachType: 'xdp_devmap' })],
  ['xdp.frags/cpumap', d('xdp', 'xdp', { expectedAttachType: 'xdp_cpumap' })],
  ['xdp/cpumap', d('xdp', 'xdp', { expectedAttachType: 'xdp_cpumap' })],
  ['xdp.frags', d('xdp', 'xdp', { expectedAttachType: 'xdp' })],
  ['xdp', d('xdp', 'xdp', { expectedAttachType: 'xdp' })],
  ['perf_event', d('perf_event', 'perf_event')],
  ['lwt_in', d('lwt_in', 'none')],
  ['lwt_out', d('lwt_out', 'none')],
  ['lwt_xmit', d('lwt_xmit', 'none')],
  ['lwt_seg6local', d('lwt_seg6local', 'none')],
  ['sockops', d('sock_ops', 'cgroup', { expectedAttachType: 'cgroup_sock_ops' })],
  ['sk_skb/stream_parser', d('sk_skb', 'sk', { expectedAttachType: 'sk_skb_stream_parser' })],
  ['sk_skb/stream_verdict', d('sk_skb', 'sk', { expectedAttachType: 'sk_skb_stream_verdict' })],
  ['sk_skb/verdict', d('sk_skb', 'sk', { expectedAttachType: 'sk_skb_verdict' })],
  ['sk_skb', d('sk_skb', 'sk')],
  ['sk_msg', d('sk_msg', 'sk', { expectedAttachType: 'sk_msg_verdict' })],
  ['lirc_mode2', d('lirc_mode2', 'none', { expectedAttachType: 'lirc_mode2' })],
  ['flow_dissector', d('flow_dissector', 'none', { expectedAttachType: 'flow_dissector' })],
  ['tc/ingress', d('sched_cls', 'tc', { expectedAttachType: 'tcx_ingress' })],
  ['tc/egress', d('sched_cls', 'tc', { expectedAttachType: 'tcx_egress' })],
  ['tcx/ingress', d('sched_cls', 'tc', { expectedAttachType: 'tcx_ingress' })],
  ['tcx/egress', d('sched_cls', 'tc', { expectedAttachType: 'tcx_egress' })],
  ['tc', d('sched_cls', 'tc')],
  ['classifier', d('sched_cls', 'tc')],
  ['action', d('sched_act', 'tc')],
  ['cgroup_skb/ingress', d('cgroup_skb', 'cgroup', { expectedAttachType: 'cgroup_inet_ingress' })],
  ['cgroup_skb/egress', d('cgroup_skb', 'cgroup', { expectedAttachType: 'cgroup_inet_egress' })],
  ['cgroup/skb', d('cgroup_skb', 'cgroup')],
  ['cgroup/sock_create', d('cgroup_sock', 'cgroup', { expectedAttachType: 'cgroup_inet_sock_create' })],
  ['cgroup/sock_release', d('cgroup_sock', 'cgroup', { expectedAttachType: 'cgroup_inet_sock_release' })],
  ['cgroup/sock', d('cgroup_sock', 'cgroup', { expectedAttachType: 'cgroup_inet_sock_create' })],
  ['cgroup/post_bind4', d('cgroup_sock', 'cgroup', { expectedAttachType: 'cgroup_inet4_post_bind' })],
  ['cgroup/post_bind6', d('cgroup_sock', 'cgroup', { expectedAttachType: 'cgroup_inet6_post_bind' })],
  ['cgroup/dev', d('cgroup_device', 'cgroup', { expectedAttachType: 'cgroup_device' })],
  ['cgroup/sysctl', d('cgroup_sysctl', 'cgroup', { expectedAttachType: 'cgroup_sysctl' })],
  ['cgroup/getsockopt', d('cgroup_sockopt', 'cgroup', { expectedAttachType: 'cgroup_getsockopt' })],
  ['cgroup/setsockopt', d('cgroup_sockopt', 'cgroup', { expectedAttachType: 'cgroup_setsockopt' })],
  ['struct_ops/', d('struct_ops', 'struct_ops', { unsupported: 'struct_ops is not supported yet' })],
  [
    'struct_ops.s/',
    d('struct_ops', 'struct_ops', { sleepable: true, unsupported: 'struct_ops is not supported yet' }),
  ],
  ['sk_lookup', d('sk_lookup', 'sk', { expectedAttachType: 'sk_lookup' })],
  ['netfilter', d('netfilter', 'none', { expectedAttachType: 'netfilter' })],
];
// The cgroup sock_addr family follows one pattern.
for (const [hook, attach] of [
  ['bind4', 'cgroup_inet4_bind'],
  ['bind6', 'cgroup_inet6_bind'],
  ['connect4', 'cgroup_inet4_connect'],
  ['connect6', 'cgroup_inet6_connect'],
  ['connect_unix', 'cgroup_unix_connect'],
  ['sendmsg4', 'cgroup_udp4_sendmsg'],
  ['sendmsg6', 'cgroup_udp6_sendmsg'],
  ['sendmsg_unix', 'cgroup_unix_sendmsg'],
  ['recvmsg4', 'cgroup_udp4_recvmsg'],
  ['recvmsg6', 'cgroup_udp6_recvmsg'],
  ['recvmsg_unix', 'cgroup_unix_recvmsg'],
  ['getpeername4', 'cgroup_inet4_getpeername'],
  ['getpeername6', 'cgroup_inet6_getpeername'],
  ['getpeername_unix', 'cgroup_unix_getpeername'],
  ['getsockname4', 'cgroup_inet4_getsockname'],
  ['getsockname6', 'cgroup_inet6_getsockname'],
  ['getsockname_unix', 'cgroup_unix_getsockname'],
] as const) {
  ROWS.push([`cgroup/${hook}`, d('cgroup_sock_addr', 'cgroup', { expectedAttachType: attach })]);
}
// Longest prefix first, so `kretprobe/` is not read as `kprobe`-anything and `xdp.frags` beats `xdp`.
ROWS.sort((a, b) => b[0].length - a[0].length);

/**
 * The definition of a section name, or undefined if it is not a program section we know. A
 * prefix with '/' also matches the bare word (`kprobe` alone: no target, attach by hand).
 */
export function sectionInfo(section: string): SectionInfo | undefined {
  const known = memo.get(section);
  if (known !== undefined || memo.has(section)) return known && { ...known };
  const found = lookup(section);
  if (memo.size < 1024) memo.set(section, found);
  return found && { ...found };
}

const memo = new Map<string, SectionInfo | undefined>();

function lookup(section: string): SectionInfo | undefined {
  for (const [prefix, def] of ROWS) {
    if (prefix.endsWith('/')) {
      if (section.startsWith(prefix)) return { ...def, section, target: section.slice(prefix.length) };
      if (section === prefix.slice(0, -1)) return { ...def, section, target: '' };
    } else if (section === prefix || section.startsWith(`${prefix}/`)) {
      return { ...def, section, target: section.slice(prefix.length + 1) };
    }
  }
  return undefined;
}
