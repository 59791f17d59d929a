// In-memory BPF maps for the interpreter, with the kernel's update rules and error codes, so
// that map-using programs run unmodified. Values live in interpreter regions: a lookup returns
// a pointer the program can read and write, and the host sees the same bytes.

import { address, type Memory } from './memory.js';

export type InterpMapType =
  | 'hash'
  | 'array'
  | 'percpu_hash'
  | 'percpu_array'
  | 'lru_hash'
  | 'lru_percpu_hash'
  | 'ringbuf';

export interface InterpMapSpec {
  readonly type: InterpMapType;
  /** Bytes; array maps require 4. Ignored for ringbuf. */
  readonly keySize?: number;
  readonly valueSize?: number;
  /** Entries; for a ringbuf, its size in bytes. */
  readonly maxEntries: number;
}

/** Kernel errno values the map helpers return (negated), from include/uapi/asm-generic/errno-base.h. */
export const Errno = {
  ENOENT: 2,
  E2BIG: 7,
  EAGAIN: 11,
  EFAULT: 14,
  EEXIST: 17,
  EINVAL: 22,
  ENOSPC: 28,
} as const;
/** BPF_ANY / BPF_NOEXIST / BPF_EXIST from include/uapi/linux/bpf.h. */
export const UpdateFlag = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
  region: number;
}

const keyString = (key: Uint8Array): string => String.fromCharCode(...key);

/** A hash, LRU hash or array map (per-CPU maps behave as one CPU). */
export class InterpMap {
  readonly name: string;
  readonly type: InterpMapType;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** The region of the map handle itself (what `lddw rX, map` loads). */
  readonly handleRegion: number;
  readonly #memory: Memory;
  readonly #entries = new Map<string, Entry>();
  readonly #lru: boolean;
  readonly #array: boolean;

