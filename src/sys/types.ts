// Map, program and attach type enums by name, in the order of enum bpf_map_type,
// enum bpf_prog_type and enum bpf_attach_type in include/uapi/linux/bpf.h (Linux 6.18).
// The value of a name is its index.

function table<const T extends readonly string[]>(names: T): Readonly<Record<T[number], number>> {
  return Object.freeze(Object.fromEntries(names.map((n, i) => [n, i]))) as Record<T[number], number>;
}

const MAP_TYPE_NAMES = [
  'unspec',
  'hash',
  'array',
  'prog_array',
  'perf_event_array',
  'percpu_hash',
  'percpu_array',
  'stack_trace',
  'cgroup_array',
  'lru_hash',
  'lru_percpu_hash',
  'lpm_trie',
  'array_of_maps',
  'hash_of_maps',
  'devmap',
  'sockmap',
  'cpumap',
  'xskmap',
  'sockhash',
  'cgroup_storage',
  'reuseport_sockarray',
  'percpu_cgroup_storage',
  'queue',
  'stack',
  'sk_storage',
  'devmap_hash',
  'struct_ops',
  'ringbuf',
  'inode_storage',
  'task_storage',
  'bloom_filter',
  'user_ringbuf',
  'cgrp_storage',
  'arena',
] as const;
export type MapTypeName = (typeof MAP_TYPE_NAMES)[number];
export const MapType = table(MAP_TYPE_NAMES);

const PROG_TYPE_NAMES = [
  'unspec',
  'socket_filter',
  'kprobe',
  'sched_cls',
  'sched_act',
  'tracepoint',
  'xdp',
  'perf_event',
  'cgroup_skb',
  'cgroup_sock',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'sock_ops',
  'sk_skb',
  'cgroup_device',
  'sk_msg',
  'raw_tracepoint',
  'cgroup_sock_addr',
  'lwt_seg6local',
  'lirc_mode2',
  'sk_reuseport',
  'flow_dissector',
  'cgroup_sysctl',
  'raw_tracepoint_writable',
  'cgroup_sockopt',
  'tracing',
  'struct_ops',
  'ext',
  'lsm',
  'sk_lookup',
  'syscall',
  'netfilter',
] as const;
export type ProgramTypeName = (typeof PROG_TYPE_NAMES)[number];
export const ProgramType = table(PROG_TYPE_NAMES);

const ATTACH_TYPE_NAMES = [
  'cgroup_inet_ingress',
  'cgroup_inet_egress',
  'cgroup_inet_sock_create',
  'cgroup_sock_ops',
  'sk_skb_stream_parser',
  'sk_skb_stream_verdict',
  'cgroup_device',
  'sk_msg_verdict',
  'cgroup_inet4_bind',
  'cgroup_inet6_bind',
  'cgroup_inet4_connect',
  'cgroup_inet6_connect',
  'cgroup_inet4_post_bind',
  'cgroup_inet6_post_bind',
  'cgroup_udp4_sendmsg',
  'cgroup_udp6_sendmsg',
  'lirc_mode2',
  'flow_dissector',
  'cgroup_sysctl',
  'cgroup_udp4_recvmsg',
  'cgroup_udp6_recvmsg',
  'cgroup_getsockopt',
  'cgroup_setsockopt',
  'trace_raw_tp',
  'trace_fentry',
  'trace_fexit',
  'modify_return',
  'lsm_mac',
  'trace_iter',
  'cgroup_inet4_getpeername',
  'cgroup_inet6_getpeername',
  'cgroup_inet4_getsockname',
  'cgroup_inet6_getsockname',
  'xdp_devmap',
  'cgroup_inet_sock_release',
  'xdp_cpumap',
  'sk_lookup',
  'xdp',
  'sk_skb_verdict',
  'sk_reuseport_select',
  'sk_reuseport_select_or_migrate',
  'perf_event',
  'trace_kprobe_multi',
  'lsm_cgroup',
  'struct_ops',
  'netfilter',
  'tcx_ingress',
  'tcx_egress',
  'trace_uprobe_multi',
  'cgroup_unix_connect',
  'cgroup_unix_sendmsg',
  'cgroup_unix_recvmsg',
  'cgroup_unix_getpeername',
  'cgroup_unix_getsockname',
  'netkit_primary',
  'netkit_peer',
  'trace_kprobe_session',
  'trace_uprobe_session',
] as const;
export type AttachTypeName = (typeof ATTACH_TYPE_NAMES)[number];
export const AttachType = table(ATTACH_TYPE_NAMES);

/** Name of a numeric enum value (`map type 99` when this table does not know it). */
export function mapTypeName(value: number): string {
  return MAP_TYPE_NAMES[value] ?? `map type ${value}`;
}
export function programTypeName(value: number): string {
  return PROG_TYPE_NAMES[value] ?? `program type ${value}`;
}
export function attachTypeName(value: number): string {
  return ATTACH_TYPE_NAMES[value] ?? `attach type ${value}`;
}

/** Resolves a name or a raw number; throws a TypeError naming the bad value and the choices. */
export function resolveEnum(
  kind: string,
  table: Readonly<Record<string, number>>,
  value: string | number,
): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0) return value;
  } else {
    // Own properties only: 'constructor' or 'toString' is not a map type.
    const key = value.toLowerCase();
    if (Object.hasOwn(table, key)) return table[key] as number;
  }
  throw new TypeError(`unknown ${kind} '${value}' (one of: ${Object.keys(table).join(', ')})`);
}

/** Map flags (BPF_F_* for BPF_MAP_CREATE). */
export const MapFlags = Object.freeze({
  NO_PREALLOC: 1 << 0,
  NO_COMMON_LRU: 1 << 1,
  NUMA_NODE: 1 << 2,
  RDONLY: 1 << 3,
  WRONLY: 1 << 4,
  STACK_BUILD_ID: 1 << 5,
  ZERO_SEED: 1 << 6,
  RDONLY_PROG: 1 << 7,
  WRONLY_PROG: 1 << 8,
  CLONE: 1 << 9,
  MMAPABLE: 1 << 10,
  PRESERVE_ELEMS: 1 << 11,
  INNER_MAP: 1 << 12,
  LINK: 1 << 13,
  PATH_FD: 1 << 14,
  VTYPE_BTF_OBJ_FD: 1 << 15,
  TOKEN_FD: 1 << 16,
  SEGV_ON_FAULT: 1 << 17,
  NO_USER_CONV: 1 << 18,
});

/** Element update flags (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK). */
export const UpdateFlags = Object.freeze({ ANY: 0, NOEXIST: 1, EXIST: 2, F_LOCK: 4 });

/** Program load flags (BPF_F_* for BPF_PROG_LOAD). */
export const ProgramFlags = Object.freeze({
  STRICT_ALIGNMENT: 1 << 0,
  ANY_ALIGNMENT: 1 << 1,
  TEST_RND_HI32: 1 << 2,
  TEST_STATE_FREQ: 1 << 3,
  SLEEPABLE: 1 << 4,
  XDP_HAS_FRAGS: 1 << 5,
  XDP_DEV_BOUND_ONLY: 1 << 6,
  TEST_REG_INVARIANTS: 1 << 7,
  TOKEN_FD: 1 << 16,
});

/** BPF_PROG_ATTACH flags (BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE). */
export const ProgAttachFlags = Object.freeze({
  ALLOW_OVERRIDE: 1 << 0,
  ALLOW_MULTI: 1 << 1,
  REPLACE: 1 << 2,
});
