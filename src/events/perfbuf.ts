// Perf buffer reader (BPF_MAP_TYPE_PERF_EVENT_ARRAY + bpf_perf_event_output): one
// PERF_COUNT_SW_BPF_OUTPUT event per online CPU, each with its own mmap'd ring (a control page,
// then 2^n data pages), stored in the map at the CPU's index. Records are perf_event_header
// {u32 type, u16 misc, u16 size}; PERF_RECORD_SAMPLE carries {u32 size, raw bytes},
// PERF_RECORD_LOST {u64 id, u64 lost}. A record that wraps the ring's end is copied once into a
// scratch buffer; every other record is handed over zero-copy.

import { onlineCpus } from '../cpus.js';
import { closeRawFd } from '../fd.js';
import { encodeMapElem } from '../sys/attrs/map.js';
import { bpf, Cmd } from '../sys/bpf.js';
import { SysError } from '../sys/errno.js';
import { getpagesize } from '../sys/libc.js';
import { type Mapping, mapShared, PROT_READ, PROT_WRITE, unmap } from '../sys/mmap.js';
import {
  MmapPage,
  PERF_RECORD_LOST,
  PERF_RECORD_SAMPLE,
  PERF_SAMPLE_RAW,
  PerfIoctl,
  PerfSoftware,
  PerfType,
  perfAttr,
  perfEventOpenTry,
  perfIoctl,
} from '../sys/perf.js';
import { bindDecoder, type Decode, type EventDecoder } from './decode.js';
import { EventReader, type RecordCallback } from './reader.js';

export interface PerfBufOptions<T> {
  decode?: EventDecoder<T>;
  /** Data pages per CPU (a power of two; default 64 = 256 KiB with 4 KiB pages). */
  pages?: number;
  /** Wake the reader after this many records (default 1); larger batches cost less per record. */
  wakeupEvents?: number;
  /** CPUs to open (default: all online CPUs). */
  cpus?: number[];
}

/** A perf event array map (a BpfMap of type 'perf_event_array'). */
export interface PerfEventArrayMap {
  readonly fd: number;
  readonly maxEntries: number;
}

interface Ring {
  cpu: number;
  fd: number;
  map: Mapping;
  /** data_head / data_tail as u32 pairs. */
  ctl: Uint32Array;
  bytes: Uint8Array;
  view: DataView;
  dataOffset: number;
  size: number;
  decode: Decode<unknown>;
  /** Where drainAvailable() stops on this ring (data_head when it began); Infinity otherwise. */
  limit: number;
  /** PERF_RECORD_LOST counts read from this ring. */
  lost: number;
}

export class PerfBufReader<T = DataView> extends EventReader<T> {
  readonly #rings: Ring[];
  readonly #scratch: Uint8Array;
  readonly #scratchDecode: Decode<T>;
  #ring = 0;
  #next = 0;
  #offset = 0;
  #length = 0;
  #wrapped = false;
  /** Records the kernel dropped because a ring was full (PERF_RECORD_LOST counts). */
  lost = 0;
  /** Records that wrapped the ring's end and were copied once to be contiguous. */
  copied = 0;

  private constructor(rings: Ring[], decoder: EventDecoder<T> | undefined, maxRecord: number) {
    super();
    this.#rings = rings;
    this.#scratch = new Uint8Array(maxRecord);
    this.#scratchDecode = bindDecoder(this.#scratch.buffer as ArrayBuffer, decoder);
  }

  /** Opens one ring per CPU and stores their fds in `map`. The map stays the caller's. */
  static open<T = DataView>(map: PerfEventArrayMap, opts: PerfBufOptions<T> = {}): PerfBufReader<T> {
    const pages = opts.pages ?? 64;
    if (pages <= 0 || (pages & (pages - 1)) !== 0)
      throw new RangeError(`perf buffer pages ${pages} is not a power of two`);
    const page = getpagesize();
    const rings: Ring[] = [];
    try {
      for (const cpu of opts.cpus ?? onlineCpus()) {
        if (cpu >= map.maxEntries)
          throw new RangeError(`CPU ${cpu} is beyond the perf event array's ${map.maxEntries} entries`);
        rings.push(openRing(map.fd, cpu, pages, page, opts));
      }
    } catch (err) {
      for (const r of rings) closeRing(r);
      throw err;
    }
    return new PerfBufReader<T>(rings, opts.decode, pages * page);
  }

  /**
   * PERF_RECORD_LOST counts per CPU, as read so far. The kernel writes a LOST record into a
   * CPU's ring only before the next record that fits there: a count can wait, unseen, until
   * that CPU outputs again. A producer that counts its own failed outputs (bpf_perf_event_output
   * returns -ENOSPC) knows the exact figure at once.
   */
  get lostPerCpu(): { cpu: number; lost: number }[] {
    return this.#rings.map((r) => ({ cpu: r.cpu, lost: r.lost }));
  }

