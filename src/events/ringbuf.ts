// BPF ring buffer reader (BPF_MAP_TYPE_RINGBUF). Layout, from kernel/bpf/ringbuf.c: page 0 holds
// consumer_pos (we write it), page 1 producer_pos (read-only), then the data area. The kernel
// offers the data area twice back to back (so a record that wraps stays contiguous), but every
// page it maps counts in the process's resident memory at once: we map it once, and copy the
// rare record that wraps the end into a scratch buffer. Each record has an 8-byte header (u32
// len with BUSY bit 31 and DISCARD bit 30, u32 page offset), and is 8-byte aligned. Records are
// handed over zero-copy: a DataView over the mapping, valid until the consumer moves past it.
import { getpagesize } from '../sys/libc.js';
import { type Mapping, mapShared, PROT_READ, PROT_WRITE, unmap } from '../sys/mmap.js';
import { bindDecoder, type Decode, type EventCodec, type EventDecoder } from './decode.js';
import { EventReader, type RecordCallback } from './reader.js';

const BUSY = 0x8000_0000;
const DISCARD = 0x4000_0000;
const HEADER = 8;
/** The largest ring this reader maps (its offsets stay int32). */
const MAX_RING = 0x4000_0000;
/** Records per drain call at most, as an int32 bound for the loop counter. */
const MAX_BATCH = 0x7fff_ffff;

/** drainRaw()'s callback: the record is `length` bytes at `offset` in `view`. */
export type RawCallback = (view: DataView, offset: number, length: number) => unknown;

export interface RingBufOptions<T> {
  /** Decodes each record; default: a zero-copy DataView of the record's bytes. */
  decode?: EventDecoder<T>;
}

/** Anything with the fd and size of a ringbuf map (a BpfMap of type 'ringbuf'). */
export interface RingBufMap {
  readonly fd: number;
  readonly maxEntries: number;
}

export class RingBufReader<T = DataView> extends EventReader<T> {
  readonly #fd: number;
  readonly #consumerPage: Mapping;
  readonly #data: Mapping;
  /** consumer_pos as two u32 words (written lo then hi: a torn value is never ahead of the truth). */
  readonly #cons: Uint32Array;
  readonly #prod: Uint32Array;
  readonly #words: Uint32Array;
  readonly #mask: number;
  readonly #base: number;
  readonly #decode: Decode<T>;
  /**
   * What the drain loop calls per record: the user's codec itself (no call in between), or one
   * over #decode, so that the loop has a single call site.
   */
  readonly #codec: EventCodec<T>;
  readonly #view: DataView;
  /** Offset in the mapping where the data area ends. */
  readonly #end: number;
  readonly #decoder: EventDecoder<T> | undefined;
  /** Where a record that wraps the end is copied, and a decode bound to it (grown on demand). */
  #scratch: Uint8Array | undefined;
  #scratchDecode: Decode<T> | undefined;
  #scratchView: DataView | undefined;
  #rawOffset = 0;
  #wrappedBody = 0;
  #wrappedNext = 0;
  #pos: number;
  #next = 0;
  #offset = 0;
  #length = 0;
  /** Records the producer discarded (bpf_ringbuf_discard), skipped. */
  discarded = 0;
  /** Records that wrapped the ring's end and were copied once to be contiguous. */
  copied = 0;