  constructor(name: string, spec: InterpMapSpec, memory: Memory) {
    this.name = name;
    this.type = spec.type;
    this.keySize = spec.keySize ?? 4;
    this.valueSize = spec.valueSize ?? 0;
    this.maxEntries = spec.maxEntries;
    this.#memory = memory;
    this.#lru = spec.type.startsWith('lru');
    this.#array = spec.type === 'array' || spec.type === 'percpu_array';
    if (this.#array && this.keySize !== 4) throw new RangeError(`map ${name}: array maps have 4-byte keys`);
    if (!(this.maxEntries > 0)) throw new RangeError(`map ${name}: maxEntries must be positive`);
    this.handleRegion = memory.allocate(`map ${name} (handle)`, new Uint8Array(0), false);
  }

  get isArray(): boolean {
    return this.#array;
  }

  #index(key: Uint8Array): number {
    return (key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24)) >>> 0;
  }

  /** Array maps: every element exists; created (zeroed) on first touch. */
  #arrayEntry(i: number): Entry | undefined {
    if (i >= this.maxEntries) return undefined;
    const k = String(i);
    let e = this.#entries.get(k);
    if (!e) {
      const key = new Uint8Array(4);
      new DataView(key.buffer).setUint32(0, i, true);
      const value = new Uint8Array(this.valueSize);
      e = { key, value, region: this.#memory.allocate(`${this.name}[${i}]`, value) };
      this.#entries.set(k, e);
    }
    return e;
  }

  /** The value's address for the program, or 0n. */
  lookupAddress(key: Uint8Array): bigint {
    const e = this.#lookup(key);
    return e ? address(e.region, 0) : 0n;
  }

  #lookup(key: Uint8Array): Entry | undefined {
    if (this.#array) return this.#arrayEntry(this.#index(key));
    const k = keyString(key);
    const e = this.#entries.get(k);
    if (e && this.#lru) {
      this.#entries.delete(k);
      this.#entries.set(k, e);
    }
    return e;
  }

  /** 0 or a negative errno, as bpf_map_update_elem returns. */
  update(key: Uint8Array, value: Uint8Array, flags = 0): number {
    if (flags > UpdateFlag.EXIST) return -Errno.EINVAL;
    if (this.#array) {
      const i = this.#index(key);
      if (i >= this.maxEntries) return -Errno.E2BIG;
      if (flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
      this.#arrayEntry(i)!.value.set(value.subarray(0, this.valueSize));
      return 0;
    }
    const k = keyString(key);
    const old = this.#entries.get(k);
    if (old && flags === UpdateFlag.NOEXIST) return -Errno.EEXIST;
    if (!old && flags === UpdateFlag.EXIST) return -Errno.ENOENT;
    if (old) {
      old.value.set(value.subarray(0, this.valueSize));
      return 0;
    }
    if (this.#entries.size >= this.maxEntries) {
      if (!this.#lru) return -Errno.E2BIG;
      // LRU: evict the least recently used (Map keeps insertion order; lookups re-insert).
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    const copy = Uint8Array.from(key);
    const v = new Uint8Array(this.valueSize);
    v.set(value.subarray(0, this.valueSize));
    this.#entries.set(k, { key: copy, value: v, region: this.#memory.allocate(`${this.name} value`, v) });
    return 0;
  }

  /** 0 or a negative errno, as bpf_map_delete_elem returns. */
  delete(key: Uint8Array): number {
    if (this.#array) return -Errno.EINVAL;
    return this.#entries.delete(keyString(key)) ? 0 : -Errno.ENOENT;
  }

  // Host-side API.
  get(key: Uint8Array): Uint8Array | undefined {
    return this.#lookup(key)?.value.slice();
  }

  set(key: Uint8Array, value: Uint8Array): void {
    const rc = this.update(key, value, UpdateFlag.ANY);
    if (rc !== 0) throw new RangeError(`map ${this.name}: update failed (errno ${-rc})`);
  }

  *entries(): IterableIterator<[Uint8Array, Uint8Array]> {
    for (const e of this.#entries.values()) yield [e.key.slice(), e.value.slice()];
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** BPF_RB_* record header size the kernel uses; reservations round up to 8 bytes. */
const RINGBUF_HEADER = 8;

/** A ring buffer: records reserved/output by the program, drained by the host in order. */
export class InterpRingBuf {
  readonly name: string;
  readonly type = 'ringbuf' as const;
  readonly capacity: number;
  readonly handleRegion: number;
  readonly #memory: Memory;
  /** Submitted records, oldest first; reserved ones wait in #pending until submit. */
  readonly #ready: Uint8Array[] = [];
  readonly #pending = new Map<number, { bytes: Uint8Array; order: number }>();
  #used = 0;
  #order = 0;

  constructor(name: string, spec: InterpMapSpec, memory: Memory) {
    this.name = name;
    this.capacity = spec.maxEntries;
    if (this.capacity <= 0 || (this.capacity & (this.capacity - 1)) !== 0)
      throw new RangeError(`ringbuf ${name}: size must be a power of two`);
    this.#memory = memory;
    this.handleRegion = memory.allocate(`ringbuf ${name} (handle)`, new Uint8Array(0), false);
  }

  #cost(size: number): number {
    return RINGBUF_HEADER + ((size + 7) & ~7);
  }

  /** bpf_ringbuf_reserve: a record's address, or 0n when full. */
  reserve(size: number): bigint {
    if (size <= 0 || this.#used + this.#cost(size) > this.capacity) return 0n;
    this.#used += this.#cost(size);
    const bytes = new Uint8Array(size);
    const region = this.#memory.allocate(`ringbuf ${this.name} record`, bytes);
    this.#pending.set(region, { bytes, order: this.#order++ });
    return address(region, 0);
  }

  /** bpf_ringbuf_submit/discard of the record at `region`; false if it is not a live reservation. */
  commit(region: number, keep: boolean): boolean {
    const rec = this.#pending.get(region);
    if (!rec) return false;
    this.#pending.delete(region);
    this.#memory.regions[region].live = false;
    if (keep) this.#ready.push(rec.bytes);
    else this.#used -= this.#cost(rec.bytes.byteLength);
    return true;
  }

  /** bpf_ringbuf_output: 0, or -EAGAIN when full (as the kernel). */
  output(data: Uint8Array): number {
    if (this.#used + this.#cost(data.byteLength) > this.capacity) return -Errno.EAGAIN;
    this.#used += this.#cost(data.byteLength);
    this.#ready.push(Uint8Array.from(data));
    return 0;
  }

  /** Takes every submitted record, oldest first, freeing their space. */
  drain(): Uint8Array[] {
    const out = this.#ready.splice(0);
    for (const r of out) this.#used -= this.#cost(r.byteLength);
    return out;
  }
}

export type AnyInterpMap = InterpMap | InterpRingBuf;

export function createMap(name: string, spec: InterpMapSpec, memory: Memory): AnyInterpMap {
  return spec.type === 'ringbuf' ? new InterpRingBuf(name, spec, memory) : new InterpMap(name, spec, memory);
}
