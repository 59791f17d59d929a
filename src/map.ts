// BPF maps: create any map type by name, typed keys and values (see ./codec.ts), element ops,
// iteration, batch ops, queue/stack/bloom ops, freeze, pin, info, open by id or path.
// Element ops are the hot path: each map keeps its attr and key/value scratch buffers with their
// addresses written once, so a lookup is one encode, one syscall and one decode.
import { preparePinPath } from './bpffs.js';
import { type Codec, codecOf, perCpu, u32, type ValueSpec } from './codec.js';
import { possibleCpus } from './cpus.js';
import { closeRawFd, FdObject } from './fd.js';
import { MapBatch, MapCreate, MapElem, MapInfo as MapInfoLayout, OBJ_NAME_LEN } from './sys/attr.js';
import {
  bpf,
  bpfTry,
  Cmd,
  commandName,
  fdById,
  getName,
  hintFor,
  infoByFd,
  nextId,
  objGet,
  objPin,
  putName,
  putPointer,
} from './sys/bpf.js';
import { BpfError, Errno } from './sys/errno.js';
import { addressOf, lastErrno, NR_BPF, sysBpfAt } from './sys/libc.js';
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
  | 'cgroup_array';

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

const NAME_RE = /^[A-Za-z0-9_.]*$/;

