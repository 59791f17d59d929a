// Aggregation maps: how each kind is stored in the kernel and read back. Keyless counts and sums
// are a per-CPU array of one u64 (summed here); keyed ones a hash whose key is the parts' bytes
// (layout from codegen.ts) and whose value is a u64. Histograms are keyed sums with the bucket
// as the last key part.
import { bytes, u32, u64n } from '../codec.js';
import { keyLayout } from '../compiler/codegen.js';
import { fieldSize, type RecordDecoder, recordDecoder } from '../compiler/record.js';
import { NEGATIVE_BUCKET } from '../compiler/types.js';
import { BpfMap } from '../map.js';
import type { MapUse } from './context.js';

/** PERF_MAX_STACK_DEPTH: the frames a stack map entry holds. */
export const MAX_STACK_DEPTH = 127;

export interface Bucket {
  /** Inclusive bounds of the bucket's values (`-Infinity`/`Infinity` for lhist's under/over). */
  low: number;
  high: number;
  count: number;
}

export interface Histogram<K = unknown> {
  /** The key the histogram is for (undefined without a key; an array for tuple keys). */
  key: K;
  buckets: Bucket[];
  total: number;
}

/** An aggregation map read back; `K` is the type of its keys (see `entries()`). */
export class Aggregation<K = unknown> {
  readonly name: string;
  readonly kind: MapUse['kind'];
  readonly #use: MapUse;
  readonly #map: BpfMap<unknown, unknown>;
  readonly #inserts: BpfMap<unknown, unknown> | undefined;

