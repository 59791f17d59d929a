// Attr encoders for the map commands: MAP_CREATE, the element commands (one-off and the prepared
// hot-path set), MAP_GET_NEXT_KEY, the batch commands and MAP_FREEZE.
import { MapBatch, MapCreate, MapElem } from '../attr.js';
import type { SyscallFunnel } from '../funnel.js';
import { AttrWriter } from './writer.js';

export interface MapCreateAttr {
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  innerMapFd?: number;
  numaNode?: number;
  name?: string;
  ifindex?: number;
  btfFd?: number;
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  btfVmlinuxValueTypeId?: number;
  mapExtra?: number | bigint;
}

/** BPF_MAP_CREATE. */
export function encodeMapCreate(a: MapCreateAttr): Buffer {
  return new AttrWriter(MapCreate.SIZE)
    .u32(MapCreate.map_type, a.type)
    .u32(MapCreate.key_size, a.keySize)
    .u32(MapCreate.value_size, a.valueSize)
    .u32(MapCreate.max_entries, a.maxEntries)
    .u32(MapCreate.map_flags, a.flags)
    .u32(MapCreate.inner_map_fd, a.innerMapFd)
    .u32(MapCreate.numa_node, a.numaNode)
    .name(MapCreate.map_name, a.name)
    .u32(MapCreate.map_ifindex, a.ifindex)
    .u32(MapCreate.btf_fd, a.btfFd)
    .u32(MapCreate.btf_key_type_id, a.btfKeyTypeId)
    .u32(MapCreate.btf_value_type_id, a.btfValueTypeId)
    .u32(MapCreate.btf_vmlinux_value_type_id, a.btfVmlinuxValueTypeId)
    .u64(MapCreate.map_extra, a.mapExtra)
    .done();
}

export interface MapElemAttr {
  mapFd: number;
  key?: Uint8Array | null;
  /** value (lookup/update) or next_key (GET_NEXT_KEY): the same slot. */
  value?: Uint8Array | null;
  flags?: number;
}

/** A one-off element command (MAP_*_ELEM, MAP_GET_NEXT_KEY with `value` as next_key). */
export function encodeMapElem(a: MapElemAttr): Buffer {
  return new AttrWriter(MapElem.SIZE)
    .u32(MapElem.map_fd, a.mapFd)
    .ptr(MapElem.key, a.key)
    .ptr(MapElem.value, a.value)
    .u64(MapElem.flags, a.flags)
    .done();
}

/** BPF_MAP_FREEZE: only map_fd. */
export function encodeMapFreeze(mapFd: number): Buffer {
  return new AttrWriter(4).u32(MapElem.map_fd, mapFd).done();
}

/** The size bpf() is told for element attrs. */
export const MAP_ELEM_SIZE = MapElem.SIZE;

/**
 * The element hot path's prepared attrs for one map: pointers to its key and value scratch
 * buffers written once, each call only a syscall by address (no allocation, no BigInt).
 */
export class MapElemAttrs {
  /** lookup/update/lookup-and-delete: key, value, flags. */
  readonly #elem: Buffer;
  /** DELETE_ELEM's last field is `key`: value and flags must be zero. */
  readonly #del: Buffer;
  /** Queue/stack/bloom: no key. */
  readonly #keyless: Buffer;
  readonly #elemAt: number;
  readonly #delAt: number;
  readonly #keylessAt: number;
  readonly #f: SyscallFunnel;
  #flags = 0;

  constructor(f: SyscallFunnel, mapFd: number, key: Buffer, value: Buffer) {
    this.#f = f;
    const k = f.addressOf(key);
    const v = f.addressOf(value);
    this.#elem = Buffer.alloc(MapElem.SIZE);
    this.#elem.writeUInt32LE(mapFd, MapElem.map_fd);
    this.#elem.writeBigUInt64LE(k, MapElem.key);
    this.#elem.writeBigUInt64LE(v, MapElem.value);
    this.#del = Buffer.alloc(MapElem.SIZE);
    this.#elem.copy(this.#del, 0, 0, MapElem.value);
    this.#keyless = Buffer.alloc(MapElem.SIZE);
    this.#keyless.writeUInt32LE(mapFd, MapElem.map_fd);
    this.#keyless.writeBigUInt64LE(v, MapElem.value);
    this.#elemAt = Number(f.addressOf(this.#elem));
    this.#delAt = Number(f.addressOf(this.#del));
    this.#keylessAt = Number(f.addressOf(this.#keyless));
  }

  /** An element command with key, value and `flags` (u32 lo/hi); the result or -errno. */
  elem(cmd: number, flags: number): number {
    if (flags !== this.#flags) {
      this.#elem.writeUInt32LE(flags >>> 0, MapElem.flags);
      this.#elem.writeUInt32LE(Math.floor(flags / 0x1_0000_0000) >>> 0, MapElem.flags + 4);
      this.#flags = flags;
    }
    return this.#f.bpfAt(cmd, this.#elemAt, MapElem.SIZE);
  }

  /** BPF_MAP_DELETE_ELEM of the key buffer. */
  delete(cmd: number): number {
    return this.#f.bpfAt(cmd, this.#delAt, MapElem.SIZE);
  }

  /** A keyless command (queue/stack/bloom) on the value buffer. */
  keyless(cmd: number, flags: number): number {
    this.#keyless.writeUInt32LE(flags >>> 0, MapElem.flags);
    this.#keyless.writeUInt32LE(Math.floor(flags / 0x1_0000_0000) >>> 0, MapElem.flags + 4);
    return this.#f.bpfAt(cmd, this.#keylessAt, MapElem.SIZE);
  }
}

export interface MapBatchAttr {
  mapFd: number;
  inBatch?: Uint8Array | null;
  outBatch?: Uint8Array | null;
  keys?: Uint8Array | null;
  values?: Uint8Array | null;
  count: number;
  elemFlags?: number;
  flags?: number;
}

/** BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}_BATCH. */
export function encodeMapBatch(a: MapBatchAttr, into?: Buffer): Buffer {
  return new AttrWriter(MapBatch.SIZE, into)
    .ptr(MapBatch.in_batch, a.inBatch)
    .ptr(MapBatch.out_batch, a.outBatch)
    .ptr(MapBatch.keys, a.keys)
    .ptr(MapBatch.values, a.values)
    .u32(MapBatch.count, a.count)
    .u32(MapBatch.map_fd, a.mapFd)
    .u64(MapBatch.elem_flags, a.elemFlags)
    .u64(MapBatch.flags, a.flags)
    .done();
}

/** How many elements a batch command processed (the kernel writes `count` back). */
export function batchCount(attr: Buffer): number {
  return attr.readUInt32LE(MapBatch.count);
}
