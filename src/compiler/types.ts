// What a probe value is, as far as code generation and decoding care: an integer of some width
// and signedness, a pointer (kernel or user memory, maybe to a BTF type), or a string of at most
// `size` bytes. Also the mapping from BTF types and tracepoint field declarations to these.
import { resolveType, sizeOf } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';
import type { ObjectType } from './object-type.js';

export type IntSize = 1 | 2 | 4 | 8;

export interface IntType {
  kind: 'int';
  size: IntSize;
  signed: boolean;
  /** An index into these names, decoded as the name (which function of a wildcard probe fired). */
  names?: readonly string[];
}
export interface PtrType {
  kind: 'ptr';
  /** The pointee's BTF type id (0: unknown or void). */
  to: number;
  /** Points at user memory (syscall arguments, uprobe arguments). */
  user: boolean;
  /** Points at char: `.string()` reads it without a cast. */
  char: boolean;
  /** What it points at when BTF does not say (`char **` from a tracepoint's format). */
  elem?: IntType | PtrType;
}
export interface StrType {
  kind: 'str';
  size: number;
}
/** A fixed-size array of integers or pointers (`unsigned long args[6]`, `__u8 saddr_v6[16]`). */
export interface ArrayType {
  kind: 'array';
  elem: IntType | PtrType;
  length: number;
}
/** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network order, decoded as bpftrace's ntop() text. */
export interface InetType {
  kind: 'inet';
  size: 4 | 16;
}
/** Up to `count` strings of at most `size` bytes each, from a NULL-terminated pointer array (argv). */
export interface StrsType {
  kind: 'strs';
  count: number;
  size: number;
}
export type ValueType = IntType | PtrType | StrType | ArrayType | InetType | StrsType | ObjectType;

/** The bytes a value of `t` takes in a record. */
export function valueSize(t: ValueType): number {
  switch (t.kind) {
    case 'str':
      return t.size;
    case 'ptr':
      return 8;
    case 'int':
      return t.size;
    case 'array':
      return elemSize(t.elem) * t.length;
    case 'inet':
      return t.size;
    case 'strs':
      return 4 + t.count * t.size;
    case 'object':
      return t.size;
  }
}

/** The log2 histogram's bucket for negative values of a signed value (bpftrace's `(..., 0)`). */
export const NEGATIVE_BUCKET = 65;

export const elemSize = (t: IntType | PtrType): IntSize => (t.kind === 'ptr' ? 8 : t.size);

export const U64: IntType = { kind: 'int', size: 8, signed: false };
export const S64: IntType = { kind: 'int', size: 8, signed: true };
export const U32: IntType = { kind: 'int', size: 4, signed: false };
export const U8: IntType = { kind: 'int', size: 1, signed: false };
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
      // `char` arrays are text; `__u8`/`unsigned char` ones (addresses, hashes) are bytes.
      if (el.kind === 'int' && el.size === 1 && /^(?:signed )?char$/.test(el.name))
        return { kind: 'str', size: t.nelems };
      if (el.kind === 'int' || el.kind === 'enum' || el.kind === 'enum64' || el.kind === 'ptr') {
        const elem = btfValueType(btf, t.type, user, `${what}[]`);
        if (elem.kind === 'int' || elem.kind === 'ptr') return { kind: 'array', elem, length: t.nelems };
      }
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
  const n = decl.arrayLength;
  if (n !== undefined) {
    const base = type.replace(/\[\d*\]$/, '').trim();
    if (/^(?:const\s+)?(?:signed\s+)?char$/.test(base)) return { kind: 'str', size: n };
    if (n === 0) throw new RangeError(`${what}: a zero-length array has no elements to read`);
    const elem: IntType | PtrType = base.endsWith('*')
      ? pointerType(base, user)
      : intType(decl.size / n, decl.signed, `${what}[]`);
    return { kind: 'array', elem, length: n };
  }
  if (type.endsWith('*')) return pointerType(type, user);
  return intType(decl.size, decl.signed, what);
}

/**
 * A pointer from its C spelling (`const char *const *`): what it points at is known when that is a
 * char, a pointer, or a plain integer, so `.at(i)` and `.string()` need no BTF.
 */
export function pointerType(type: string, user: boolean): PtrType {
  const inner = type
    .replace(/\*\s*$/, '')
    .replace(/\b(const|volatile)\b/g, '')
    .trim();
  const char = /^(?:signed\s+|unsigned\s+)?char$/.test(inner);
  const out: PtrType = { kind: 'ptr', to: 0, user, char };
  if (inner.endsWith('*')) out.elem = pointerType(inner, user);
  else {
    const int = cInt(inner);
    if (int) out.elem = { kind: 'int', ...int };
  }
  return out;
}

/** C integer spellings and the kernel's fixed-width names. */
export function cInt(type: string): { size: IntSize; signed: boolean } | undefined {
  const t = type.replace(/\b(const|volatile)\b/g, '').trim();
  const fixed = /^(?:__)?([us])(8|16|32|64)$/.exec(t);
  if (fixed) return { size: (Number(fixed[2]) / 8) as IntSize, signed: fixed[1] === 's' };
  const m = /^(unsigned\s+|signed\s+)?(char|short|int|long|long long)(\s+int)?$/.exec(t);
  if (!m) return undefined;
  const size = { char: 1, short: 2, int: 4, long: 8, 'long long': 8 }[m[2] as 'int'] as IntSize;
  return { size, signed: m[1]?.trim() !== 'unsigned' };
}

/** How a value decodes in JavaScript: `number` for integers, `bigint` for pointers, `string` for strings. */
export type Decoded<T extends ValueType> = T extends StrType | InetType
  ? string
  : T extends PtrType
    ? bigint
    : T extends StrsType
      ? string[]
      : T extends ArrayType
        ? (number | bigint)[]
        : T extends ObjectType
          ? Record<string, unknown>
          : number;
