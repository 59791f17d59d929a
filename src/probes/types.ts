// What a probe value is, as far as code generation and decoding care: an integer of some width
// and signedness, a pointer (kernel or user memory, maybe to a BTF type), or a string of at most
// `size` bytes. Also the mapping from BTF types and tracepoint field declarations to these.
import { resolveType, sizeOf } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';

export type IntSize = 1 | 2 | 4 | 8;

export interface IntType {
  kind: 'int';
  size: IntSize;
  signed: boolean;
}
export interface PtrType {
  kind: 'ptr';
  /** The pointee's BTF type id (0: unknown or void). */
  to: number;
  /** Points at user memory (syscall arguments, uprobe arguments). */
  user: boolean;
  /** Points at char: `.string()` reads it without a cast. */
  char: boolean;
}
export interface StrType {
  kind: 'str';
  size: number;
}
export type ValueType = IntType | PtrType | StrType;

export const U64: IntType = { kind: 'int', size: 8, signed: false };
export const S64: IntType = { kind: 'int', size: 8, signed: true };
export const U32: IntType = { kind: 'int', size: 4, signed: false };
export const S32: IntType = { kind: 'int', size: 4, signed: true };

/** An integer type of `size` bytes, or a RangeError naming `what`. */
export function intType(size: number, signed: boolean, what: string): IntType {
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
    throw new RangeError(`${what}: ${size}-byte integers do not fit a register (1, 2, 4 or 8)`);
  return { kind: 'int', size, signed };
}

/** A BTF type as a probe value type: ints, enums, bools and chars; pointers; char arrays as strings. */
export function btfValueType(btf: Btf, id: number, user: boolean, what: string): ValueType {
  const t = resolveType(btf, id);
  switch (t.kind) {
    case 'int':
      return intType(t.size, t.signed, what);
    case 'enum':
    case 'enum64':
      return intType(t.size, t.signed, what);
    case 'ptr': {
      const to = resolveType(btf, t.type);
      return { kind: 'ptr', to: t.type, user, char: to.kind === 'int' && to.size === 1 };
    }
    case 'array': {
      const el = resolveType(btf, t.type);
      if (el.kind === 'int' && el.size === 1) return { kind: 'str', size: t.nelems };
      break;
    }
    default:
  }
  const size = t.kind === 'void' ? 0 : sizeOf(btf, t.id);
  throw new RangeError(
    `${what}: a ${t.kind}${t.name ? ` ${t.name}` : ''} (${size} bytes) is not a scalar; read one of its fields`,
  );
}

/** A tracepoint field's C declaration (`const char * filename`, `int dfd`, `char comm[16]`). */
export function fieldValueType(
  decl: { type: string; size: number; signed: boolean; arrayLength?: number; dataLoc: boolean },
  user: boolean,
  what: string,
): ValueType {
  const type = decl.type.trim();
  if (decl.dataLoc) return { kind: 'str', size: 256 };
  if (decl.arrayLength !== undefined && /\bchar\b/.test(type)) return { kind: 'str', size: decl.arrayLength };
  if (type.endsWith('*')) return { kind: 'ptr', to: 0, user, char: /\bchar\s*\*$/.test(type) };
  return intType(decl.size, decl.signed, what);
}

/** How a value decodes in JavaScript: `number` for integers, `bigint` for pointers, `string` for strings. */
export type Decoded<T extends ValueType> = T extends StrType ? string : T extends PtrType ? bigint : number;
