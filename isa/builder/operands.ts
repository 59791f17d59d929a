// Operand checks shared by the builder's methods: registers, immediates, offsets, sizes. Each
// returns the encoded field or throws a BuilderError that names the method and the bad value.

import type { SourcePos } from '../instruction.js';
import { Size, type SizeCode } from '../opcodes.js';
import { BuilderError } from './errors.js';
import { type AnyRegister, isRegister } from './registers.js';
import { captureCallSite } from './source.js';

/** An ALU/JMP source: a register or an immediate. */
export type Operand<R extends AnyRegister = AnyRegister> = R | number | bigint;

/** Access sizes by their C names; `s8`/`s16`/`s32` are sign-extending loads. */
export type StoreSize = 'u8' | 'u16' | 'u32' | 'u64';
export type LoadSize = StoreSize | 's8' | 's16' | 's32';

const SIZES: Record<LoadSize | 's64', { code: SizeCode; signed: boolean; bytes: number }> = {
  u8: { code: Size.B, signed: false, bytes: 1 },
  u16: { code: Size.H, signed: false, bytes: 2 },
  u32: { code: Size.W, signed: false, bytes: 4 },
  u64: { code: Size.DW, signed: false, bytes: 8 },
  s8: { code: Size.B, signed: true, bytes: 1 },
  s16: { code: Size.H, signed: true, bytes: 2 },
  s32: { code: Size.W, signed: true, bytes: 4 },
  // Not a load the ISA has: accepted here so the shared validity rule can say so.
  s64: { code: Size.DW, signed: true, bytes: 8 },
};

export const fail = (method: string, message: string, source?: SourcePos): never => {
  throw new BuilderError(method, message, source ?? captureCallSite(method));
};

export function size(
  method: string,
  s: unknown,
  allowSigned: boolean,
): { code: SizeCode; signed: boolean; bytes: number } {
  const info = SIZES[s as LoadSize];
  if (!info || (info.signed && !allowSigned)) {
    const valid = allowSigned ? 'u8, u16, u32, u64, s8, s16, s32' : 'u8, u16, u32, u64';
    return fail(method, `size ${JSON.stringify(s)} is not one of ${valid}`);
  }
  return info;
}

export function register(method: string, r: unknown, role: string): AnyRegister {
  if (!isRegister(r)) return fail(method, `${role} ${describe(r)} is not a register (use R0-R10 or W0-W10)`);
  return r;
}

/** A register the instruction writes: r10 is the read-only frame pointer. */
export function writable(method: string, r: unknown, role = 'destination'): AnyRegister {
  const reg = register(method, r, role);
  if (reg.index === 10) fail(method, `${role} ${reg} is the read-only frame pointer`);
  return reg;
}

/** An integer in [min, max] (number or bigint), as a number. */
export function integer(
  method: string,
  v: unknown,
  min: number,
  max: number,
  what: string,
  hint = '',
): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = v >= BigInt(min) && v <= BigInt(max) ? Number(v) : Number.NaN;
  else return fail(method, `${what} ${describe(v)} is not a number`);
  if (!Number.isInteger(n) || n < min || n > max) {
    return fail(method, `${what} ${describe(v)} is out of range ${min}..${max}${hint}`);
  }
  return n;
}

export const offset16 = (method: string, v: unknown, what = 'offset'): number =>
  integer(method, v, -0x8000, 0x7fff, what);

/** imm of a 64-bit class: sign-extended from 32 bits by the CPU, so only s32 values mean themselves. */
export const imm64 = (method: string, v: unknown): number =>
  integer(
    method,
    v,
    -0x8000_0000,
    0x7fff_ffff,
    'immediate',
    ' (sign-extended s32; use loadImm64 for wider constants)',
  );

/** imm of a 32-bit class: any 32-bit pattern, signed or unsigned spelling. */
export const imm32 = (method: string, v: unknown): number =>
  integer(method, v, -0x8000_0000, 0xffff_ffff, 'immediate') | 0;

function describe(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'object' && v !== null) return Object.prototype.toString.call(v);
  return String(v);
}
