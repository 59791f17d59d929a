// BPF maps: create any map type by name, typed keys and values (see ./codec.ts), element ops,
// iteration, batch ops, queue/stack/bloom ops, freeze, pin, info, open by id or path.
// Element ops are the hot path: each map keeps its attr and key/value scratch buffers with their
// addresses written once, so a lookup is one encode, one syscall and one decode.
import { type Codec, codecOf, perCpu, u32, type ValueSpec } from './codec.js';
import { possibleCpus } from './cpus.js';
import { FdObject } from './fd.js';
import { MAP_OBJECTS, objectIds, openObjectById, openPinnedObject, pinObject } from './kernel-object.js';
import { type MapInfo, readMapInfo } from './sys/attrs/info.js';
import {
  batchCount,
  encodeMapBatch,
  encodeMapCreate,
  encodeMapElem,
  encodeMapFreeze,
  MapElemAttrs,
} from './sys/attrs/map.js';
import { checkObjectName } from './sys/attrs/writer.js';
import { bpf, bpfError, bpfTry, Cmd } from './sys/bpf.js';
import { Errno } from './sys/errno.js';
import { funnel } from './sys/funnel.js';
import { MapFlags, MapType, type MapTypeName, mapTypeName, resolveEnum, UpdateFlags } from './sys/types.js';

const PERCPU = new Set<number>([
  MapType.percpu_hash,
  MapType.percpu_array,
  MapType.lru_percpu_hash,
  MapType.percpu_cgroup_storage,
]);
/** Types whose key is absent (size 0). */
const KEYLESS = new Set<number>([
  MapType.queue,
  MapType.stack,
  MapType.bloom_filter,
  MapType.ringbuf,
  MapType.user_ringbuf,
  MapType.arena,
]);
/** Types whose values are fds going in (u32) and ids coming out. */
const FD_VALUES = new Set<number>([
  MapType.prog_array,
  MapType.perf_event_array,
  MapType.cgroup_array,
  MapType.array_of_maps,
  MapType.hash_of_maps,
  MapType.devmap,
  MapType.devmap_hash,
  MapType.cpumap,
  MapType.xskmap,
  MapType.sockmap,
  MapType.sockhash,
  MapType.reuseport_sockarray,
]);

/** Whether map type `type` keeps one value per possible CPU. */
export function isPerCpu(type: number): boolean {
  return PERCPU.has(type);
}

export type PercpuMapTypeName = 'percpu_hash' | 'percpu_array' | 'lru_percpu_hash' | 'percpu_cgroup_storage';

/** Types whose values are fds going in and ids coming out (values default to `fdRef`). */
export type FdMapTypeName =
  | 'prog_array'
  | 'array_of_maps'
  | 'hash_of_maps'
  | 'perf_event_array'
  | 'cgroup_array'
  | 'sockmap'
  | 'sockhash';

/** Something with an fd (a BpfMap, a Program) or a raw fd: what map-in-map and prog-array values take. */
export type FdRef = number | { readonly fd: number };

/** Map-in-map and prog-array values: an object or fd going in, the object's kernel id coming out. */
export const fdRef: Codec<FdRef> = {
  size: 4,
  encode: (v, b, o) => void b.writeUInt32LE(typeof v === 'number' ? v : v.fd, o),
  decode: (b, o) => b.readUInt32LE(o),
};

export interface MapOptions<K = Uint8Array, V = Uint8Array> {
  type: MapTypeName | number;
  /** Key: a byte size, a typed-binary schema or a codec. Default: none for keyless types, else u32. */
  key?: ValueSpec<K>;
  /** Value (per CPU, for per-CPU types). Default: u32 fds for fd-valued types, 0 for ringbufs. */
  value?: ValueSpec<V>;
  maxEntries: number;
  /** At most 15 characters of [A-Za-z0-9_.]. */
  name?: string;
  /** MapFlags bits (BPF_F_*). */
  flags?: number;
  /** Allocate on this NUMA node (sets BPF_F_NUMA_NODE). */
  numaNode?: number;
  /** The template inner map for array_of_maps / hash_of_maps. */
  innerMap?: FdRef;
  /** map_extra: bloom filter hash count (low 4 bits), arena address hint. */
  mapExtra?: number | bigint;
  ifindex?: number;
  /** BTF describing key and value. */
  btf?: { fd: number; keyTypeId?: number; valueTypeId?: number; vmlinuxValueTypeId?: number };
}

