// Offsets and exact sizes of the union bpf_attr members each command uses, from
// include/uapi/linux/bpf.h (checked against gcc's offsetof by test/kernel/attr-layout.test.ts).
// A command's size ends at the last field we may set, so an older kernel never sees a tail it
// does not know (the kernel rejects non-zero bytes past its own union with E2BIG).

export const MapCreate = {
  SIZE: 72, // through map_extra
  map_type: 0,
  key_size: 4,
  value_size: 8,
  max_entries: 12,
  map_flags: 16,
  inner_map_fd: 20,
  numa_node: 24,
  map_name: 28,
  map_ifindex: 44,
  btf_fd: 48,
  btf_key_type_id: 52,
  btf_value_type_id: 56,
  btf_vmlinux_value_type_id: 60,
  map_extra: 64,
} as const;

export const MapElem = {
  SIZE: 32,
  map_fd: 0,
  key: 8,
  value: 16,
  next_key: 16,
  flags: 24,
} as const;

export const MapBatch = {
  SIZE: 56,
  in_batch: 0,
  out_batch: 8,
  keys: 16,
  values: 24,
  count: 32,
  map_fd: 36,
  elem_flags: 40,
  flags: 48,
} as const;

export const ProgLoad = {
  SIZE: 144, // through log_true_size (6.4+; an older kernel sees a zero tail)
  prog_type: 0,
  insn_cnt: 4,
  insns: 8,
  license: 16,
  log_level: 24,
  log_size: 28,
  log_buf: 32,
  kern_version: 40,
  prog_flags: 44,
  prog_name: 48,
  prog_ifindex: 64,
  expected_attach_type: 68,
  prog_btf_fd: 72,
  func_info_rec_size: 76,
  func_info: 80,
  func_info_cnt: 88,
  line_info_rec_size: 92,
  line_info: 96,
  line_info_cnt: 104,
  attach_btf_id: 108,
  attach_prog_fd: 112,
  core_relo_cnt: 116,
  fd_array: 120,
  core_relos: 128,
  core_relo_rec_size: 136,
  log_true_size: 140,
} as const;

export const ObjPin = {
  SIZE: 16,
  pathname: 0,
  bpf_fd: 8,
  file_flags: 12,
} as const;

export const TestRun = {
  SIZE: 76, // through batch_size
  prog_fd: 0,
  retval: 4,
  data_size_in: 8,
  data_size_out: 12,
  data_in: 16,
  data_out: 24,
  repeat: 32,
  duration: 36,
  ctx_size_in: 40,
  ctx_size_out: 44,
  ctx_in: 48,
  ctx_out: 56,
  flags: 64,
  cpu: 68,
  batch_size: 72,
} as const;

/** *_GET_NEXT_ID and *_GET_FD_BY_ID. */
export const GetId = {
  SIZE: 12,
  start_id: 0,
  id: 0,
  next_id: 4,
  open_flags: 8,
} as const;

export const InfoByFd = {
  SIZE: 16,
  bpf_fd: 0,
  info_len: 4,
  info: 8,
} as const;

export const BtfLoad = {
  SIZE: 32, // through btf_log_true_size (6.4+)
  btf: 0,
  btf_log_buf: 8,
  btf_size: 16,
  btf_log_size: 20,
  btf_log_level: 24,
  btf_log_true_size: 28,
} as const;

/** BPF_LINK_CREATE's common head; the per-attach-type union starts at `target_btf_id`. */
export const LinkCreate = {
  SIZE: 24, // through the perf_event cookie / target_btf_id slot (the union members we set)
  prog_fd: 0,
  target_fd: 4,
  attach_type: 8,
  flags: 12,
  target_btf_id: 16,
  perf_event_bpf_cookie: 16,
} as const;

/** BPF_LINK_CREATE for netfilter links (6.4+): the union member after the common head. */
export const LinkCreateNetfilter = {
  SIZE: 32,
  prog_fd: 0,
  target_fd: 4,
  attach_type: 8,
  flags: 12,
  pf: 16,
  hooknum: 20,
  priority: 24,
  nf_flags: 28,
} as const;

/** BPF_LINK_UPDATE: a new program for a link, optionally only if the old one is still attached. */
export const LinkUpdate = {
  SIZE: 16,
  link_fd: 0,
  new_prog_fd: 4,
  flags: 8,
  old_prog_fd: 12,
} as const;

/** BPF_LINK_DETACH. */
export const LinkDetach = {
  SIZE: 4,
  link_fd: 0,
} as const;

