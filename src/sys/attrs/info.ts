// Decoders of the info structs BPF_OBJ_GET_INFO_BY_FD fills: bpf_map_info, bpf_prog_info and
// bpf_link_info (the prefixes we read).
import {
  LinkInfo as LinkInfoLayout,
  MapInfo as MapInfoLayout,
  OBJ_NAME_LEN,
  ProgInfo as ProgInfoLayout,
} from '../attr.js';
import { infoByFd } from '../bpf.js';
import { mapTypeName, programTypeName } from '../types.js';
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

/** What the kernel says about a BPF link. */
export interface LinkInfo {
  /** enum bpf_link_type (1 raw_tracepoint, 2 tracing, 5 perf_event, …). */
  type: number;
  id: number;
  progId: number;
}

/** The link behind `fd`. */
export function readLinkInfo(fd: number): LinkInfo {
  const L = LinkInfoLayout;
  const b = Buffer.alloc(L.SIZE);
  infoByFd(fd, b);
  return { type: b.readUInt32LE(L.type), id: b.readUInt32LE(L.id), progId: b.readUInt32LE(L.prog_id) };
}