export type { MapInfo };

/** Codecs for an existing map when opening it by id or path. */
export interface OpenOptions<K, V> {
  key?: ValueSpec<K>;
  /** The value (per CPU, for per-CPU maps). */
  value?: ValueSpec<V>;
  /**
   * True to open a per-CPU map (its values are one per possible CPU: `V[]`), false or absent for
   * any other; a mismatch is a TypeError, so the map's type is what its values say.
   */
  perCpu?: boolean;
}

/** A scratch Buffer of at least one byte (so its address is real and stable). */
function scratch(size: number): Buffer {
  return Buffer.alloc(Math.max(size, 8));
}

export class BpfMap<K = Uint8Array, V = Uint8Array> extends FdObject {
  readonly type: number;
  readonly keySize: number;
  /** The kernel's value size (per CPU, for per-CPU maps). */
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly flags: number;
  readonly name: string;
  /** A per-CPU type: `get()` returns (and `set()` takes) one value per possible CPU. */
  readonly perCpu: boolean;
  readonly #key: Codec<K>;
  readonly #value: Codec<V>;
  /** Scratch: key, next key, value (user-facing size: all CPUs for per-CPU maps). */
  readonly #kbuf: Buffer;
  readonly #vbuf: Buffer;
  /** Prepared element attrs pointing at kbuf/vbuf (the hot path: one syscall by address). */
  readonly #attrs: MapElemAttrs;

  private constructor(
    fd: number,
    info: Omit<
      MapInfo,
      'id' | 'typeName' | 'btfId' | 'btfKeyTypeId' | 'btfValueTypeId' | 'mapExtra' | 'ifindex'
    >,
    key: Codec<K>,
    value: Codec<V>,
  ) {
    super(fd, `map '${info.name}'`);
    this.type = info.type;
    this.keySize = info.keySize;
    this.valueSize = info.valueSize;
    this.maxEntries = info.maxEntries;
    this.flags = info.flags;
    this.name = info.name;
    this.perCpu = PERCPU.has(info.type);
    this.#key = key;
    this.#value = value;
    this.#kbuf = scratch(key.size);
    this.#vbuf = scratch(value.size);
    this.#attrs = new MapElemAttrs(funnel(), fd, this.#kbuf, this.#vbuf);
  }

  protected describe(): string {
    return `map '${this.name}'`;
  }

  /** The map type's name, e.g. `hash`. */
  get typeName(): string {
    return mapTypeName(this.type);
  }

