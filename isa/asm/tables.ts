// The assembler's word and operator tables, derived once from opcodes.ts and shared by both
// dialects: operators keyed by the lexer's operator ids, access types, size suffixes, byte swaps.

import {
  type AluOp,
  AluOps,
  type AtomicOp,
  AtomicOps,
  Class,
  type JmpOp,
  JmpOps,
  type SizeCode,
  Source,
  sizeSuffix,
  sizeType,
} from '../opcodes.js';
import { opId } from './lexer.js';

export const OP_ASSIGN = opId('=');
export const OP_MINUS = opId('-');
export const OP_PLUS = opId('+');
export const OP_STAR = opId('*');
export const OP_LT = opId('<');
export const OP_GT = opId('>');
export const P_LPAREN = 40;
export const P_RPAREN = 41;
export const P_LBRACK = 91;
export const P_RBRACK = 93;
export const P_COMMA = 44;
export const P_COLON = 58;
export const P_HASH = 35;
/** Added to an operator id when an `s` (signed) prefix precedes it: `s>>=`, `s<`. */
export const S_PREFIX = 1 << 24;

// Operator tables derived from opcodes.ts.
export const aluByLlvm = new Map<number, AluOp>();
export const aluByName = new Map<string, AluOp>();
for (const a of AluOps) {
  aluByName.set(a.name, a);
  if (!a.llvm || a.llvm === '=') continue;
  const signed = a.llvm.startsWith('s');
  aluByLlvm.set(opId(signed ? a.llvm.slice(1) : a.llvm) + (signed ? S_PREFIX : 0), a);
}
export const jmpByLlvm = new Map<number, JmpOp>();
export const jmpByName = new Map<string, JmpOp>();
for (const j of JmpOps) {
  jmpByName.set(j.name, j);
  if (!j.llvm) continue;
  const signed = j.llvm.startsWith('s');
  jmpByLlvm.set(opId(signed ? j.llvm.slice(1) : j.llvm) + (signed ? S_PREFIX : 0), j);
}
export const atomicByLlvm = new Map<number, AtomicOp>();
export const atomicByName = new Map<string, AtomicOp>();
for (const a of AtomicOps) {
  atomicByName.set(a.name, a);
  if (a.llvm) atomicByLlvm.set(opId(a.llvm), a);
}
export const sizeByType = new Map<string, { size: SizeCode; signed: boolean }>();
for (const [code, name] of Object.entries(sizeType)) {
  const size = Number(code) as SizeCode;
  sizeByType.set(name, { size, signed: false });
  // s64 is not a load the ISA has; it parses so the shared validity rule can say so.
  sizeByType.set(`s${name.slice(1)}`, { size, signed: true });
}
/** Bit width → [unsigned, signed] access type, for the scanner-level type match. */
export const sizeByBits = new Map<
  number,
  [{ size: SizeCode; signed: boolean }, { size: SizeCode; signed: boolean } | undefined]
>();
for (const [name, ty] of sizeByType) {
  if (ty.signed) continue;
  sizeByBits.set(Number(name.slice(1)), [ty, sizeByType.get(`s${name.slice(1)}`)]);
}
export const sizeBySuffix = new Map<string, SizeCode>();
for (const [code, suffix] of Object.entries(sizeSuffix)) sizeBySuffix.set(suffix, Number(code) as SizeCode);

/** `be16` … `bswap64`: the byte-swap words of the LLVM syntax. */
export const swapForms = new Map<string, { code: number; bits: number }>();
for (const bits of [16, 32, 64]) {
  swapForms.set(`le${bits}`, { code: Class.ALU | Source.K | 0xd0, bits });
  swapForms.set(`be${bits}`, { code: Class.ALU | Source.X | 0xd0, bits });
  swapForms.set(`bswap${bits}`, { code: Class.ALU64 | Source.K | 0xd0, bits });
}

/** `bswap8`, `le128`: byte swaps exist only at widths 16, 32 and 64. */
export function swapWidthHint(word: string): string {
  const m = /^(le|be|bswap|swap)(\d+)$/.exec(word);
  if (!m || m[2] === '16' || m[2] === '32' || m[2] === '64') return '';
  return `: byte swap width ${m[2]} is not 16, 32 or 64 (${m[1]}16, ${m[1]}32, ${m[1]}64)`;
}
