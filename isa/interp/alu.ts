// 64-bit arithmetic on registers held as (hi, lo) Int32Array halves, for the interpreter's
// dispatch loop: multiply, divide, shifts, byte swaps, comparisons, little-endian stores. All in
// 32-bit integers except the rare hard cases (64-bit division, sdiv/smod), which use BigInt.

/** The unsigned 64-bit value of a (hi, lo) pair. */
export const u64 = (hi: number, lo: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

export function write(v: DataView, at: number, n: number, vlo: number, vhi: number): void {
  switch (n) {
    case 1:
      v.setUint8(at, vlo & 0xff);
      break;
    case 2:
      v.setUint16(at, vlo & 0xffff, true);
      break;
    case 4:
      v.setInt32(at, vlo, true);
      break;
    default:
      v.setInt32(at, vlo, true);
      v.setInt32(at + 4, vhi, true);
  }
}

/** Low 64 bits of a 64×64 product, from 16-bit partial products (each exact in a double). */
export function mul64(lo: Int32Array, hi: Int32Array, d: number, blo: number, bhi: number): void {
  const alo = lo[d];
  const a0 = alo & 0xffff;
  const a1 = alo >>> 16;
  const b0 = blo & 0xffff;
  const b1 = blo >>> 16;
  const p0 = a0 * b0;
  const p1 = a1 * b0;
  const p2 = a0 * b1;
  const mid = (p0 >>> 16) + (p1 & 0xffff) + (p2 & 0xffff);
  const carry = a1 * b1 + (p1 >>> 16) + (p2 >>> 16) + (mid >>> 16);
  hi[d] = (carry + Math.imul(hi[d], blo) + Math.imul(alo, bhi)) | 0;
  lo[d] = Math.imul(alo, blo);
}

export function div64(
  lo: Int32Array,
  hi: Int32Array,
  d: number,
  blo: number,
  bhi: number,
  mod: boolean,
): void {
  if (blo === 0 && bhi === 0) {
    // Division by zero gives 0; modulo by zero leaves dst unchanged.
    if (!mod) lo[d] = hi[d] = 0;
    return;
  }
  if (hi[d] === 0 && bhi === 0) {
    const a = lo[d] >>> 0;
    const b = blo >>> 0;
    lo[d] = (mod ? a % b : Math.floor(a / b)) | 0;
    return;
  }
  const a = u64(hi[d], lo[d]);
  const b = u64(bhi, blo);
  const r = mod ? a % b : a / b;
  lo[d] = Number(r & 0xffffffffn) | 0;
  hi[d] = Number(r >> 32n) | 0;
}

export function sdiv64(
  lo: Int32Array,
  hi: Int32Array,
  d: number,
  blo: number,
  bhi: number,
  mod: boolean,
): void {
  if (blo === 0 && bhi === 0) {
    if (!mod) lo[d] = hi[d] = 0;
    return;
  }
  const a = BigInt.asIntN(64, u64(hi[d], lo[d]));
  const b = BigInt.asIntN(64, u64(bhi, blo));
  // BigInt division truncates toward zero and % takes the dividend's sign, as the ISA says;
  // INT64_MIN / -1 = 2^63 wraps back to INT64_MIN, and INT64_MIN % -1 = 0.
  const r = BigInt.asUintN(64, mod ? a % b : a / b);
  lo[d] = Number(r & 0xffffffffn) | 0;
  hi[d] = Number(r >> 32n) | 0;
}

export function div32(lo: Int32Array, hi: Int32Array, d: number, b: number, mod: boolean): void {
  const a = lo[d] >>> 0;
  const ub = b >>> 0;
  if (ub === 0) {
    if (!mod) lo[d] = 0;
  } else lo[d] = (mod ? a % ub : Math.floor(a / ub)) | 0;
  hi[d] = 0;
}

export function sdiv32(lo: Int32Array, hi: Int32Array, d: number, b: number, mod: boolean): void {
  const a = lo[d];
  if (b === 0) {
    if (!mod) lo[d] = 0;
  } else {
    // INT32_MIN / -1 = 2^31 wraps to INT32_MIN under |0; INT32_MIN % -1 = -0 → 0.
    lo[d] = (mod ? a % b : Math.trunc(a / b)) | 0;
  }
  hi[d] = 0;
}

export function lsh64(lo: Int32Array, hi: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  if (n < 32) {
    hi[d] = (hi[d] << n) | (lo[d] >>> (32 - n));
    lo[d] <<= n;
  } else {
    hi[d] = lo[d] << (n - 32);
    lo[d] = 0;
  }
}

export function rsh64(lo: Int32Array, hi: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  if (n < 32) {
    lo[d] = (lo[d] >>> n) | (hi[d] << (32 - n));
    hi[d] = hi[d] >>> n;
  } else {
    lo[d] = hi[d] >>> (n - 32);
    hi[d] = 0;
  }
}

export function arsh64(lo: Int32Array, hi: Int32Array, d: number, n: number): void {
  if (n === 0) return;
  if (n < 32) {
    lo[d] = (lo[d] >>> n) | (hi[d] << (32 - n));
    hi[d] >>= n;
  } else {
    lo[d] = hi[d] >> (n - 32);
    hi[d] >>= 31;
  }
}

export const bswap32 = (x: number): number =>
  ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

/** be16/32/64 on a little-endian machine, and bswap16/32/64: reverse the low `bits` bits. */
export function swap(lo: Int32Array, hi: Int32Array, d: number, bits: number): void {
  if (bits === 16) {
    const x = lo[d];
    lo[d] = ((x & 0xff) << 8) | ((x >>> 8) & 0xff);
    hi[d] = 0;
  } else if (bits === 32) {
    lo[d] = bswap32(lo[d]);
    hi[d] = 0;
  } else {
    const l = lo[d];
    lo[d] = bswap32(hi[d]);
    hi[d] = bswap32(l);
  }
}

/** le16/32/64 on a little-endian machine: truncate to the width (zero-extend). */
export function toLittle(lo: Int32Array, hi: Int32Array, d: number, bits: number): void {
  if (bits === 16) lo[d] &= 0xffff;
  if (bits !== 64) hi[d] = 0;
}

/** -1, 0, 1 comparing unsigned 64-bit values. */
export function ucmp64(ahi: number, alo: number, bhi: number, blo: number): number {
  if (ahi !== bhi) return ahi >>> 0 < bhi >>> 0 ? -1 : 1;
  if (alo !== blo) return alo >>> 0 < blo >>> 0 ? -1 : 1;
  return 0;
}

export function scmp64(ahi: number, alo: number, bhi: number, blo: number): number {
  if (ahi !== bhi) return ahi < bhi ? -1 : 1;
  if (alo !== blo) return alo >>> 0 < blo >>> 0 ? -1 : 1;
  return 0;
}

export const ucmp32 = (a: number, b: number): number => (a === b ? 0 : a >>> 0 < b >>> 0 ? -1 : 1);
export const scmp32 = (a: number, b: number): number => (a === b ? 0 : a < b ? -1 : 1);

/** Unsigned conditions by JMP opcode (K or X form): jgt, jge, jlt, jle. */
export function ucond(code: number, c: number): boolean {
  switch (code & 0xf0) {
    case 0x20:
      return c > 0;
    case 0x30:
      return c >= 0;
    case 0xa0:
      return c < 0;
    default:
      return c <= 0;
  }
}

/** Signed conditions: jsgt, jsge, jslt, jsle. */
export function scond(code: number, c: number): boolean {
  switch (code & 0xf0) {
    case 0x60:
      return c > 0;
    case 0x70:
      return c >= 0;
    case 0xc0:
      return c < 0;
    default:
      return c <= 0;
  }
}

const TWO32 = 4294967296;

/**
 * An atomic read-modify-write of `n` bytes at `at` with source register `s`: add, or, and, xor,
 * xchg, cmpxchg (which compares with r0 and loads the old value into it); `imm & 1` fetches the
 * old value into `s`. Returns whether memory was written (a failed cmpxchg writes nothing).
 */
export function atomicRmw(
  v: DataView,
  at: number,
  n: number,
  imm: number,
  lo: Int32Array,
  hi: Int32Array,
  s: number,
): boolean {
  const wide = n === 8;
  const oldLo = v.getInt32(at, true);
  const oldHi = wide ? v.getInt32(at + 4, true) : 0;
  const sLo = lo[s];
  const sHi = wide ? hi[s] : 0;
  let nLo = oldLo;
  let nHi = oldHi;
  switch (imm & ~1) {
    case 0x00: {
      const t = (oldLo >>> 0) + (sLo >>> 0);
      nLo = t | 0;
      nHi = wide ? (oldHi + sHi + (t >= TWO32 ? 1 : 0)) | 0 : 0;
      break;
    }
    case 0x40:
      nLo = oldLo | sLo;
      nHi = oldHi | sHi;
      break;
    case 0x50:
      nLo = oldLo & sLo;
      nHi = oldHi & sHi;
      break;
    case 0xa0:
      nLo = oldLo ^ sLo;
      nHi = oldHi ^ sHi;
      break;
    case 0xe0:
      nLo = sLo;
      nHi = sHi;
      break;
    case 0xf0: {
      // cmpxchg: compare with r0 (its low 32 bits for the 32-bit form), old value into r0.
      const equal = oldLo === lo[0] && (!wide || oldHi === hi[0]);
      if (equal) {
        nLo = sLo;
        nHi = sHi;
      }
      lo[0] = oldLo;
      hi[0] = oldHi;
      break;
    }
  }
  const changed = nLo !== oldLo || nHi !== oldHi || (imm & ~1) !== 0xf0;
  if (changed) write(v, at, n, nLo, nHi);
  if (imm & 1 && (imm & ~1) !== 0xf0) {
    lo[s] = oldLo;
    hi[s] = oldHi;
  }
  return changed;
}
