// The interpreter's memory: disjoint regions addressed by 64-bit numbers. An address is
// `region << 32 | offset`, so the high half picks the region and the low half is the offset
// inside it. Fixed regions:
//
//   0x0_xxxxxxxx        null: every access faults (a scalar used as a pointer lands here too)
//   0x1_00000000        the context / packet (`-- mem` bytes); r1 points here, r2 = length
//   0x2_ … 0x9_         the stack of call frames 0-7, 512 bytes each; r10 = 0xN_00000200 (its top)
//   0xa_<pc>            code: `lddw rX, func` and callx use these as function addresses
//   0xb_ and up         map handles (not readable) and map values, ring-buffer records,
//                       allocated as programs and helpers create them
//
// Regions never overlap and an access must fit inside one, so every out-of-bounds access is a
// fault with the exact address, not a silent read of a neighbour.

import { PendingFault } from './fault.js';

export const NULL_REGION = 0;
export const CTX_REGION = 1;
export const STACK_REGION = 2;
/** The kernel's MAX_CALL_FRAMES (include/linux/bpf_verifier.h). */
export const MAX_CALL_FRAMES = 8;
export const CODE_REGION = STACK_REGION + MAX_CALL_FRAMES;
export const FIRST_DYNAMIC_REGION = CODE_REGION + 1;

export interface Region {
  readonly name: string;
  bytes: Uint8Array;
  view: DataView;
  writable: boolean;
  /** False once freed (a submitted ring-buffer record): any access faults. */
  live: boolean;
}

export const address = (region: number, offset: number): bigint =>
  (BigInt(region) << 32n) | BigInt(offset >>> 0);

export function formatAddress(hi: number, lo: number): string {
  return hi === 0
    ? `0x${(lo >>> 0).toString(16)}`
    : `0x${(hi >>> 0).toString(16)}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

function region(name: string, bytes: Uint8Array, writable = true): Region {
  return {
    name,
    bytes,
    view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    writable,
    live: true,
  };
}

export class Memory {
  readonly regions: Region[] = [];

  constructor() {
    this.regions[NULL_REGION] = region('null', new Uint8Array(0), false);
    this.regions[CTX_REGION] = region('context', new Uint8Array(0));
    for (let f = 0; f < MAX_CALL_FRAMES; f++)
      this.regions[STACK_REGION + f] = region(`stack of frame ${f}`, new Uint8Array(512));
    this.regions[CODE_REGION] = region('code', new Uint8Array(0), false);
  }

  setContext(bytes: Uint8Array): void {
    this.regions[CTX_REGION] = region('context', bytes);
  }

  /** Adds a region over `bytes` (shared, not copied); returns its number. */
  allocate(name: string, bytes: Uint8Array, writable = true): number {
    this.regions.push(region(name, bytes, writable));
    return this.regions.length - 1;
  }

  /**
   * The region and offset of an access of `size` bytes at `hi:lo` (+ off already applied), or a
   * PendingFault saying why not.
   */
  resolve(hi: number, lo: number, size: number, write: boolean): Region {
    const r = hi >>> 0 < this.regions.length ? this.regions[hi] : undefined;
    const at = lo >>> 0;
    if (r === undefined || hi === NULL_REGION) {
      const what = hi === 0 && at < 4096 ? 'null pointer' : 'address in no region';
      throw new PendingFault(
        hi === 0 ? 'null_pointer' : 'out_of_bounds',
        `${write ? 'write' : 'read'} of ${size} bytes at ${formatAddress(hi, lo)}: ${what}`,
        address(hi, lo),
      );
    }
    if (!r.live)
      throw new PendingFault(
        'out_of_bounds',
        `${write ? 'write' : 'read'} at ${formatAddress(hi, lo)}: ${r.name} was freed`,
        address(hi, lo),
      );
    if (at + size > r.bytes.byteLength) {
      throw new PendingFault(
        'out_of_bounds',
        `${write ? 'write' : 'read'} of ${size} bytes at ${formatAddress(hi, lo)} is outside ${r.name} (${r.bytes.byteLength} bytes)`,
        address(hi, lo),
      );
    }
    if (write && !r.writable)
      throw new PendingFault(
        'read_only',
        `write at ${formatAddress(hi, lo)}: ${r.name} is read-only`,
        address(hi, lo),
      );
    return r;
  }

  /** A copy of `len` bytes at `addr` (helpers use this; faults like the program's own loads). */
  read(addr: bigint, len: number): Uint8Array {
    const { hi, lo } = split(addr);
    if (len === 0) return new Uint8Array(0);
    const r = this.resolve(hi, lo, len, false);
    return r.bytes.slice(lo >>> 0, (lo >>> 0) + len);
  }

  write(addr: bigint, data: Uint8Array): void {
    const { hi, lo } = split(addr);
    if (data.byteLength === 0) return;
    const r = this.resolve(hi, lo, data.byteLength, true);
    r.bytes.set(data, lo >>> 0);
  }

  /** A NUL-terminated string of at most `max` bytes starting at `addr`. */
  readCString(addr: bigint, max: number): string {
    const { hi, lo } = split(addr);
    const r = this.resolve(hi, lo, 1, false);
    const start = lo >>> 0;
    const end = Math.min(r.bytes.byteLength, start + max);
    let s = '';
    for (let i = start; i < end && r.bytes[i] !== 0; i++) s += String.fromCharCode(r.bytes[i]);
    return s;
  }
}

export function split(addr: bigint): { hi: number; lo: number } {
  const v = BigInt.asUintN(64, addr);
  return { hi: Number(v >> 32n) | 0, lo: Number(v & 0xffffffffn) | 0 };
}