  /** Creates a map (BPF_MAP_CREATE). Per-CPU types take and return one value per possible CPU. */
  static create<K = Uint8Array, V = Uint8Array>(
    opts: MapOptions<K, V> & { type: PercpuMapTypeName },
  ): BpfMap<K, V[]>;
  static create<K = number>(opts: MapOptions<K, FdRef> & { type: FdMapTypeName }): BpfMap<K, FdRef>;
  static create<K = Uint8Array, V = Uint8Array>(opts: MapOptions<K, V>): BpfMap<K, V>;
  static create<K, V>(opts: MapOptions<K, V>): BpfMap<K, V> | BpfMap<K, V[]> {
    const type = resolveEnum('map type', MapType, opts.type);
    const name = opts.name ?? '';
    checkObjectName('map', name);
    const keyCodec = codecOf<K>(opts.key ?? (KEYLESS.has(type) ? 0 : (u32 as unknown as ValueSpec<K>)));
    const valueCodec = codecOf<V>(
      opts.value ??
        (FD_VALUES.has(type)
          ? (fdRef as unknown as ValueSpec<V>)
          : type === MapType.ringbuf || type === MapType.user_ringbuf
            ? 0
            : 4),
    );
    let flags = opts.flags ?? 0;
    if (opts.numaNode !== undefined) flags |= MapFlags.NUMA_NODE;

    const attr = encodeMapCreate({
      type,
      keySize: keyCodec.size,
      valueSize: valueCodec.size,
      maxEntries: opts.maxEntries,
      flags,
      innerMapFd: typeof opts.innerMap === 'object' ? opts.innerMap.fd : opts.innerMap,
      numaNode: opts.numaNode,
      name,
      ifindex: opts.ifindex,
      btfFd: opts.btf?.fd,
      btfKeyTypeId: opts.btf?.keyTypeId,
      btfValueTypeId: opts.btf?.valueTypeId,
      btfVmlinuxValueTypeId: opts.btf?.vmlinuxValueTypeId,
      mapExtra: opts.mapExtra,
    });
    const fd = bpf(
      Cmd.MAP_CREATE,
      attr,
      attr.byteLength,
      `${mapTypeName(type)} map${name ? ` '${name}'` : ''}`,
    );
    const info = {
      type,
      keySize: keyCodec.size,
      valueSize: valueCodec.size,
      maxEntries: opts.maxEntries,
      flags,
      name,
    };
    const userValue = PERCPU.has(type)
      ? (perCpu(valueCodec, possibleCpus()) as unknown as Codec<V>)
      : valueCodec;
    return new BpfMap<K, V>(fd, info, keyCodec, userValue);
  }

