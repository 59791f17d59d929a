// Whole structs and unions as values: `p.emit({ addr: sockaddr })` copies the struct's bytes into
// the record (one bpf_probe_read) and user space decodes them into a nested object, from a shape
// worked out once from BTF: members by name, nested structs as objects, arrays as arrays, char
// arrays as strings, pointers as bigint, bitfields as numbers. Anonymous members are flattened,
// as C reaches them. A size limit keeps a stray `task_struct` (~10 KiB) out of every record.
import { resolveType, sizeOf } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';
import type { BtfType } from '../../btf/types.js';
import type { IntSize } from './types.js';

/** How one member decodes. */
export type Shape =
  | { kind: 'int'; size: IntSize; signed: boolean }
  | { kind: 'ptr' }
  | { kind: 'float'; size: 4 | 8 }
  /** A char array: the text up to its NUL. */
  | { kind: 'str'; size: number }
  /** A bitfield: `bits` bits from bit `bit` of the byte at the member's offset. */
  | { kind: 'bits'; bit: number; bits: number; signed: boolean }
  | { kind: 'list'; elem: Shape; length: number; stride: number }
  | ObjectType;

export interface ObjectMember {
  name: string;
  /** Bytes from the start of the object. */
  offset: number;
  shape: Shape;
}

/** A whole struct or union in a record: `size` bytes decoded to `{ member: value, … }`. */
export interface ObjectType {
  kind: 'object';
  /** `struct sockaddr_in`, for messages. */
  name: string;
  size: number;
  members: ObjectMember[];
}

/** The default and the largest size of a whole struct in a record. */
export const OBJECT_DEFAULT_MAX = 1024;
export const OBJECT_LIMIT = 16384;

/** The shape of struct/union `id`, or a TypeError when it is larger than `max` bytes. */
export function objectType(btf: Btf, id: number, max: number, label: string): ObjectType {
  const t = resolveType(btf, id);
  if (t.kind !== 'struct' && t.kind !== 'union')
    throw new TypeError(`'${label}' is a ${t.kind}, not a struct or union`);
  const size = sizeOf(btf, t.id);
  const name = `${t.kind} ${t.name || '(anonymous)'}`;
  if (size > max)
    throw new TypeError(
      `'${label}' is a ${name} of ${size} bytes, over the ${max}-byte limit for a whole struct in a record; emit its fields, or raise the limit with .object({ max })`,
    );
  return { kind: 'object', name, size, members: membersOf(btf, t, 0) };
}

function membersOf(
  btf: Btf,
  t: Extract<BtfType, { kind: 'struct' | 'union' }>,
  base: number,
): ObjectMember[] {
  const out: ObjectMember[] = [];
  for (const m of t.members) {
    const bitOff = base * 8 + m.bitOffset;
    const mt = resolveType(btf, m.type);
    if (!m.name && (mt.kind === 'struct' || mt.kind === 'union')) {
      // An anonymous struct or union: its members are the parent's, as C names them.
      out.push(...membersOf(btf, mt, bitOff / 8));
      continue;
    }
    if (m.bitfieldSize !== 0) {
      const signed =
        mt.kind === 'int' ? mt.signed : mt.kind === 'enum' || mt.kind === 'enum64' ? mt.signed : false;
      out.push({
        name: m.name,
        offset: Math.floor(bitOff / 8),
        shape: { kind: 'bits', bit: bitOff % 8, bits: m.bitfieldSize, signed },
      });
      continue;
    }
    const shape = shapeOf(btf, m.type);
    if (shape) out.push({ name: m.name, offset: bitOff / 8, shape });
  }
  return out;
}

/** A type's shape; undefined for what has no bytes to show (flexible arrays, functions). */
function shapeOf(btf: Btf, id: number): Shape | undefined {
  const t = resolveType(btf, id);
  switch (t.kind) {
    case 'int':
    case 'enum':
    case 'enum64': {
      const size = t.size;
      if (size === 1 || size === 2 || size === 4 || size === 8)
        return { kind: 'int', size, signed: t.signed };
      return undefined; // __int128: no JavaScript number holds it
    }
    case 'ptr':
      return { kind: 'ptr' };
    case 'float':
      return t.size === 4 || t.size === 8 ? { kind: 'float', size: t.size } : undefined;
    case 'struct':
    case 'union':
      return { kind: 'object', name: `${t.kind} ${t.name}`, size: t.size, members: membersOf(btf, t, 0) };
    case 'array': {
      if (t.nelems === 0) return undefined;
      const el = resolveType(btf, t.type);
      if (el.kind === 'int' && el.size === 1 && /^(?:signed )?char$/.test(el.name))
        return { kind: 'str', size: t.nelems };
      const elem = shapeOf(btf, t.type);
      return elem ? { kind: 'list', elem, length: t.nelems, stride: sizeOf(btf, t.type) } : undefined;
    }
    default:
      return undefined;
  }
}

/** The object at `bytes[o…]` with shape `t`. */
export function decodeObject(
  view: DataView,
  bytes: Uint8Array,
  o: number,
  t: ObjectType,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of t.members) out[m.name] = decodeShape(view, bytes, o + m.offset, m.shape);
  return out;
}

function decodeShape(view: DataView, bytes: Uint8Array, o: number, s: Shape): unknown {
  switch (s.kind) {
    case 'int':
      switch (s.size) {
        case 1:
          return s.signed ? view.getInt8(o) : view.getUint8(o);
        case 2:
          return s.signed ? view.getInt16(o, true) : view.getUint16(o, true);
        case 4:
          return s.signed ? view.getInt32(o, true) : view.getUint32(o, true);
        default:
          // As the record decoder does: a number, exact up to 2^53.
          return (
            view.getUint32(o, true) +
            (s.signed ? view.getInt32(o + 4, true) : view.getUint32(o + 4, true)) * 4294967296
          );
      }
    case 'ptr':
      return view.getBigUint64(o, true);
    case 'float':
      return s.size === 4 ? view.getFloat32(o, true) : view.getFloat64(o, true);
    case 'str': {
      let end = o;
      while (end < o + s.size && bytes[end] !== 0) end++;
      return Buffer.from(bytes.buffer, bytes.byteOffset + o, end - o).toString('utf8');
    }
    case 'bits': {
      let word = 0n;
      const n = Math.ceil((s.bit + s.bits) / 8);
      for (let k = n - 1; k >= 0; k--) word = (word << 8n) | BigInt(bytes[o + k] as number);
      let v = (word >> BigInt(s.bit)) & ((1n << BigInt(s.bits)) - 1n);
      if (s.signed && v >> BigInt(s.bits - 1)) v -= 1n << BigInt(s.bits);
      return Number(v);
    }
    case 'list':
      return Array.from({ length: s.length }, (_, i) => decodeShape(view, bytes, o + i * s.stride, s.elem));
    case 'object':
      return decodeObject(view, bytes, o, s);
  }
}
