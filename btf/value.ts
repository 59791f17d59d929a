// Values laid out by BTF types, as JavaScript values: read a C object's bytes into numbers,
// bigints, strings, arrays and objects, write them back with range checks, and print them.
// Used for global variables (.bss/.data/.rodata) and for ring/perf buffer records.
//
//   integers up to 32 bits → number; 64/128-bit → bigint; _Bool → boolean; pointers → bigint;
//   enums → number (64-bit: bigint); float/double → number; char[N] → string (up to the NUL);
//   other arrays → arrays; structs and unions → objects (anonymous members flattened, as C reads them).
//
// A codec is compiled once per type, so reading a record does not walk the BTF again.
import { BtfError } from './error.js';
import { resolveType } from './layout.js';
import { didYouMean } from './nearest.js';
import type { Btf } from './parse.js';
import type { BtfType, IntType } from './types.js';

/** A C value as JavaScript sees it. */
export type BtfValue = number | bigint | boolean | string | BtfValue[] | { [member: string]: BtfValue };

/** Reads, writes and prints one BTF type at an offset of a DataView (little-endian). */
export interface BtfValueCodec {
  readonly size: number;
  /** The C type, for messages: `__u32`, `struct event`, `char[16]`. */
  readonly typeName: string;
  decode(view: DataView, offset: number): BtfValue;
  /**
   * Writes `value`; struct members left out keep the bytes they had. `path` names the value in
   * errors (TypeError for a wrong kind of value, RangeError for one that does not fit).
   */
  encode(value: unknown, view: DataView, offset: number, path: string): void;
  /** One line of text: `pid=42 comm="bash" ts=123` for a struct at top level, `{…}` nested. */
  format(view: DataView, offset: number, nested?: boolean): string;
}

const MAX_DEPTH = 64;

/** The codec for a BTF type (typedefs and modifiers followed). BtfError for a type with no value. */
export function btfValueCodec(btf: Btf, typeId: number): BtfValueCodec {
  return compile(btf, typeId, 0, new Map());
}

