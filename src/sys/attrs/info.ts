// Decoders of the info structs BPF_OBJ_GET_INFO_BY_FD fills: bpf_map_info, bpf_prog_info and
// bpf_link_info (the head and what each link type adds).
import {
  BtfInfo as BtfInfoLayout,
  LinkInfo as LinkInfoLayout,
  LinkInfoNewer,
  MapInfo as MapInfoLayout,
  OBJ_NAME_LEN,
  ProgInfo as ProgInfoLayout,
} from '../attr.js';
import { infoByFd } from '../bpf.js';
import { attachTypeName, mapTypeName, programTypeName } from '../types.js';
import { AttrWriter, getName } from './writer.js';

/** What the kernel says about a map (BPF_OBJ_GET_INFO_BY_FD). */
export interface MapInfo {
  type: number;
  typeName: string;
  id: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  name: string;
  ifindex: number;
  btfId: number;
  btfKeyTypeId: number;
  btfValueTypeId: number;
  mapExtra: bigint;
}

/** The map behind `fd`. */
export function readMapInfo(fd: number): MapInfo {
  const L = MapInfoLayout;
  const b = Buffer.alloc(L.SIZE);
  infoByFd(fd, b);
  const type = b.readUInt32LE(L.type);
  return {
    type,
    typeName: mapTypeName(type),
    id: b.readUInt32LE(L.id),
    keySize: b.readUInt32LE(L.key_size),
    valueSize: b.readUInt32LE(L.value_size),
    maxEntries: b.readUInt32LE(L.max_entries),
    flags: b.readUInt32LE(L.map_flags),
    name: getName(b, L.name, OBJ_NAME_LEN),
    ifindex: b.readUInt32LE(L.ifindex),
    btfId: b.readUInt32LE(L.btf_id),
    btfKeyTypeId: b.readUInt32LE(L.btf_key_type_id),
    btfValueTypeId: b.readUInt32LE(L.btf_value_type_id),
    mapExtra: b.readBigUInt64LE(L.map_extra),
  };
}

export interface ProgramInfo {
  type: number;
  typeName: string;
  id: number;
  name: string;
  /** The kernel's 8-byte tag (hash of the instructions), hex. */
  tag: string;
  xlatedSize: number;
  jitedSize: number;
  verifiedInsns: number;
  /** Need bpf stats enabled (sysctl kernel.bpf_stats_enabled=1) to count. */
  runTimeNs: bigint;
  runCount: bigint;
  recursionMisses: bigint;
  mapIds: number[];
  btfId: number;
  loadTime: bigint;
  createdByUid: number;
  attachBtfId: number;
  attachBtfObjId: number;
}

/** The program behind `fd`; with `withMaps`, a second call fetches the ids of the maps it uses. */
export function readProgInfo(fd: number, withMaps: boolean): ProgramInfo {
  const L = ProgInfoLayout;
  let b: Buffer = Buffer.alloc(L.SIZE);
  infoByFd(fd, b);
  const nMaps = b.readUInt32LE(L.nr_map_ids);
  const mapIds: number[] = [];
  if (withMaps && nMaps > 0) {
    const ids = Buffer.alloc(nMaps * 4);
    b = new AttrWriter(L.SIZE).u32(L.nr_map_ids, nMaps).ptr(L.map_ids, ids).done();
    infoByFd(fd, b);
    const n = Math.min(nMaps, b.readUInt32LE(L.nr_map_ids));
    for (let i = 0; i < n; i++) mapIds.push(ids.readUInt32LE(i * 4));
  }
  const type = b.readUInt32LE(L.type);
  return {
    type,
    typeName: programTypeName(type),
    id: b.readUInt32LE(L.id),
    name: getName(b, L.name, OBJ_NAME_LEN),
    tag: b.toString('hex', L.tag, L.tag + 8),
    xlatedSize: b.readUInt32LE(L.xlated_prog_len),
    jitedSize: b.readUInt32LE(L.jited_prog_len),
    verifiedInsns: b.readUInt32LE(L.verified_insns),
    runTimeNs: b.readBigUInt64LE(L.run_time_ns),
    runCount: b.readBigUInt64LE(L.run_cnt),
    recursionMisses: b.readBigUInt64LE(L.recursion_misses),
    mapIds,
    btfId: b.readUInt32LE(L.btf_id),
    loadTime: b.readBigUInt64LE(L.load_time),
    createdByUid: b.readUInt32LE(L.created_by_uid),
    attachBtfId: b.readUInt32LE(L.attach_btf_id),
    attachBtfObjId: b.readUInt32LE(L.attach_btf_obj_id),
  };
}

/** enum bpf_link_type, by value. */
const LINK_TYPE_NAMES = [
  'unspec',
  'raw_tracepoint',
  'tracing',
  'cgroup',
  'iter',
  'netns',
  'xdp',
  'perf_event',
  'kprobe_multi',
  'struct_ops',
  'netfilter',
  'tcx',
  'uprobe_multi',
  'netkit',
  'sockmap',
] as const;

/** `raw_tracepoint` for 1 (`link type 99` when this table does not know it). */
export function linkTypeName(value: number): string {
  return LINK_TYPE_NAMES[value] ?? `link type ${value}`;
}

/** enum bpf_perf_event_type, by value. */
const PERF_EVENT_TYPE_NAMES = ['unspec', 'uprobe', 'uretprobe', 'kprobe', 'kretprobe', 'tracepoint', 'event'];

