// Event records: the layout of what `p.emit({...})` sends through the ring buffer, derived from
// the emitted values, and a decoder generated for that layout. Decoding is the hot path of every
// tracer (millions of records a second), so each layout gets straight-line code: no loop over
// fields, no per-field closure, integers read as two u32 halves rather than through BigInt.
import type { ValueType } from './types.js';

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
  return t.kind === 'str' ? t.size : t.kind === 'ptr' ? 8 : t.size;
}

/** Fields in the order given, each aligned to its size (strings to 1), after the site id. */
export function recordLayout(fields: readonly { name: string; type: ValueType }[]): RecordLayout {
  let at = SITE_BYTES;
  const out = fields.map(({ name, type }) => {
    const size = fieldSize(type);
    const align = type.kind === 'str' ? 1 : size;
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

function readExpr(f: RecordField): string {
  const o = `o + ${f.offset}`;
  const t = f.type;
  if (t.kind === 'str') return `str(bytes, ${o}, ${f.size})`;
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

/** A decoder for `layout`, generated once per emit site. */
export function recordDecoder<T>(layout: RecordLayout): RecordDecoder<T> {
  const props = layout.fields.map((f) => `${JSON.stringify(f.name)}: ${readExpr(f)}`).join(', ');
  // Field names are JSON-quoted and types come from our own table: nothing user-written is code.
  const make = new Function('str', `return function decode(view, bytes, o) { return { ${props} }; };`);
  return make(cString) as RecordDecoder<T>;
}