  /** Wraps an fd we own (from OBJ_GET or GET_FD_BY_ID), reading the map's shape from the kernel. */
  static #adopt<K, V>(fd: number, opts: OpenOptions<K, V>): BpfMap<K, V> {
    const info = readMapInfo(fd);
    const key = codecOf<K>(opts.key ?? (info.keySize as ValueSpec<K>));
    const value = codecOf<V>(opts.value ?? (info.valueSize as ValueSpec<V>));
    if (key.size !== info.keySize || value.size !== info.valueSize) {
      throw new TypeError(
        `map '${info.name}' has key/value sizes ${info.keySize}/${info.valueSize}, the codecs given have ${key.size}/${value.size}`,
      );
    }
    if (PERCPU.has(info.type) !== (opts.perCpu ?? false))
      throw new TypeError(
        PERCPU.has(info.type)
          ? `map '${info.name}' is a ${mapTypeName(info.type)}: open it with { perCpu: true } (its values are one per CPU)`
          : `map '${info.name}' is a ${mapTypeName(info.type)}, not a per-CPU map: open it without perCpu`,
      );
    const userValue = PERCPU.has(info.type) ? (perCpu(value, possibleCpus()) as unknown as Codec<V>) : value;
    return new BpfMap<K, V>(fd, info, key, userValue);
  }

  /** Opens a map pinned at a bpffs path (a per-CPU one with `{ perCpu: true }`). */
  static openPinned<K = Uint8Array, V = Uint8Array>(
    path: string,
    opts: OpenOptions<K, V> & { perCpu: true },
  ): BpfMap<K, V[]>;
  static openPinned<K = Uint8Array, V = Uint8Array>(
    path: string,
    opts?: OpenOptions<K, V> & { perCpu?: false },
  ): BpfMap<K, V>;
  static openPinned<K = Uint8Array, V = Uint8Array>(
    path: string,
    opts: OpenOptions<K, V>,
  ): BpfMap<K, V> | BpfMap<K, V[]>;
  static openPinned<K, V>(path: string, opts: OpenOptions<K, V> = {}): BpfMap<K, V> | BpfMap<K, V[]> {
    return openPinnedObject(path, (fd) => BpfMap.#adopt<K, V>(fd, opts));
  }

  /** Opens a map by its kernel id (a per-CPU one with `{ perCpu: true }`). */
  static fromId<K = Uint8Array, V = Uint8Array>(
    id: number,
    opts: OpenOptions<K, V> & { perCpu: true },
  ): BpfMap<K, V[]>;
  static fromId<K = Uint8Array, V = Uint8Array>(
    id: number,
    opts?: OpenOptions<K, V> & { perCpu?: false },
  ): BpfMap<K, V>;
  static fromId<K = Uint8Array, V = Uint8Array>(
    id: number,
    opts: OpenOptions<K, V>,
  ): BpfMap<K, V> | BpfMap<K, V[]>;
  static fromId<K, V>(id: number, opts: OpenOptions<K, V> = {}): BpfMap<K, V> | BpfMap<K, V[]> {
    return openObjectById(MAP_OBJECTS, id, (fd) => BpfMap.#adopt<K, V>(fd, opts));
  }

  /** Ids of all maps loaded in the kernel. */
  static ids(): Generator<number> {
    return objectIds(MAP_OBJECTS);
  }

  #fail(cmd: number, errno: number): never {
    throw bpfError(cmd, errno, `map '${this.name}'`);
  }

  #checkOpen(): void {
    if (this.closed) throw new Error(`map '${this.name}' is closed`);
  }

  /** The value at `key`, or undefined if there is none. `flags`: UpdateFlags.F_LOCK. */
  get(key: K, flags = 0): V | undefined {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    const e = -this.#attrs.elem(Cmd.MAP_LOOKUP_ELEM, flags);
    if (e > 0) {
      if (e === Errno.ENOENT) return undefined;
      this.#fail(Cmd.MAP_LOOKUP_ELEM, e);
    }
    return this.#value.decode(this.#vbuf, 0);
  }

  /** True if `key` has a value. */
  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Sets `key` to `value`. `flags`: UpdateFlags.ANY (default), NOEXIST, EXIST, F_LOCK. */
  set(key: K, value: V, flags: number = UpdateFlags.ANY): this {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    this.#value.encode(value, this.#vbuf, 0);
    const e = -this.#attrs.elem(Cmd.MAP_UPDATE_ELEM, flags);
    if (e > 0) this.#fail(Cmd.MAP_UPDATE_ELEM, e);
    return this;
  }

  /** Deletes `key`; returns false if it was not there. */
  delete(key: K): boolean {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    const e = -this.#attrs.delete(Cmd.MAP_DELETE_ELEM);
    if (e <= 0) return true;
    if (e === Errno.ENOENT) return false;
    this.#fail(Cmd.MAP_DELETE_ELEM, e);
  }

  /** Removes and returns the value at `key` (hash maps: 5.14+), or undefined. */
  lookupAndDelete(key: K): V | undefined {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    const e = -this.#attrs.elem(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, 0);
    if (e === Errno.ENOENT) return undefined;
    if (e > 0) this.#fail(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, e);
    return this.#value.decode(this.#vbuf, 0);
  }

  /** A keyless element command (queue/stack/bloom); 0 or the errno. */
  #keylessOp(cmd: number, flags: number): number {
    this.#checkOpen();
    const r = this.#attrs.keyless(cmd, flags);
    return r < 0 ? -r : 0;
  }

  /** Queue/stack: adds a value; bloom filter: adds a member. */
  push(value: V, flags: number = UpdateFlags.ANY): void {
    this.#value.encode(value, this.#vbuf, 0);
    const e = this.#keylessOp(Cmd.MAP_UPDATE_ELEM, flags);
    if (e !== 0) this.#fail(Cmd.MAP_UPDATE_ELEM, e);
  }

  /** Queue/stack: removes and returns the next value, or undefined when empty. */
  pop(): V | undefined {
    const e = this.#keylessOp(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, 0);
    if (e === Errno.ENOENT) return undefined;
    if (e !== 0) this.#fail(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, e);
    return this.#value.decode(this.#vbuf, 0);
  }

  /** Queue/stack: the next value without removing it, or undefined when empty. */
  peek(): V | undefined {
    const e = this.#keylessOp(Cmd.MAP_LOOKUP_ELEM, 0);
    if (e === Errno.ENOENT) return undefined;
    if (e !== 0) this.#fail(Cmd.MAP_LOOKUP_ELEM, e);
    return this.#value.decode(this.#vbuf, 0);
  }

  /** Bloom filter: false if `value` is certainly absent, true if it may be present. */
  mayContain(value: V): boolean {
    this.#value.encode(value, this.#vbuf, 0);
    const e = this.#keylessOp(Cmd.MAP_LOOKUP_ELEM, 0);
    if (e === 0) return true;
    if (e === Errno.ENOENT) return false;
    this.#fail(Cmd.MAP_LOOKUP_ELEM, e);
  }

  /** Keys in the kernel's order (BPF_MAP_GET_NEXT_KEY). Safe against deletion of the current key. */
  *keys(): Generator<K> {
    this.#checkOpen();
    const size = this.#key.size;
    const cur = scratch(size);
    const next = scratch(size);
    // The first call has no key (the kernel answers the first key); the rest ask after `cur`.
    let attr = encodeMapElem({ mapFd: this.fd, value: next });
    for (let first = true; ; first = false) {
      const r = bpfTry(Cmd.MAP_GET_NEXT_KEY, attr, attr.byteLength);
      if (r === -Errno.ENOENT) return;
      if (r < 0) this.#fail(Cmd.MAP_GET_NEXT_KEY, -r);
      if (first) attr = encodeMapElem({ mapFd: this.fd, key: cur, value: next });
      next.copy(cur, 0, 0, size);
      yield this.#key.decode(cur, 0);
    }
  }

  /** [key, value] pairs by next-key iteration (one lookup per key; see entriesBatch for bulk). */
  *entries(): Generator<[K, V]> {
    for (const key of this.keys()) {
      const value = this.get(key);
      if (value !== undefined) yield [key, value];
    }
  }

  [Symbol.iterator](): Generator<[K, V]> {
    return this.entries();
  }

  /**
   * BPF_MAP_LOOKUP_BATCH (or LOOKUP_AND_DELETE_BATCH with `deleting`): calls `onChunk` with the
   * raw keys and values Buffers (reused between chunks) and the entry count of each chunk.
   * Returns the total number of entries. The cheapest way to read a whole map.
   */
  lookupBatchRaw(
    onChunk: (keys: Buffer, values: Buffer, count: number) => void,
    opts: { chunk?: number; deleting?: boolean; elemFlags?: number } = {},
  ): number {
    this.#checkOpen();
    const cmd = opts.deleting ? Cmd.MAP_LOOKUP_AND_DELETE_BATCH : Cmd.MAP_LOOKUP_BATCH;
    let chunk = Math.max(1, Math.min(opts.chunk ?? 4096, this.maxEntries));
    const tokenSize = Math.max(this.keySize, 8);
    const inTok = Buffer.alloc(tokenSize);
    const outTok = Buffer.alloc(tokenSize);
    let keys = Buffer.alloc(chunk * this.#key.size || 8);
    let values = Buffer.alloc(chunk * this.#value.size || 8);
    let attr: Buffer | undefined;
    let total = 0;
    for (let first = true; ; ) {
      attr = encodeMapBatch(
        {
          mapFd: this.fd,
          inBatch: first ? null : inTok,
          outBatch: outTok,
          keys,
          values,
          count: chunk,
          elemFlags: opts.elemFlags,
        },
        attr,
      );
      const r = bpfTry(cmd, attr, attr.byteLength);
      const count = batchCount(attr);
      if (r < 0 && r !== -Errno.ENOENT) {
        // A hash bucket larger than the chunk: grow and retry from the same position.
        if (r === -Errno.ENOSPC && count === 0 && chunk < 1 << 24) {
          chunk *= 2;
          keys = Buffer.alloc(chunk * this.#key.size || 8);
          values = Buffer.alloc(chunk * this.#value.size || 8);
          continue;
        }
        this.#fail(cmd, -r);
      }
      if (count > 0) onChunk(keys, values, count);
      total += count;
      if (r < 0) return total; // ENOENT: that was the last chunk
      outTok.copy(inTok);
      first = false;
    }
  }

  /** All [key, value] pairs via BPF_MAP_LOOKUP_BATCH, decoded. */
  *entriesBatch(opts: { chunk?: number } = {}): Generator<[K, V]> {
    const out: [K, V][] = [];
    const ks = this.#key.size;
    const vs = this.#value.size;
    this.lookupBatchRaw((keys, values, count) => {
      for (let i = 0; i < count; i++)
        out.push([this.#key.decode(keys, i * ks), this.#value.decode(values, i * vs)]);
    }, opts);
    yield* out;
  }

  /** Removes and returns all entries (BPF_MAP_LOOKUP_AND_DELETE_BATCH). */
  drainBatch(opts: { chunk?: number } = {}): [K, V][] {
    const out: [K, V][] = [];
    const ks = this.#key.size;
    const vs = this.#value.size;
    this.lookupBatchRaw(
      (keys, values, count) => {
        for (let i = 0; i < count; i++)
          out.push([this.#key.decode(keys, i * ks), this.#value.decode(values, i * vs)]);
      },
      { ...opts, deleting: true },
    );
    return out;
  }

  /** Sets many entries in one BPF_MAP_UPDATE_BATCH call; returns how many were written. */
  updateBatch(entries: Iterable<readonly [K, V]>, flags: number = UpdateFlags.ANY): number {
    this.#checkOpen();
    const list = Array.isArray(entries) ? (entries as (readonly [K, V])[]) : [...entries];
    if (list.length === 0) return 0;
    const ks = this.#key.size;
    const vs = this.#value.size;
    const keys = Buffer.alloc(list.length * ks || 8);
    const values = Buffer.alloc(list.length * vs || 8);
    list.forEach(([k, v], i) => {
      this.#key.encode(k, keys, i * ks);
      this.#value.encode(v, values, i * vs);
    });
    const attr = encodeMapBatch({ mapFd: this.fd, keys, values, count: list.length, elemFlags: flags });
    const r = bpfTry(Cmd.MAP_UPDATE_BATCH, attr, attr.byteLength);
    if (r < 0) this.#fail(Cmd.MAP_UPDATE_BATCH, -r);
    return batchCount(attr);
  }

  /** Deletes many keys in one BPF_MAP_DELETE_BATCH call; returns how many were deleted. */
  deleteBatch(keysToDelete: Iterable<K>): number {
    this.#checkOpen();
    const list = [...keysToDelete];
    if (list.length === 0) return 0;
    const ks = this.#key.size;
    const keys = Buffer.alloc(list.length * ks || 8);
    for (const [i, k] of list.entries()) this.#key.encode(k, keys, i * ks);
    const attr = encodeMapBatch({ mapFd: this.fd, keys, count: list.length });
    const r = bpfTry(Cmd.MAP_DELETE_BATCH, attr, attr.byteLength);
    if (r < 0 && r !== -Errno.ENOENT) this.#fail(Cmd.MAP_DELETE_BATCH, -r);
    return batchCount(attr);
  }

  /** Makes the map read-only for user space (BPF_MAP_FREEZE); programs may still write. */
  freeze(): void {
    const attr = encodeMapFreeze(this.fd);
    bpf(Cmd.MAP_FREEZE, attr, attr.byteLength, `map '${this.name}'`);
  }

  /** Pins the map at a bpffs path (mounting /sys/fs/bpf and making directories as needed). */
  pin(path: string): void {
    pinObject(this.fd, path);
  }

  /** The kernel's view of this map. */
  info(): MapInfo {
    return readMapInfo(this.fd);
  }
}