  private constructor(fd: number, size: number, opts: RingBufOptions<T>) {
    super();
    const page = getpagesize();
    this.#fd = fd;
    this.#consumerPage = mapShared(fd, page, PROT_READ | PROT_WRITE, 0, 'ringbuf consumer page');
    try {
      this.#data = mapShared(fd, page + size, PROT_READ, page, 'ringbuf data');
    } catch (err) {
      unmap(this.#consumerPage);
      throw err;
    }
    this.#cons = new Uint32Array(this.#consumerPage.buffer, 0, 2);
    this.#prod = new Uint32Array(this.#data.buffer, 0, 2);
    this.#words = new Uint32Array(this.#data.buffer);
    this.#mask = size - 1;
    this.#base = page;
    this.#end = page + size;
    this.#decoder = opts.decode;
    this.#decode = bindDecoder(this.#data.buffer, opts.decode);
    const d = opts.decode as Partial<EventCodec<T>> | undefined;
    const decode = this.#decode;
    this.#codec =
      typeof d?.decode === 'function'
        ? (d as EventCodec<T>)
        : { decode: (_view: DataView, offset: number, length: number) => decode(offset, length) };
    this.#view = new DataView(this.#data.buffer);
    this.#pos = this.#cons[0] + this.#cons[1] * 0x1_0000_0000;
  }

  /** Maps a ringbuf map for reading. The map stays the caller's (close it separately). */
  static open<T = DataView>(map: RingBufMap, opts: RingBufOptions<T> = {}): RingBufReader<T> {
    const size = map.maxEntries;
    if (size <= 0 || (size & (size - 1)) !== 0)
      throw new RangeError(`ringbuf size ${size} is not a power of two`);
    // Offsets into the mapping are int32 on the hot path (see #drain).
    if (size > MAX_RING) throw new RangeError(`ringbuf size ${size} is over ${MAX_RING} (1 GiB)`);
    return new RingBufReader<T>(map.fd, size, opts);
  }

  /** Bytes produced but not yet consumed. */
  get pending(): number {
    return this.#producerPos() - this.#pos;
  }

  /**
   * The hot path: the generic cursor loop, specialised. Plain typed-array reads and writes (the
   * mapping is not a SharedArrayBuffer, where Atomics would cost a runtime call each); x86 and
   * arm64 order them as the kernel's smp_load_acquire/smp_store_release pairs need, and the
   * consumer position is stored after each record is handed over.
   */
  override drain(callback: RecordCallback<T>, max = Number.POSITIVE_INFINITY): number {
    return this.#drain(callback, max, Number.POSITIVE_INFINITY);
  }

  /**
   * Hands over the records committed before the call, not those that arrive meanwhile: it ends
   * even under a producer that never pauses (the last drain of a session that goes on).
   */
  override drainAvailable(callback: RecordCallback<T>): number {
    return this.#drain(callback, Number.POSITIVE_INFINITY, this.#producerPos());
  }

  /**
   * The zero-object path: `callback(view, offset, length)` per record, `view` one DataView over
   * the whole mapping (or, for a record that wraps the end, over the scratch copy), the record at
   * `offset`. Nothing is allocated per record; the bytes are valid until the callback returns.
   * Returning `false` stops the drain (that record counts as consumed).
   */
  drainRaw(callback: RawCallback, max = Number.POSITIVE_INFINITY): number {
    if (this.closed) throw new Error('event reader is closed');
    const words = this.#words;
    const cons = this.#cons;
    const mask = this.#mask;
    const base = this.#base;
    const view = this.#view;
    const end = this.#end;
    const most = Math.min(max, MAX_BATCH) | 0;
    if (most <= 0) return 0;
    // Module constants as locals: in the loop each would be a context load with a TDZ check.
    const busy = BUSY | 0;
    const discard = DISCARD | 0;
    const hdr = HEADER | 0;
    let n = 0;
    for (;;) {
      const start = this.#pos;
      const limit = this.#batchLimit(start, Number.POSITIVE_INFINITY);
      if (limit <= 0) break;
      // See #drain for the shape of this loop.
      const lo = start | 0;
      let off = 0;
      let stop = false;
      let wrapped = false;
      let skipped = 0;
      try {
        while (off < limit) {
          const at = base + (((lo + off) | 0) & mask);
          const header = words[at >>> 2] as number;
          if (header & busy) {
            stop = true;
            break;
          }
          const length = header & 0x3fff_ffff;
          if (at + hdr + length > end) {
            wrapped = true;
            break;
          }
          off = (off + ((length + hdr + 7) & ~7)) | 0;
          if ((header & discard) === 0) {
            n++;
            if (callback(view, at + hdr, length) === false || n === most) {
              stop = true;
              break;
            }
          } else skipped++;
          cons[0] = (lo + off) | 0;
        }
      } finally {
        this.discarded += skipped;
        this.#consumed(start + off);
      }
      if (stop) break;
      if (wrapped) {
        const length = this.#wrappedRecord();
        let last = false;
        try {
          if (length >= 0) {
            n++;
            const view = this.#copyRaw(this.#wrappedBody, length);
            last = callback(view, this.#rawOffset, length) === false || n === most;
          }
        } finally {
          this.#consumed(this.#wrappedNext);
        }
        if (last) break;
      }
    }
    return n;
  }

  /** The view a wrapped record is in for drainRaw() (its offset in #rawOffset). */
  #copyRaw(body: number, length: number): DataView {
    const size = this.#end - this.#base;
    if (body >= this.#end) {
      this.#rawOffset = body - size;
      return this.#view;
    }
    this.#fillScratch(body, length);
    this.#rawOffset = 0;
    return this.#scratchView as DataView;
  }

  /** True while a record at the consumer position is reserved but not yet committed. */
  protected override writing(): boolean {
    if (this.#pos >= this.#producerPos()) return false;
    const header = this.#words[(this.#base + (this.#pos & this.#mask)) >>> 2] as number;
    return (header & BUSY) !== 0;
  }

  #drain(callback: RecordCallback<T>, max: number, until: number): number {
    if (this.closed) throw new Error('event reader is closed');
    const words = this.#words;
    const cons = this.#cons;
    const mask = this.#mask;
    const base = this.#base;
    const codec = this.#codec;
    const view = this.#view;
    const end = this.#end;
    const most = Math.min(max, MAX_BATCH) | 0;
    if (most <= 0) return 0;
    // Module constants as locals: in the loop each would be a context load with a TDZ check.
    const busy = BUSY | 0;
    const discard = DISCARD | 0;
    const hdr = HEADER | 0;
    let n = 0;
    for (;;) {
      const start = this.#pos;
      const limit = this.#batchLimit(start, until);
      if (limit <= 0) break;
      // The loop walks int32 offsets from `start`, not the 64-bit position (a double): each record's
      // address depends on the previous record's length, and a double on that chain (int to double,
      // add, back to int) cost more latency per record than the whole C loop (bench/events.ts).
      // `start | 0` is the position's low 32 bits, so `& mask` is exact (the ring is < 2 GiB).
      // Each per-record check that is not needed was measured to cost: one decode call site (not
      // a choice of two), the record count tested only after a callback, discards counted in a
      // local, and a record that runs past the end handed over outside the loop.
      const lo = start | 0;
      let off = 0;
      let stop = false;
      let wrapped = false;
      let skipped = 0;
      try {
        while (off < limit) {
          const at = base + (((lo + off) | 0) & mask);
          const header = words[at >>> 2] as number;
          if (header & busy) {
            stop = true;
            break;
          }
          const length = header & 0x3fff_ffff;
          if (at + hdr + length > end) {
            wrapped = true;
            break;
          }
          // Consumed from here on, also if the callback throws (the finally below publishes it).
          off = (off + ((length + hdr + 7) & ~7)) | 0;
          if ((header & discard) === 0) {
            n++;
            if (callback(codec.decode(view, at + hdr, length)) === false || n === most) {
              stop = true;
              break;
            }
          } else skipped++;
          // Per record, as libbpf does: the producer gets the space back at once. The low word
          // wrapping to 0 is behind the truth, never ahead (the high word follows after the batch).
          cons[0] = (lo + off) | 0;
        }
      } finally {
        this.discarded += skipped;
        this.#consumed(start + off);
      }
      if (stop) break;
      if (wrapped) {
        const length = this.#wrappedRecord();
        let last = false;
        try {
          if (length >= 0) {
            n++;
            last = callback(this.#copyWrapped(this.#wrappedBody, length)) === false || n === most;
          }
        } finally {
          this.#consumed(this.#wrappedNext);
        }
        if (last) break;
      }
    }
    return n;
  }

  /**
   * The record at the consumer position, which runs past the data area's end: its length, or -1
   * if the producer discarded it (counted here). Its body offset is left in #wrappedBody and the
   * position after it in #wrappedNext, which the caller publishes only once the record is handed
   * over (also if the callback throws): the producer must not reuse its space while it is read.
   */
  #wrappedRecord(): number {
    const at = this.#base + (this.#pos & this.#mask);
    const header = this.#words[at >>> 2] as number;
    const length = header & 0x3fff_ffff;
    this.#wrappedNext = this.#pos + ((length + HEADER + 7) & ~7);
    this.#wrappedBody = at + HEADER;
    if (header & DISCARD) {
      this.discarded++;
      return -1;
    }
    return length;
  }

  /**
   * Bytes the next inner loop may walk from `start`: up to the producer (or `until`), never past
   * a 4 GiB boundary of the position (where consumer_pos's high word changes) and at most
   * 512 MiB, so that an offset plus one record (< 1 GiB) stays an int32.
   */
  #batchLimit(start: number, until: number): number {
    return Math.min(this.#producerPos(), until, nextHi(start), start + 0x2000_0000) - start;
  }

  /** Publishes the consumer position (lo then hi: a torn value is never ahead of the truth). */
  #consumed(pos: number): void {
    this.#pos = pos;
    this.#setConsumer(pos);
  }