/** BPF_PROG_ATTACH / BPF_PROG_DETACH (through replace_bpf_fd, the size before 6.6's mprog fields). */
export const ProgAttach = {
  SIZE: 20,
  target_fd: 0,
  attach_bpf_fd: 4,
  attach_type: 8,
  attach_flags: 12,
  replace_bpf_fd: 16,
} as const;

/** BPF_LINK_CREATE for BPF_TRACE_KPROBE_MULTI (5.18+): the head, then link_create.kprobe_multi. */
export const KprobeMultiLinkCreate = {
  SIZE: 48, // through kprobe_multi.cookies
  prog_fd: 0,
  target_fd: 4,
  attach_type: 8,
  flags: 12,
  multi_flags: 16,
  cnt: 20,
  syms: 24,
  addrs: 32,
  cookies: 40,
} as const;

/** BPF_LINK_CREATE for BPF_TRACE_UPROBE_MULTI (6.6+): the head, then link_create.uprobe_multi. */
export const UprobeMultiLinkCreate = {
  SIZE: 64, // through uprobe_multi.pid, padded to 8 as the union is
  prog_fd: 0,
  target_fd: 4,
  attach_type: 8,
  flags: 12,
  path: 16,
  offsets: 24,
  ref_ctr_offsets: 32,
  cookies: 40,
  cnt: 48,
  multi_flags: 52,
  pid: 56,
} as const;

export const RawTracepointOpen = {
  SIZE: 16,
  name: 0,
  prog_fd: 8,
} as const;

/** struct bpf_map_info (the prefix we read). */
export const MapInfo = {
  SIZE: 88,
  type: 0,
  id: 4,
  key_size: 8,
  value_size: 12,
  max_entries: 16,
  map_flags: 20,
  name: 24,
  ifindex: 40,
  btf_id: 64,
  btf_key_type_id: 68,
  btf_value_type_id: 72,
  map_extra: 80,
} as const;

/** struct bpf_prog_info (the prefix we read). */
export const ProgInfo = {
  SIZE: 232,
  type: 0,
  id: 4,
  tag: 8,
  jited_prog_len: 16,
  xlated_prog_len: 20,
  jited_prog_insns: 24,
  xlated_prog_insns: 32,
  load_time: 40,
  created_by_uid: 48,
  nr_map_ids: 52,
  map_ids: 56,
  name: 64,
  ifindex: 80,
  btf_id: 128,
  run_time_ns: 192,
  run_cnt: 200,
  recursion_misses: 208,
  verified_insns: 216,
  attach_btf_obj_id: 220,
  attach_btf_id: 224,
} as const;

/** struct bpf_link_info: the common head and the union members of link types up to 6.1. */
export const LinkInfo = {
  SIZE: 64, // the largest union member (perf_event's kprobe) ends at 64
  type: 0,
  id: 4,
  prog_id: 8,
  tp_name: 16,
  tp_name_len: 24,
  tracing_attach_type: 16,
  target_obj_id: 20,
  target_btf_id: 24,
  cgroup_id: 16,
  cgroup_attach_type: 24,
  iter_target_name: 16,
  iter_target_name_len: 24,
  netns_ino: 16,
  netns_attach_type: 20,
  xdp_ifindex: 16,
} as const;

/**
 * struct bpf_link_info's union members of link types newer than 6.1 (struct_ops 6.4, netfilter 6.4, perf_event
 * names 6.6, tcx 6.6, netkit 6.7, sockmap 6.10), at the same union offset 16.
 */
export const LinkInfoNewer = {
  struct_ops_map_id: 16,
  netfilter_pf: 16,
  netfilter_hooknum: 20,
  netfilter_priority: 24,
  netfilter_flags: 28,
  perf_event_type: 16,
  perf_name: 24,
  perf_name_len: 32,
  perf_offset: 36,
  perf_addr: 40,
  tcx_ifindex: 16,
  tcx_attach_type: 20,
  sockmap_map_id: 16,
  sockmap_attach_type: 20,
} as const;

/** struct bpf_btf_info. */
export const BtfInfo = {
  SIZE: 32,
  btf: 0,
  btf_size: 8,
  id: 12,
  name: 16,
  name_len: 24,
  kernel_btf: 28,
} as const;

/** Kernel object names (maps, programs) are at most 15 characters of [A-Za-z0-9_.]. */
export const OBJ_NAME_LEN = 16;