/** What the kernel says about a BPF link: the common head and what its link type adds. */
export interface LinkInfo {
  /** enum bpf_link_type (1 raw_tracepoint, 2 tracing, 5 netns, 7 perf_event, 10 netfilter, …). */
  type: number;
  /** The link type's name: `raw_tracepoint`, `netns`, `netfilter`, … */
  typeName: string;
  id: number;
  progId: number;
  /** The raw tracepoint, the iterator target, or a perf event link's tracepoint, function or file. */
  name?: string;
  /** The attach type (tracing, cgroup, netns, tcx, netkit, sockmap links). */
  attachType?: number;
  attachTypeName?: string;
  /** tracing: the BTF object and type id attached to. */
  targetObjId?: number;
  targetBtfId?: number;
  /** cgroup: the cgroup's id (its inode number in cgroup v2). */
  cgroupId?: bigint;
  /** netns: the network namespace's inode number. */
  netnsIno?: number;
  /** xdp, tcx, netkit: the interface. */
  ifindex?: number;
  /** sockmap: the map; struct_ops: the struct_ops map. */
  mapId?: number;
  /** netfilter: protocol family, hook number, priority and flags. */
  netfilter?: { pf: number; hooknum: number; priority: number; flags: number };
  /** perf_event: the kind of perf event (`kprobe`, `uprobe`, `tracepoint`, …), offset and address. */
  perfEventType?: string;
  offset?: number;
  address?: bigint;
}

/** The link behind `fd`: one call for the head and fixed fields, a second for a name. */
export function readLinkInfo(fd: number): LinkInfo {
  const L = LinkInfoLayout;
  const N = LinkInfoNewer;
  let b: Buffer = Buffer.alloc(L.SIZE);
  infoByFd(fd, b);
  const type = b.readUInt32LE(L.type);
  const typeName = linkTypeName(type);
  const info: LinkInfo = { type, typeName, id: b.readUInt32LE(L.id), progId: b.readUInt32LE(L.prog_id) };
  const u32 = (off: number) => b.readUInt32LE(off);
  const attach = (off: number) => {
    info.attachType = u32(off);
    info.attachTypeName = attachTypeName(info.attachType);
  };
  /** A second call with a buffer for the name the link type reports at (ptr, len). */
  const named = (ptr: number, len: number) => {
    const name = Buffer.alloc(NAME_MAX);
    b = new AttrWriter(L.SIZE).ptr(ptr, name).u32(len, NAME_MAX).done();
    infoByFd(fd, b);
    info.name = getName(name, 0, NAME_MAX);
  };
  switch (typeName) {
    case 'raw_tracepoint':
      named(L.tp_name, L.tp_name_len);
      break;
    case 'tracing':
      attach(L.tracing_attach_type);
      info.targetObjId = u32(L.target_obj_id);
      info.targetBtfId = u32(L.target_btf_id);
      break;
    case 'cgroup':
      info.cgroupId = b.readBigUInt64LE(L.cgroup_id);
      attach(L.cgroup_attach_type);
      break;
    case 'iter':
      named(L.iter_target_name, L.iter_target_name_len);
      break;
    case 'netns':
      info.netnsIno = u32(L.netns_ino);
      attach(L.netns_attach_type);
      break;
    case 'xdp':
      info.ifindex = u32(L.xdp_ifindex);
      break;
    case 'struct_ops':
      info.mapId = u32(N.struct_ops_map_id);
      break;
    case 'netfilter':
      info.netfilter = {
        pf: u32(N.netfilter_pf),
        hooknum: u32(N.netfilter_hooknum),
        priority: b.readInt32LE(N.netfilter_priority),
        flags: u32(N.netfilter_flags),
      };
      break;
    case 'tcx':
    case 'netkit':
      info.ifindex = u32(N.tcx_ifindex);
      attach(N.tcx_attach_type);
      break;
    case 'sockmap':
      info.mapId = u32(N.sockmap_map_id);
      attach(N.sockmap_attach_type);
      break;
    case 'perf_event': {
      const perfType = u32(N.perf_event_type);
      info.perfEventType = PERF_EVENT_TYPE_NAMES[perfType] ?? `perf event type ${perfType}`;
      if (perfType >= 1 && perfType <= 5) {
        named(N.perf_name, N.perf_name_len);
        if (perfType !== 5) {
          info.offset = u32(N.perf_offset);
          if (perfType >= 3) info.address = b.readBigUInt64LE(N.perf_addr);
        }
      }
      break;
    }
  }
  return info;
}

/** Room for a tracepoint, function or file name in link info. */
const NAME_MAX = 4096;

/** What the kernel says about a BTF object, with its raw bytes. */
export interface BtfInfo {
  id: number;
  name: string;
  /** vmlinux or a module's BTF (split: its ids continue vmlinux's). */
  kernel: boolean;
  bytes: Buffer;
}

/** The BTF object behind `fd`: one call for the sizes, one for the bytes and name. */
export function readBtfInfo(fd: number): BtfInfo {
  const L = BtfInfoLayout;
  const first = Buffer.alloc(L.SIZE);
  infoByFd(fd, first);
  const size = first.readUInt32LE(L.btf_size);
  const bytes = Buffer.alloc(size);
  const name = Buffer.alloc(64);
  const b = new AttrWriter(L.SIZE)
    .ptr(L.btf, bytes)
    .u32(L.btf_size, size)
    .ptr(L.name, name)
    .u32(L.name_len, name.byteLength)
    .done();
  infoByFd(fd, b);
  return {
    id: b.readUInt32LE(L.id),
    name: getName(name, 0, name.byteLength),
    kernel: b.readUInt32LE(L.kernel_btf) !== 0,
    bytes,
  };
}