  override drainAvailable(callback: RecordCallback<T>): number {
    for (const r of this.#rings) r.limit = headOf(r.ctl);
    try {
      return this.drain(callback);
    } finally {
      for (const r of this.#rings) r.limit = Number.POSITIVE_INFINITY;
    }
  }

  /** The CPU whose ring the current record came from. */
  get cpu(): number {
    return this.#rings[this.#ring]?.cpu ?? -1;
  }

  protected pollFds(): number[] {
    return this.#rings.map((r) => r.fd);
  }

  protected peek(): boolean {
    const n = this.#rings.length;
    for (let k = 0; k < n; k++) {
      const index = (this.#ring + k) % n;
      if (this.#peekRing(this.#rings[index] as Ring)) {
        this.#ring = index;
        return true;
      }
    }
    return false;
  }

  #peekRing(r: Ring): boolean {
    const ctl = r.ctl;
    for (;;) {
      const head = Math.min(headOf(ctl), r.limit);
      const tail = ctl[2] + ctl[3] * 0x1_0000_0000;
      if (tail >= head) return false;
      const at = tail % r.size;
      // The 8-byte header never straddles the end (records are 8-byte aligned).
      const type = r.view.getUint32(r.dataOffset + at, true);
      const size = r.view.getUint16(r.dataOffset + at + 6, true);
      if (size < 8) throw new SysError('perf buffer', 5, `corrupt record of size ${size} on CPU ${r.cpu}`);
      const next = tail + size;
      if (type === PERF_RECORD_SAMPLE) {
        const body = this.#body(r, at + 8, size - 8);
        const rawSize = this.#wrapped ? readU32(this.#scratch, body) : r.view.getUint32(body, true);
        this.#next = next;
        this.#offset = body + 4;
        this.#length = Math.min(rawSize, size - 12);
        return true;
      }
      if (type === PERF_RECORD_LOST) {
        const body = this.#body(r, at + 8, size - 8);
        const v = this.#wrapped ? new DataView(this.#scratch.buffer) : r.view;
        const lost = v.getUint32(body + 8, true) + v.getUint32(body + 12, true) * 0x1_0000_0000;
        this.lost += lost;
        r.lost += lost;
      }
      writeTail(ctl, next); // other record types: skip
    }
  }

  /** The record body's offset: in the ring, or (if it wraps) in the scratch buffer. */
  #body(r: Ring, at: number, length: number): number {
    const start = at % r.size;
    if (start + length <= r.size) {
      this.#wrapped = false;
      return r.dataOffset + start;
    }
    const first = r.size - start;
    const data = r.bytes;
    this.#scratch.set(data.subarray(r.dataOffset + start, r.dataOffset + r.size), 0);
    this.#scratch.set(data.subarray(r.dataOffset, r.dataOffset + length - first), first);
    this.#wrapped = true;
    this.copied++;
    return 0;
  }

  protected current(): T {
    if (this.#wrapped) return this.#scratchDecode(this.#offset, this.#length);
    return (this.#rings[this.#ring] as Ring).decode(this.#offset, this.#length) as T;
  }

  protected commit(): void {
    writeTail((this.#rings[this.#ring] as Ring).ctl, this.#next);
  }

  protected release(): void {
    for (const r of this.#rings) closeRing(r);
  }
}

/** data_head, read before the records it covers (the acquire side of the kernel's update). */
function headOf(ctl: Uint32Array): number {
  return Atomics.load(ctl, 0) + Atomics.load(ctl, 1) * 0x1_0000_0000;
}

function readU32(b: Uint8Array, at: number): number {
  return (
    (b[at] as number) |
    ((b[at + 1] as number) << 8) |
    ((b[at + 2] as number) << 16) |
    (((b[at + 3] as number) << 24) >>> 0)
  );
}

/** data_tail: lo then hi, so a torn value is never ahead of what we consumed. */
function writeTail(ctl: Uint32Array, pos: number): void {
  Atomics.store(ctl, 2, pos >>> 0);
  Atomics.store(ctl, 3, Math.floor(pos / 0x1_0000_0000));
}

function openRing<T>(mapFd: number, cpu: number, pages: number, page: number, opts: PerfBufOptions<T>): Ring {
  const attr = perfAttr({
    type: PerfType.SOFTWARE,
    config: BigInt(PerfSoftware.bpf_output),
    samplePeriod: 1n,
    sampleType: PERF_SAMPLE_RAW,
    wakeupEvents: opts.wakeupEvents ?? 1,
  });
  const fd = perfEventOpenTry(attr, -1, cpu);
  if (fd < 0) throw new SysError(`perf_event_open (bpf output, CPU ${cpu})`, -fd);
  let map: Mapping;
  try {
    map = mapShared(fd, (pages + 1) * page, PROT_READ | PROT_WRITE, 0, `perf buffer CPU ${cpu}`);
  } catch (err) {
    closeRawFd(fd);
    throw err;
  }
  const view = new DataView(map.buffer);
  const dataOffset = Number(view.getBigUint64(MmapPage.data_offset, true)) || page;
  const size = Number(view.getBigUint64(MmapPage.data_size, true)) || pages * page;
  const ring: Ring = {
    cpu,
    fd,
    map,
    ctl: new Uint32Array(map.buffer, MmapPage.data_head, 4),
    bytes: new Uint8Array(map.buffer),
    view,
    dataOffset,
    size,
    decode: bindDecoder(map.buffer, opts.decode) as Decode<unknown>,
    limit: Number.POSITIVE_INFINITY,
    lost: 0,
  };
  try {
    setElement(mapFd, cpu, fd);
    perfIoctl(fd, PerfIoctl.ENABLE, 0, `PERF_EVENT_IOC_ENABLE (CPU ${cpu})`);
  } catch (err) {
    closeRing(ring);
    throw err;
  }
  return ring;
}

function closeRing(r: Ring): void {
  unmap(r.map);
  closeRawFd(r.fd);
}

function setElement(mapFd: number, key: number, value: number): void {
  const k = Buffer.alloc(4);
  const v = Buffer.alloc(4);
  k.writeUInt32LE(key);
  v.writeUInt32LE(value);
  const attr = encodeMapElem({ mapFd, key: k, value: v });
  bpf(Cmd.MAP_UPDATE_ELEM, attr, attr.byteLength, `perf event array slot ${key}`);
}