  protected pollFds(): number[] {
    return [this.#fd];
  }

  #producerPos(): number {
    // hi, lo, hi again: a consistent 64-bit value from two 32-bit reads.
    const prod = this.#prod;
    for (;;) {
      const hi = prod[1] as number;
      const lo = prod[0] as number;
      if (prod[1] === hi) return lo + hi * 0x1_0000_0000;
    }
  }

  /** A record whose bytes run past the data area's end: decoded from a contiguous copy. */
  #copyWrapped(body: number, length: number): T {
    const size = this.#end - this.#base;
    if (body >= this.#end) return this.#decode(body - size, length); // only the header was at the end
    this.#fillScratch(body, length);
    return (this.#scratchDecode as Decode<T>)(0, length);
  }

  /** Copies a record that wraps the end to the scratch buffer's start (grown on demand). */
  #fillScratch(body: number, length: number): void {
    if (!this.#scratch || this.#scratch.length < length) {
      this.#scratch = new Uint8Array(Math.max(length, 256));
      this.#scratchDecode = bindDecoder(this.#scratch.buffer as ArrayBuffer, this.#decoder);
      this.#scratchView = new DataView(this.#scratch.buffer);
    }
    const data = new Uint8Array(this.#data.buffer);
    const first = this.#end - body;
    this.#scratch.set(data.subarray(body, this.#end), 0);
    this.#scratch.set(data.subarray(this.#base, this.#base + length - first), first);
    this.copied++;
  }

  protected peek(): boolean {
    let pos = this.#pos;
    const prod = this.#producerPos();
    while (pos < prod) {
      const at = this.#base + (pos & this.#mask);
      const header = this.#words[at >>> 2] as number;
      if (header & BUSY) return false; // reserved, not yet committed
      const length = header & 0x3fff_ffff;
      const next = pos + ((length + HEADER + 7) & ~7);
      if (!(header & DISCARD)) {
        this.#pos = pos;
        this.#next = next;
        this.#offset = at + HEADER;
        this.#length = length;
        return true;
      }
      this.discarded++;
      pos = next;
      this.#setConsumer(pos);
    }
    this.#pos = pos;
    return false;
  }

  protected current(): T {
    if (this.#offset + this.#length > this.#end) return this.#copyWrapped(this.#offset, this.#length);
    return this.#decode(this.#offset, this.#length);
  }

  protected commit(): void {
    this.#pos = this.#next;
    this.#setConsumer(this.#next);
  }

  #setConsumer(pos: number): void {
    // lo then hi: a torn value is never ahead of what was consumed.
    this.#cons[0] = pos >>> 0;
    this.#cons[1] = (pos / 0x1_0000_0000) | 0;
  }

  protected release(): void {
    unmap(this.#data);
    unmap(this.#consumerPage);
  }
}

/** The next multiple of 2^32 above `pos`: where the consumer position's high word changes. */
function nextHi(pos: number): number {
  return (Math.floor(pos / 0x1_0000_0000) + 1) * 0x1_0000_0000;
}