function checkName(name: string): void {
  if (name.length >= OBJ_NAME_LEN || !NAME_RE.test(name)) {
    throw new TypeError(`bad map name '${name}': at most 15 characters of [A-Za-z0-9_.]`);
  }
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
  /** Prepared attrs: lookup/update/delete point at kbuf/vbuf; keyless ones at NULL/vbuf. */
  readonly #elem: Buffer;
  readonly #keyless: Buffer;
  /** DELETE_ELEM's last field is `key`: value and flags must be zero. */
  readonly #del: Buffer;
  readonly #elemAt: number;
  readonly #delAt: number;
  readonly #keylessAt: number;
  #elemFlags = 0;

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
    this.#elem = Buffer.alloc(MapElem.SIZE);
    this.#elem.writeUInt32LE(fd, MapElem.map_fd);
    this.#elem.writeBigUInt64LE(addressOf(this.#kbuf), MapElem.key);
    this.#elem.writeBigUInt64LE(addressOf(this.#vbuf), MapElem.value);
    this.#del = Buffer.alloc(MapElem.SIZE);
    this.#elem.copy(this.#del, 0, 0, MapElem.value);
    this.#keyless = Buffer.alloc(MapElem.SIZE);
    this.#keyless.writeUInt32LE(fd, MapElem.map_fd);
    this.#keyless.writeBigUInt64LE(addressOf(this.#vbuf), MapElem.value);
    this.#elemAt = Number(addressOf(this.#elem));
    this.#delAt = Number(addressOf(this.#del));
    this.#keylessAt = Number(addressOf(this.#keyless));
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
    checkName(name);
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

    const attr = Buffer.alloc(MapCreate.SIZE);
    attr.writeUInt32LE(type, MapCreate.map_type);
    attr.writeUInt32LE(keyCodec.size, MapCreate.key_size);
    attr.writeUInt32LE(valueCodec.size, MapCreate.value_size);
    attr.writeUInt32LE(opts.maxEntries, MapCreate.max_entries);
    attr.writeUInt32LE(flags >>> 0, MapCreate.map_flags);
    if (opts.innerMap !== undefined) {
      attr.writeUInt32LE(
        typeof opts.innerMap === 'number' ? opts.innerMap : opts.innerMap.fd,
        MapCreate.inner_map_fd,
      );
    }
    attr.writeUInt32LE(opts.numaNode ?? 0, MapCreate.numa_node);
    putName(attr, MapCreate.map_name, name);
    attr.writeUInt32LE(opts.ifindex ?? 0, MapCreate.map_ifindex);
    if (opts.btf) {
      attr.writeUInt32LE(opts.btf.fd, MapCreate.btf_fd);
      attr.writeUInt32LE(opts.btf.keyTypeId ?? 0, MapCreate.btf_key_type_id);
      attr.writeUInt32LE(opts.btf.valueTypeId ?? 0, MapCreate.btf_value_type_id);
      attr.writeUInt32LE(opts.btf.vmlinuxValueTypeId ?? 0, MapCreate.btf_vmlinux_value_type_id);
    }
    attr.writeBigUInt64LE(BigInt(opts.mapExtra ?? 0), MapCreate.map_extra);
    const fd = bpf(
      Cmd.MAP_CREATE,
      attr,
      MapCreate.SIZE,
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
    try {
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
      const userValue = PERCPU.has(info.type)
        ? (perCpu(value, possibleCpus()) as unknown as Codec<V>)
        : value;
      return new BpfMap<K, V>(fd, info, key, userValue);
    } catch (err) {
      closeRawFd(fd);
      throw err;
    }
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
    return BpfMap.#adopt(objGet(path), opts);
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
    return BpfMap.#adopt(fdById(Cmd.MAP_GET_FD_BY_ID, id), opts);
  }

  /** Ids of all maps loaded in the kernel. */
  static *ids(): Generator<number> {
    for (let id = nextId(Cmd.MAP_GET_NEXT_ID, 0); id !== undefined; id = nextId(Cmd.MAP_GET_NEXT_ID, id))
      yield id;
  }

  #fail(cmd: number, errno: number): never {
    throw new BpfError(commandName(cmd), errno, hintFor(cmd, errno), `map '${this.name}'`);
  }

  /** One element command on a prepared attr (by address); 0 or the errno. */
  #call(cmd: number, attrAddress: number): number {
    const r = sysBpfAt(NR_BPF, cmd, attrAddress, MapElem.SIZE);
    return r < 0 ? lastErrno() : 0;
  }

  #checkOpen(): void {
    if (this.closed) throw new Error(`map '${this.name}' is closed`);
  }

  /** The value at `key`, or undefined if there is none. `flags`: UpdateFlags.F_LOCK. */
  get(key: K, flags = 0): V | undefined {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    if (flags !== this.#elemFlags) this.#setFlags(flags);
    const e = this.#call(Cmd.MAP_LOOKUP_ELEM, this.#elemAt);
    if (e !== 0) {
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
    if (flags !== this.#elemFlags) this.#setFlags(flags);
    const e = this.#call(Cmd.MAP_UPDATE_ELEM, this.#elemAt);
    if (e !== 0) this.#fail(Cmd.MAP_UPDATE_ELEM, e);
    return this;
  }

  /** Deletes `key`; returns false if it was not there. */
  delete(key: K): boolean {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    const e = this.#call(Cmd.MAP_DELETE_ELEM, this.#delAt);
    if (e === 0) return true;
    if (e === Errno.ENOENT) return false;
    this.#fail(Cmd.MAP_DELETE_ELEM, e);
  }

  /** Removes and returns the value at `key` (hash maps: 5.14+), or undefined. */
  lookupAndDelete(key: K): V | undefined {
    this.#checkOpen();
    this.#key.encode(key, this.#kbuf, 0);
    if (this.#elemFlags !== 0) this.#setFlags(0);
    const e = this.#call(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, this.#elemAt);
    if (e === Errno.ENOENT) return undefined;
    if (e !== 0) this.#fail(Cmd.MAP_LOOKUP_AND_DELETE_ELEM, e);
    return this.#value.decode(this.#vbuf, 0);
  }

  #setFlags(flags: number): void {
    this.#elem.writeBigUInt64LE(BigInt(flags), MapElem.flags);
    this.#elemFlags = flags;
  }

  #keylessOp(cmd: number, flags: number): number {
    this.#checkOpen();
    this.#keyless.writeBigUInt64LE(BigInt(flags), MapElem.flags);
    return this.#call(cmd, this.#keylessAt);
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
    const attr = Buffer.alloc(MapElem.SIZE);
    attr.writeUInt32LE(this.fd, MapElem.map_fd);
    putPointer(attr, MapElem.next_key, next);
    for (let first = true; ; first = false) {
      const r = bpfTry(Cmd.MAP_GET_NEXT_KEY, attr, MapElem.SIZE);
      if (r === -Errno.ENOENT) return;
      if (r < 0) this.#fail(Cmd.MAP_GET_NEXT_KEY, -r);
      if (first) putPointer(attr, MapElem.key, cur);
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
    const attr = Buffer.alloc(MapBatch.SIZE);
    let total = 0;
    for (let first = true; ; ) {
      attr.fill(0);
      if (!first) putPointer(attr, MapBatch.in_batch, inTok);
      putPointer(attr, MapBatch.out_batch, outTok);
      putPointer(attr, MapBatch.keys, keys);
      putPointer(attr, MapBatch.values, values);
      attr.writeUInt32LE(chunk, MapBatch.count);
      attr.writeUInt32LE(this.fd, MapBatch.map_fd);
      attr.writeBigUInt64LE(BigInt(opts.elemFlags ?? 0), MapBatch.elem_flags);
      const r = bpfTry(cmd, attr, MapBatch.SIZE);
      const count = attr.readUInt32LE(MapBatch.count);
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
    const attr = Buffer.alloc(MapBatch.SIZE);
    putPointer(attr, MapBatch.keys, keys);
    putPointer(attr, MapBatch.values, values);
    attr.writeUInt32LE(list.length, MapBatch.count);
    attr.writeUInt32LE(this.fd, MapBatch.map_fd);
    attr.writeBigUInt64LE(BigInt(flags), MapBatch.elem_flags);
    const r = bpfTry(Cmd.MAP_UPDATE_BATCH, attr, MapBatch.SIZE);
    if (r < 0) this.#fail(Cmd.MAP_UPDATE_BATCH, -r);
    return attr.readUInt32LE(MapBatch.count);
  }

  /** Deletes many keys in one BPF_MAP_DELETE_BATCH call; returns how many were deleted. */
  deleteBatch(keysToDelete: Iterable<K>): number {
    this.#checkOpen();
    const list = [...keysToDelete];
    if (list.length === 0) return 0;
    const ks = this.#key.size;
    const keys = Buffer.alloc(list.length * ks || 8);
    for (const [i, k] of list.entries()) this.#key.encode(k, keys, i * ks);
    const attr = Buffer.alloc(MapBatch.SIZE);
    putPointer(attr, MapBatch.keys, keys);
    attr.writeUInt32LE(list.length, MapBatch.count);
    attr.writeUInt32LE(this.fd, MapBatch.map_fd);
    const r = bpfTry(Cmd.MAP_DELETE_BATCH, attr, MapBatch.SIZE);
    if (r < 0 && r !== -Errno.ENOENT) this.#fail(Cmd.MAP_DELETE_BATCH, -r);
    return attr.readUInt32LE(MapBatch.count);
  }

  /** Makes the map read-only for user space (BPF_MAP_FREEZE); programs may still write. */
  freeze(): void {
    const attr = Buffer.alloc(MapElem.SIZE);
    attr.writeUInt32LE(this.fd, MapElem.map_fd);
    bpf(Cmd.MAP_FREEZE, attr, 4, `map '${this.name}'`);
  }

  /** Pins the map at a bpffs path (mounting /sys/fs/bpf and making directories as needed). */
  pin(path: string): void {
    preparePinPath(path);
    objPin(this.fd, path);
  }

  /** The kernel's view of this map. */
  info(): MapInfo {
    return readMapInfo(this.fd);
  }
}

function readMapInfo(fd: number): MapInfo {
  const b = Buffer.alloc(MapInfoLayout.SIZE);
  infoByFd(fd, b);
  const L = MapInfoLayout;
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