/** A short C name of a type, for messages. */
export function btfTypeName(btf: Btf, id: number, depth = 0): string {
  const t = btf.type(id);
  if (depth > MAX_DEPTH) return '?';
  switch (t.kind) {
    case 'void':
      return 'void';
    case 'ptr':
      return `${btfTypeName(btf, t.type, depth + 1)} *`;
    case 'array':
      return `${btfTypeName(btf, t.type, depth + 1)}[${t.nelems}]`;
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
      return btfTypeName(btf, t.type, depth + 1);
    case 'struct':
    case 'union':
    case 'enum':
    case 'enum64':
      return t.name ? `${t.kind === 'enum64' ? 'enum' : t.kind} ${t.name}` : `anonymous ${t.kind}`;
    default:
      return t.name || t.kind;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.byteLength} bytes`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function wrongKind(path: string, want: string, typeName: string, value: unknown): TypeError {
  return new TypeError(`${path}: expected ${want} for ${typeName}, got ${kindOf(value)}`);
}

const resolved = resolveType;

function compile(btf: Btf, id: number, depth: number, seen: Map<number, BtfValueCodec>): BtfValueCodec {
  if (depth > MAX_DEPTH) throw new BtfError(`type [${id}]: nested too deeply`, btf.recordOffset(id));
  const cached = seen.get(id);
  if (cached) return cached;
  const name = btfTypeName(btf, id);
  const t = resolved(btf, id);
  let codec: BtfValueCodec;
  switch (t.kind) {
    case 'int':
      codec = intCodec(t, name);
      break;
    case 'ptr':
      codec = integer(8, false, name, (v) => `0x${(v as bigint).toString(16)}`);
      break;
    case 'enum':
    case 'enum64': {
      const names = new Map<bigint, string>();
      for (const v of t.values) names.set(BigInt(v.value), v.name);
      const byName = new Map([...names].map(([v, n]) => [n, v]));
      const base = integer(
        t.size,
        t.signed,
        name,
        (v) => names.get(BigInt(v as number | bigint)) ?? String(v),
      );
      codec = {
        ...base,
        encode(value, view, offset, path) {
          if (typeof value === 'string') {
            const v = byName.get(value);
            if (v === undefined)
              throw new RangeError(
                `${path}: ${name} has no value '${value}'${didYouMean(value, [...byName.keys()])}`,
              );
            value = t.size === 8 ? v : Number(v);
          }
          base.encode(value, view, offset, path);
        },
      };
      break;
    }
    case 'float':
      codec = floatCodec(t.size, name, btf, id);
      break;
    case 'array':
      codec = arrayCodec(btf, t.type, t.nelems, name, depth, seen);
      break;
    case 'struct':
    case 'union':
      codec = compositeCodec(btf, t, name, depth, seen);
      break;
    default:
      throw new BtfError(`type [${id}] (${t.kind} ${name}) has no value layout`, btf.recordOffset(id));
  }
  seen.set(id, codec);
  return codec;
}

function intCodec(t: IntType, name: string): BtfValueCodec {
  if (t.bool || (t.size === 1 && t.name === '_Bool')) {
    return {
      size: 1,
      typeName: name,
      decode: (view, offset) => view.getUint8(offset) !== 0,
      encode(value, view, offset, path) {
        if (typeof value !== 'boolean' && value !== 0 && value !== 1)
          throw wrongKind(path, 'a boolean', name, value);
        view.setUint8(offset, value ? 1 : 0);
      },
      format: (view, offset) => String(view.getUint8(offset) !== 0),
    };
  }
  if (![1, 2, 4, 8, 16].includes(t.size))
    throw new BtfError(`int ${t.name} has size ${t.size}, not 1, 2, 4, 8 or 16`, -1);
  return integer(t.size, t.signed, name, String);
}

/** Integers: number up to 4 bytes, bigint for 8 and 16; `show` prints a decoded value. */
function integer(size: number, signed: boolean, name: string, show: (v: BtfValue) => string): BtfValueCodec {
  const bits = BigInt(size * 8);
  const min = signed ? -(1n << (bits - 1n)) : 0n;
  const max = signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  const read = (view: DataView, offset: number): number | bigint => {
    switch (size) {
      case 1:
        return signed ? view.getInt8(offset) : view.getUint8(offset);
      case 2:
        return signed ? view.getInt16(offset, true) : view.getUint16(offset, true);
      case 4:
        return signed ? view.getInt32(offset, true) : view.getUint32(offset, true);
      case 8:
        return signed ? view.getBigInt64(offset, true) : view.getBigUint64(offset, true);
      default: {
        const u = (view.getBigUint64(offset + 8, true) << 64n) | view.getBigUint64(offset, true);
        return signed ? BigInt.asIntN(128, u) : u;
      }
    }
  };
  return {
    size,
    typeName: name,
    decode: read,
    encode(value, view, offset, path) {
      let n: bigint;
      if (typeof value === 'bigint') n = value;
      else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
      else throw wrongKind(path, 'an integer (number or bigint)', name, value);
      if (n < min || n > max) throw new RangeError(`${path}: ${value} does not fit ${name} (${min}..${max})`);
      const u = BigInt.asUintN(size * 8, n);
      if (size === 16) {
        view.setBigUint64(offset, u & 0xffff_ffff_ffff_ffffn, true);
        view.setBigUint64(offset + 8, u >> 64n, true);
      } else if (size === 8) view.setBigUint64(offset, u, true);
      else if (size === 4) view.setUint32(offset, Number(u), true);
      else if (size === 2) view.setUint16(offset, Number(u), true);
      else view.setUint8(offset, Number(u));
    },
    format: (view, offset) => show(read(view, offset)),
  };
}

function floatCodec(size: number, name: string, btf: Btf, id: number): BtfValueCodec {
  if (size !== 4 && size !== 8)
    throw new BtfError(
      `${name} is a ${size}-byte float, which JavaScript numbers do not hold`,
      btf.recordOffset(id),
    );
  const read = (view: DataView, offset: number) =>
    size === 4 ? view.getFloat32(offset, true) : view.getFloat64(offset, true);
  return {
    size,
    typeName: name,
    decode: read,
    encode(value, view, offset, path) {
      if (typeof value !== 'number') throw wrongKind(path, 'a number', name, value);
      if (size === 4) view.setFloat32(offset, value, true);
      else view.setFloat64(offset, value, true);
    },
    format: (view, offset) => String(read(view, offset)),
  };
}

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

function isChar(t: BtfType): boolean {
  return t.kind === 'int' && t.size === 1 && (t.char || t.name === 'char') && !t.bool;
}

function arrayCodec(
  btf: Btf,
  elemId: number,
  nelems: number,
  name: string,
  depth: number,
  seen: Map<number, BtfValueCodec>,
): BtfValueCodec {
  if (isChar(resolved(btf, elemId))) {
    const read = (view: DataView, offset: number): string => {
      const bytes = new Uint8Array(view.buffer, view.byteOffset + offset, nelems);
      const end = bytes.indexOf(0);
      return utf8.decode(end < 0 ? bytes : bytes.subarray(0, end));
    };
    return {
      size: nelems,
      typeName: name,
      decode: read,
      encode(value, view, offset, path) {
        if (typeof value !== 'string') throw wrongKind(path, 'a string', name, value);
        const bytes = encoder.encode(value);
        if (bytes.byteLength > nelems)
          throw new RangeError(`${path}: '${value}' is ${bytes.byteLength} bytes; ${name} holds ${nelems}`);
        const into = new Uint8Array(view.buffer, view.byteOffset + offset, nelems);
        into.fill(0);
        into.set(bytes);
      },
      format: (view, offset) => JSON.stringify(read(view, offset)),
    };
  }
  const elem = compile(btf, elemId, depth + 1, seen);
  const step = elem.size;
  return {
    size: step * nelems,
    typeName: name,
    decode(view, offset) {
      const out: BtfValue[] = [];
      for (let i = 0; i < nelems; i++) out.push(elem.decode(view, offset + i * step));
      return out;
    },
    encode(value, view, offset, path) {
      if (!Array.isArray(value)) throw wrongKind(path, `an array of ${nelems}`, name, value);
      if (value.length !== nelems)
        throw new RangeError(`${path}: ${name} has ${nelems} elements; got an array of ${value.length}`);
      for (let i = 0; i < nelems; i++) elem.encode(value[i], view, offset + i * step, `${path}[${i}]`);
    },
    format(view, offset) {
      const parts: string[] = [];
      for (let i = 0; i < nelems; i++) parts.push(elem.format(view, offset + i * step, true));
      return `[${parts.join(', ')}]`;
    },
  };
}

/** A member as read from its struct: a whole-byte field, or a bitfield. */
interface Field {
  name: string;
  /** Byte offset from the outermost struct. */
  offset: number;
  codec: BtfValueCodec;
  /** Bitfields: bit offset from `offset`, width, and sign. */
  bits?: { shift: number; width: number; signed: boolean; wide: boolean; bytes: number };
}

function collectFields(
  btf: Btf,
  t: Extract<BtfType, { kind: 'struct' | 'union' }>,
  base: number,
  depth: number,
  seen: Map<number, BtfValueCodec>,
  out: Field[],
): void {
  for (const m of t.members) {
    const inner = resolved(btf, m.type);
    if (m.name === '' && (inner.kind === 'struct' || inner.kind === 'union')) {
      collectFields(btf, inner, base + m.bitOffset / 8, depth + 1, seen, out);
      continue;
    }
    if (m.name === '') continue; // an unnamed bitfield is padding
    const codec = compile(btf, m.type, depth + 1, seen);
    if (m.bitfieldSize === 0 && m.bitOffset % 8 === 0) {
      out.push({ name: m.name, offset: base + m.bitOffset / 8, codec });
      continue;
    }
    const width = m.bitfieldSize || codec.size * 8;
    const first = Math.floor(m.bitOffset / 8);
    const shift = m.bitOffset % 8;
    const signed = (inner.kind === 'int' || inner.kind === 'enum' || inner.kind === 'enum64') && inner.signed;
    out.push({
      name: m.name,
      offset: base + first,
      codec,
      bits: { shift, width, signed, wide: codec.size > 4, bytes: Math.ceil((shift + width) / 8) },
    });
  }
}

function readBits(view: DataView, offset: number, b: NonNullable<Field['bits']>): number | bigint {
  let word = 0n;
  for (let i = b.bytes - 1; i >= 0; i--) word = (word << 8n) | BigInt(view.getUint8(offset + i));
  const raw = (word >> BigInt(b.shift)) & ((1n << BigInt(b.width)) - 1n);
  const v = b.signed ? BigInt.asIntN(b.width, raw) : raw;
  return b.wide ? v : Number(v);
}

function writeBits(
  view: DataView,
  offset: number,
  b: NonNullable<Field['bits']>,
  value: unknown,
  path: string,
): void {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isInteger(value)) n = BigInt(value);
  else if (typeof value === 'boolean') n = value ? 1n : 0n;
  else throw new TypeError(`${path}: expected an integer for a ${b.width}-bit field, got ${kindOf(value)}`);
  const w = BigInt(b.width);
  const min = b.signed ? -(1n << (w - 1n)) : 0n;
  const max = b.signed ? (1n << (w - 1n)) - 1n : (1n << w) - 1n;
  if (n < min || n > max)
    throw new RangeError(`${path}: ${value} does not fit a ${b.width}-bit field (${min}..${max})`);
  let word = 0n;
  for (let i = b.bytes - 1; i >= 0; i--) word = (word << 8n) | BigInt(view.getUint8(offset + i));
  const mask = ((1n << w) - 1n) << BigInt(b.shift);
  word = (word & ~mask) | ((BigInt.asUintN(b.width, n) << BigInt(b.shift)) & mask);
  for (let i = 0; i < b.bytes; i++) view.setUint8(offset + i, Number((word >> BigInt(8 * i)) & 0xffn));
}

function compositeCodec(
  btf: Btf,
  t: Extract<BtfType, { kind: 'struct' | 'union' }>,
  name: string,
  depth: number,
  seen: Map<number, BtfValueCodec>,
): BtfValueCodec {
  const fields: Field[] = [];
  collectFields(btf, t, 0, depth, seen, fields);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const read = (f: Field, view: DataView, offset: number): BtfValue =>
    f.bits ? readBits(view, offset + f.offset, f.bits) : f.codec.decode(view, offset + f.offset);
  return {
    size: t.size,
    typeName: name,
    decode(view, offset) {
      const out: { [member: string]: BtfValue } = {};
      for (const f of fields) out[f.name] = read(f, view, offset);
      return out;
    },
    encode(value, view, offset, path) {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array)
        throw wrongKind(path, 'an object', name, value);
      for (const [key, v] of Object.entries(value)) {
        const f = byName.get(key);
        if (!f)
          throw new RangeError(
            `${path}: ${name} has no member '${key}'${didYouMean(key, [...byName.keys()])}`,
          );
        if (f.bits) writeBits(view, offset + f.offset, f.bits, v, `${path}.${key}`);
        else f.codec.encode(v, view, offset + f.offset, `${path}.${key}`);
      }
    },
    format(view, offset, nested) {
      const parts = fields.map(
        (f) =>
          `${f.name}=${f.bits ? String(readBits(view, offset + f.offset, f.bits)) : f.codec.format(view, offset + f.offset, true)}`,
      );
      return nested ? `{${parts.join(' ')}}` : parts.join(' ');
    },
  };
}

/** The TypeScript type a codec's decode() returns for a BTF type, as source (`{ lo: number; hi: number }`). */
export function btfTsType(btf: Btf, id: number, indent = '', depth = 0): string {
  if (depth > MAX_DEPTH) throw new BtfError(`type [${id}]: nested too deeply`, btf.recordOffset(id));
  const t = resolved(btf, id);
  switch (t.kind) {
    case 'int':
      if (t.bool || (t.size === 1 && t.name === '_Bool')) return 'boolean';
      return t.size > 4 ? 'bigint' : 'number';
    case 'ptr':
      return 'bigint';
    case 'enum':
    case 'enum64':
      return t.size > 4 ? 'bigint' : 'number';
    case 'float':
      return 'number';
    case 'array':
      if (isChar(resolved(btf, t.type))) return 'string';
      return `${wrapUnion(btfTsType(btf, t.type, indent, depth + 1))}[]`;
    case 'struct':
    case 'union': {
      const lines: string[] = [];
      const add = (s: typeof t, inner: string) => {
        for (const m of s.members) {
          const mt = resolved(btf, m.type);
          if (m.name === '' && (mt.kind === 'struct' || mt.kind === 'union')) add(mt, inner);
          else if (m.name !== '')
            lines.push(`${inner}${m.name}: ${btfTsType(btf, m.type, inner, depth + 1)};`);
        }
      };
      add(t, `${indent}  `);
      return lines.length === 0 ? 'Record<string, never>' : `{\n${lines.join('\n')}\n${indent}}`;
    }
    default:
      throw new BtfError(`type [${id}] (${t.kind}) has no value layout`, btf.recordOffset(id));
  }
}

const wrapUnion = (s: string): string => (s.includes('|') ? `(${s})` : s);
