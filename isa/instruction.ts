// One eBPF instruction and its 8-byte wire form. An LD IMM64 (lddw) is one Instruction that
// occupies two slots; `imm2` holds the second slot's imm (the upper 32 bits of the constant).
// An lddw without `imm2` is a broken one (last slot of a program, or followed by a slot that is
// not a valid second half): it occupies one slot, so decode → encode stays byte-for-byte.

import { SLOT_SIZE } from './opcodes.js';
import { writeSlot } from './wire-slot.js';

/** Where an instruction came from: an assembly line:col or a builder call site. */
export interface SourcePos {
  readonly line: number;
  readonly col: number;
  readonly file?: string;
  /** The source text of the line (assembly) or a description of the call site (builder). */
  readonly text?: string;
}

/**
 * A symbolic operand bound late, when a program is finalised or loaded: a jump to a label, a
 * call of a subprogram or helper by name, a map (or a map's value) by name.
 */
export type Reference =
  | { readonly kind: 'label'; readonly name: string }
  | { readonly kind: 'func'; readonly name: string }
  | { readonly kind: 'helper'; readonly name: string }
  | { readonly kind: 'kfunc'; readonly name: string }
  | { readonly kind: 'map'; readonly name: string }
  | { readonly kind: 'map_value'; readonly name: string; readonly offset: number };

export interface Instruction {
  /** The 8-bit opcode: class | source/size | op/mode. */
  code: number;
  /** Destination register, 0-15 in the encoding (0-10 valid). */
  dst: number;
  /** Source register or pseudo-source, 0-15 in the encoding. */
  src: number;
  /** Signed 16-bit offset. */
  off: number;
  /** Signed 32-bit immediate. */
  imm: number;
  /** lddw only: the second slot's signed 32-bit imm (upper half of the 64-bit constant); always set on a well-formed lddw. */
  imm2?: number;
  /** A late-bound operand; resolved into off/imm when the program is finalised or loaded. */
  ref?: Reference;
  /** Where this instruction was written. */
  source?: SourcePos;
}

export const LDDW = 0x18;

/** Slots an instruction occupies in the wire form. */
export function slotCount(ins: Instruction): 1 | 2 {
  return ins.code === LDDW && ins.imm2 !== undefined ? 2 : 1;
}

/** The 64-bit immediate of an lddw as a BigInt (imm is the low half, imm2 the high half). */
export function wideImm(ins: Instruction): bigint {
  return (BigInt((ins.imm2 ?? 0) >>> 0) << 32n) | BigInt(ins.imm >>> 0);
}

/** Splits a 64-bit constant into the signed 32-bit halves lddw stores. */
export function splitWide(value: bigint): { imm: number; imm2: number } {
  const v = BigInt.asUintN(64, value);
  return { imm: Number(BigInt.asIntN(32, v)), imm2: Number(BigInt.asIntN(32, v >> 32n)) };
}

/** Total slots of a sequence (jump offsets and call targets count slots, not instructions). */
export function programSlots(instructions: readonly Instruction[]): number {
  let n = 0;
  for (const ins of instructions) n += ins.code === LDDW && ins.imm2 !== undefined ? 2 : 1;
  return n;
}

/** Writes one instruction at `byteOffset`; returns the number of bytes written (8 or 16). */
export function encodeInto(
  ins: Instruction,
  view: DataView,
  byteOffset: number,
  littleEndian = true,
): number {
  writeSlot(view, byteOffset, ins.code, ins.dst, ins.src, ins.off, ins.imm, littleEndian);
  if (ins.code !== LDDW || ins.imm2 === undefined) return SLOT_SIZE;
  writeSlot(view, byteOffset + SLOT_SIZE, 0, 0, 0, 0, ins.imm2, littleEndian);
  return 2 * SLOT_SIZE;
}

/** Encodes a program into its wire form (host order is little-endian on every eBPF target we load on). */
export function encode(instructions: readonly Instruction[], littleEndian = true): Uint8Array {
  const out = new Uint8Array(programSlots(instructions) * SLOT_SIZE);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const ins of instructions) at += encodeInto(ins, view, at, littleEndian);
  return out;
}

/**
 * Decodes one slot into its raw fields (no lddw pairing); `imm2`, when given, is an lddw's upper
 * half, made part of the object at once so every lddw has one shape.
 */
export function decodeSlot(view: DataView, at: number, littleEndian = true, imm2?: number): Instruction {
  const regs = view.getUint8(at + 1);
  const code = view.getUint8(at);
  const dst = littleEndian ? regs & 0xf : regs >> 4;
  const src = littleEndian ? regs >> 4 : regs & 0xf;
  const off = view.getInt16(at + 2, littleEndian);
  const imm = view.getInt32(at + 4, littleEndian);
  return imm2 === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, imm2 };
}

/**
 * Decodes a wire-form program. An lddw takes its second slot's imm as `imm2`; if that second slot
 * has other fields set it is kept as a separate (invalid) instruction so nothing is lost, and an
 * lddw in the last slot has no `imm2` at all. Trailing bytes that do not fill a slot are ignored
 * here; callers that care check `bytes.length % 8`.
 */
export function decode(bytes: Uint8Array, littleEndian = true): Instruction[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slots = Math.floor(bytes.byteLength / SLOT_SIZE);
  const out: Instruction[] = [];
  for (let i = 0; i < slots; i++) {
    const at = i * SLOT_SIZE;
    const next = at + SLOT_SIZE;
    // An lddw's second slot is code 0, registers 0, off 0: its imm is the upper half.
    const paired =
      bytes[at] === LDDW &&
      i + 1 < slots &&
      bytes[next] === 0 &&
      bytes[next + 1] === 0 &&
      view.getInt16(next + 2, littleEndian) === 0;
    out.push(decodeSlot(view, at, littleEndian, paired ? view.getInt32(next + 4, littleEndian) : undefined));
    if (paired) i++;
  }
  return out;
}

/** Two instructions are the same encoding (metadata ignored). */
export function sameEncoding(a: Instruction, b: Instruction): boolean {
  return (
    a.code === b.code &&
    a.dst === b.dst &&
    a.src === b.src &&
    a.off === b.off &&
    a.imm === b.imm &&
    a.imm2 === b.imm2
  );
}
