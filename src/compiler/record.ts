// Event records: the layout of what `p.emit({...})` sends through the ring buffer, derived from
// the emitted values, and a decoder generated for that layout. Decoding is the hot path of every
// tracer (millions of records a second), so each layout gets straight-line code: no loop over
// fields, no per-field closure, integers read as two u32 halves rather than through BigInt.
import { decodeObject } from './object-type.js';
import { elemSize, type IntType, type PtrType, type ValueType, valueSize } from './types.js';

export interface RecordField {
  name: string;
  type: ValueType;
  offset: number;
  size: number;
}

export interface RecordLayout {
  fields: RecordField[];
  size: number;
}

/** Bytes 0-3 of every record: which emit site wrote it. */
export const SITE_BYTES = 4;

export function fieldSize(t: ValueType): number {
  return valueSize(t);
}

/** A field's alignment: its element's size (strings and addresses bytes, lists their u32 count). */
function alignOf(t: ValueType): number {
  switch (t.kind) {
    case 'str':
      return 1;
    case 'inet':
      return t.size === 4 ? 4 : 1;
    case 'strs':
      return 4;
    case 'array':
      return elemSize(t.elem);
    case 'object':
      return 1; // copied as bytes, read through a DataView
    default:
      return valueSize(t);
  }
}

/** Fields in the order given, each aligned to its size (strings to 1), after the site id. */
export function recordLayout(fields: readonly { name: string; type: ValueType }[]): RecordLayout {
  let at = SITE_BYTES;
  const out = fields.map(({ name, type }) => {
    const size = fieldSize(type);
    const align = alignOf(type);
    at = Math.ceil(at / align) * align;
    const f = { name, type, offset: at, size };
    at += size;
    return f;
  });
  return { fields: out, size: Math.ceil(at / 8) * 8 };
}

/** Reads one record into a plain object: `(view, bytes, offset) => record`. */
export type RecordDecoder<T> = (view: DataView, bytes: Uint8Array, offset: number) => T;

/** The string at `start`, up to its NUL or `max` bytes, as UTF-8. */
function cString(bytes: Uint8Array, start: number, max: number): string {
  let end = start;
  const stop = start + max;
  while (end < stop && bytes[end] !== 0) end++;
  // Short ASCII strings (comm, most paths) are faster by hand than through a decoder.
  if (end - start <= 24) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i] as number;
      if (c >= 0x80) return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
      s += String.fromCharCode(c);
    }
    return s;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
}

function intExpr(t: IntType | PtrType, o: string): string {
  if (t.kind === 'ptr') return `view.getBigUint64(${o}, true)`;
  switch (t.size) {
    case 1:
      return t.signed ? `view.getInt8(${o})` : `bytes[${o}]`;
    case 2:
      return `view.${t.signed ? 'getInt16' : 'getUint16'}(${o}, true)`;
    case 4:
      return `view.${t.signed ? 'getInt32' : 'getUint32'}(${o}, true)`;
    case 8:
      // A number: exact up to 2^53 (ns timestamps, sizes, counts); the high half carries the sign.
      return `(view.getUint32(${o}, true) + view.${t.signed ? 'getInt32' : 'getUint32'}(${o} + 4, true) * 4294967296)`;
  }
}

function readExpr(f: RecordField): string {
  const o = `o + ${f.offset}`;
  const t = f.type;
  switch (t.kind) {
    case 'str':
      return `str(bytes, ${o}, ${f.size})`;
    case 'inet':
      return `inet(bytes, ${o}, ${t.size})`;
    case 'strs':
      return `strs(bytes, view, ${o}, ${t.count}, ${t.size})`;
    case 'object':
      return `obj(view, bytes, ${o}, types[${JSON.stringify(f.name)}])`;
    case 'array': {
      // Unrolled: arrays in records are short (6 syscall arguments, 16 address bytes).
      const size = elemSize(t.elem);
      const items = Array.from({ length: t.length }, (_, i) => intExpr(t.elem, `${o} + ${i * size}`));
      return `[${items.join(', ')}]`;
    }
    default:
      // An index into a name table (p.func()): the name, or the number if out of range.
      if (t.kind === 'int' && t.names) return `named(names[${JSON.stringify(f.name)}], ${intExpr(t, o)})`;
      return intExpr(t, o);
  }
}

/** names[i], or i where the table has no such entry. */
const named = (names: readonly string[], i: number): string | number => names[i] ?? i;

/** An IPv4 or IPv6 address as bpftrace's ntop() (and inet_ntop(3)) writes it. */
export function inetText(bytes: Uint8Array, o: number, size: 4 | 16): string {
  if (size === 4) return `${bytes[o]}.${bytes[o + 1]}.${bytes[o + 2]}.${bytes[o + 3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++)
    words.push(((bytes[o + 2 * i] as number) << 8) | (bytes[o + 2 * i + 1] as number));
  // IPv4-mapped (::ffff:a.b.c.d) keeps the dotted tail, as inet_ntop does.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff)
    return `::ffff:${inetText(bytes, o + 12, 4)}`;
  // The longest run of two or more zero words becomes '::' (the first such run on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}

/** The strings of a `strs` field: a u32 count, then fixed-size NUL-terminated slots. */
function stringList(bytes: Uint8Array, view: DataView, o: number, max: number, size: number): string[] {
  const n = Math.min(view.getUint32(o, true), max);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(cString(bytes, o + 4 + i * size, size));
  return out;
}

/** A decoder for `layout`, generated once per emit site. */
export function recordDecoder<T>(layout: RecordLayout): RecordDecoder<T> {
  const props = layout.fields.map((f) => `${JSON.stringify(f.name)}: ${readExpr(f)}`).join(', ');
  // Field names are JSON-quoted and types come from our own table: nothing user-written is code.
  // Whole structs decode through their shapes, looked up by field name.
  const types = Object.fromEntries(
    layout.fields.filter((f) => f.type.kind === 'object').map((f) => [f.name, f.type]),
  );
  const names = Object.fromEntries(
    layout.fields.flatMap((f) => (f.type.kind === 'int' && f.type.names ? [[f.name, f.type.names]] : [])),
  );
  const make = new Function(
    'str',
    'inet',
    'strs',
    'obj',
    'types',
    'named',
    'names',
    `return function decode(view, bytes, o) { return { ${props} }; };`,
  );
  return make(cString, inetText, stringList, decodeObject, types, named, names) as RecordDecoder<T>;
}