  /** @internal */
  static createMap(use: MapUse, maxEntries: number, lru = false): BpfMap<unknown, unknown> {
    const name = use.name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, 15);
    if (use.kind === 'stacks')
      return BpfMap.create({
        type: 'stack_trace',
        key: u32,
        value: bytes(MAX_STACK_DEPTH * 8),
        maxEntries,
        name,
      }) as unknown as BpfMap<unknown, unknown>;
    if (use.key.length === 0)
      return BpfMap.create({
        type: 'percpu_array',
        key: u32,
        value: u64n,
        maxEntries: 1,
        name,
      }) as unknown as BpfMap<unknown, unknown>;
    const { size } = keyLayout(use.key.map((type) => ({ type }) as never));
    return BpfMap.create({
      type: lru ? 'lru_hash' : 'hash',
      key: bytes(size),
      value: u64n,
      maxEntries,
      name,
    }) as unknown as BpfMap<unknown, unknown>;
  }

  /** @internal */
  static sumPerCpu(values: readonly unknown[] | undefined): number {
    let n = 0;
    for (const v of values ?? []) n += Number(v);
    return n;
  }

  /** @internal */
  constructor(use: MapUse, map: BpfMap<unknown, unknown>, inserts?: BpfMap<unknown, unknown>) {
    this.name = use.name;
    this.kind = use.kind;
    this.#use = use;
    this.#map = map;
    this.#inserts = inserts;
  }

  /** lhist bounds. */
  get linearRange(): MapUse['linear'] {
    return this.#use.linear;
  }

  /** What each key part is (`comm`, `pid`, an argument's name, ...), in key order. */
  get keyNames(): readonly string[] {
    return this.#use.keyNames;
  }

  /**
   * Keys ever inserted into an LRU-capped map (see TracerOptions.labelSets); minus the live
   * keys, that is how many the kernel evicted. Undefined for maps without a cap.
   */
  insertions(): number | undefined {
    return this.#inserts ? Aggregation.sumPerCpu(this.#inserts.get(0) as unknown[]) : undefined;
  }

  #keyDecoder(): RecordDecoder<Record<string, number | bigint | string>> {
    const { offsets } = keyLayout(this.#use.key.map((type) => ({ type }) as never));
    const fields = this.#use.key.map((type, i) => ({
      name: `k${i}`,
      type,
      offset: offsets[i] as number,
      size: fieldSize(type),
    }));
    return recordDecoder({ fields, size: 0 });
  }

  /**
   * Every entry: the decoded key — the value itself for a single key, an array for a tuple,
   * undefined for a keyless aggregation — and its u64 value. (hist/lhist: see `histograms()`.)
   */
  entries(opts: { batch?: boolean } = {}): { key: K; value: number }[] {
    return this.rawEntries(opts).map((e) => ({ key: unwrapKey(e.key) as K, value: e.value }));
  }

  /** Entries with every key part in an array, also a single one (hist/lhist: the bucket last). */
  rawEntries(opts: { batch?: boolean } = {}): { key: unknown[]; value: number }[] {
    if (this.#use.key.length === 0)
      return [{ key: [], value: Aggregation.sumPerCpu(this.#map.get(0) as unknown[]) }];
    const decode = this.#keyDecoder();
    const out: { key: unknown[]; value: number }[] = [];
    // Batch: one syscall per few thousand entries instead of two per entry (a scrape of 10k keys).
    for (const [k, v] of opts.batch ? this.#map.entriesBatch() : this.#map.entries()) {
      const raw = k as Uint8Array;
      const rec = decode(new DataView(raw.buffer, raw.byteOffset, raw.byteLength), raw, 0);
      out.push({ key: this.#use.key.map((_, i) => rec[`k${i}`]), value: Number(v) });
    }
    return out;
  }

  /** The addresses of stack `id` (a stacks map), innermost first. */
  frames(id: number): bigint[] {
    if (this.kind !== 'stacks') throw new TypeError(`'${this.name}' is a ${this.kind}, not a stack map`);
    const raw = id < 0 ? undefined : (this.#map.get(id) as Uint8Array | undefined);
    if (!raw) return [];
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out: bigint[] = [];
    for (let at = 0; at < raw.byteLength; at += 8) {
      const ip = view.getBigUint64(at, true);
      if (ip === 0n) break;
      out.push(ip);
    }
    return out;
  }

  /** Empties the map (interval output starts each interval from zero). */
  clear(): void {
    if (this.#use.key.length === 0) {
      this.#map.set(
        0,
        (this.#map.get(0) as unknown[]).map(() => 0),
      );
      return;
    }
    for (const k of [...this.#map.keys()]) this.#map.delete(k);
  }

  /** The sum of every entry's value. */
  total(): number {
    return this.rawEntries().reduce((n, e) => n + e.value, 0);
  }

  /** hist/lhist maps as histograms, one per key. */
  histograms(): Histogram<K>[] {
    if (this.kind !== 'hist' && this.kind !== 'lhist')
      throw new TypeError(`'${this.name}' is a ${this.kind}, not a histogram`);
    const groups = new Map<string, { key: unknown; counts: Map<number, number> }>();
    for (const e of this.rawEntries()) {
      const key = e.key.slice(0, -1);
      const id = JSON.stringify(key, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
      let g = groups.get(id);
      if (!g) {
        g = { key: unwrapKey(key), counts: new Map() };
        groups.set(id, g);
      }
      const bucket = Number(e.key[e.key.length - 1]);
      g.counts.set(bucket, (g.counts.get(bucket) ?? 0) + e.value);
    }
    return [...groups.values()].map((g) => {
      const buckets =
        this.kind === 'hist'
          ? log2Buckets(g.counts)
          : linearBuckets(g.counts, this.#use.linear as NonNullable<MapUse['linear']>);
      return { key: g.key as K, buckets, total: buckets.reduce((n, b) => n + b.count, 0) };
    });
  }
}

/** A key as users see it: none → undefined, one part → the part, more → the array. */
function unwrapKey(parts: unknown[]): unknown {
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : parts;
}

/**
 * Bucket k ≥ 1 holds [2^(k-1), 2^k - 1]; bucket 0 holds 0. Every bucket up to the highest used,
 * after the negative values' bucket (-Infinity to -1) when there were some.
 */
function log2Buckets(counts: Map<number, number>): Bucket[] {
  const negative = counts.get(NEGATIVE_BUCKET);
  const top = Math.max(0, ...[...counts.keys()].filter((k) => k !== NEGATIVE_BUCKET));
  const out: Bucket[] = negative ? [{ low: Number.NEGATIVE_INFINITY, high: -1, count: negative }] : [];
  for (let k = 0; k <= top; k++) {
    const low = k === 0 ? 0 : 2 ** (k - 1);
    const high = k === 0 ? 0 : 2 ** k - 1;
    out.push({ low, high, count: counts.get(k) ?? 0 });
  }
  return out;
}

/** Bucket 0: below min; 1..n: [min + (i-1)·step, min + i·step - 1]; n + 1: max and above. */
function linearBuckets(
  counts: Map<number, number>,
  range: { min: number; max: number; step: number },
): Bucket[] {
  const n = Math.ceil((range.max - range.min) / range.step);
  const out: Bucket[] = [];
  if (counts.get(0))
    out.push({ low: Number.NEGATIVE_INFINITY, high: range.min - 1, count: counts.get(0) as number });
  for (let i = 1; i <= n; i++) {
    const low = range.min + (i - 1) * range.step;
    out.push({ low, high: low + range.step - 1, count: counts.get(i) ?? 0 });
  }
  if (counts.get(n + 1))
    out.push({
      low: range.min + n * range.step,
      high: Number.POSITIVE_INFINITY,
      count: counts.get(n + 1) as number,
    });
  return out;
}
