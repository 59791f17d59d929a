// printf formats as bpftrace (and C) write them, for `tsbpf trace --format`: %d %i %u %x %X %o
// %s %c %p %%, with flags (- 0 + space), a width, a precision, and length modifiers (h, l, ll, z)
// that are accepted and ignored (values arrive already sized). Escapes \n \t \\ \" in the format.
import { text } from './trace-format.js';
import { UsageError } from './usage.js';

type Piece =
  | string
  | {
      conv: string;
      left: boolean;
      zero: boolean;
      plus: boolean;
      space: boolean;
      width: number;
      precision?: number;
    };

/** A format compiled once: `(values) => text`. */
export interface Printf {
  /** How many values the format takes. */
  readonly arity: number;
  (values: readonly unknown[]): string;
}

const CONVERSION = /%([-0+ ]*)(\d*)(?:\.(\d+))?(hh|h|ll|l|z|j|t)?([diuxXoscp%])/y;

function escapes(text: string): string {
  return text.replace(/\\([ntr\\"0]|x[0-9a-fA-F]{2})/g, (_, c: string) => {
    if (c.startsWith('x')) return String.fromCharCode(Number.parseInt(c.slice(1), 16));
    return { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', '0': '\0' }[c] as string;
  });
}

/** Compiles `format`; a UsageError says which conversion is not understood. */
export function compilePrintf(format: string): Printf {
  const text = escapes(format);
  const pieces: Piece[] = [];
  let lit = '';
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '%') {
      lit += text[i++];
      continue;
    }
    CONVERSION.lastIndex = i;
    const m = CONVERSION.exec(text);
    if (!m)
      throw new UsageError(`--format: '${text.slice(i, i + 6)}' is not a conversion (%d %u %x %s %c %p %%)`);
    i = CONVERSION.lastIndex;
    if (m[5] === '%') {
      lit += '%';
      continue;
    }
    if (lit) pieces.push(lit);
    lit = '';
    const flags = m[1] as string;
    pieces.push({
      conv: m[5] as string,
      left: flags.includes('-'),
      zero: flags.includes('0'),
      plus: flags.includes('+'),
      space: flags.includes(' '),
      width: m[2] ? Number(m[2]) : 0,
      precision: m[3] !== undefined ? Number(m[3]) : undefined,
    });
  }
  if (lit) pieces.push(lit);
  const arity = pieces.filter((p) => typeof p !== 'string').length;
  const fn = (values: readonly unknown[]): string => {
    let out = '';
    let k = 0;
    for (const p of pieces) out += typeof p === 'string' ? p : convert(p, values[k++]);
    return out;
  };
  return Object.assign(fn, { arity });
}

function convert(p: Exclude<Piece, string>, v: unknown): string {
  let body: string;
  let sign = '';
  switch (p.conv) {
    case 's':
      body = Array.isArray(v)
        ? v.join(' ')
        : typeof v === 'bigint'
          ? `0x${v.toString(16)}`
          : typeof v === 'object' && v !== null
            ? text(v) // a whole struct, as bpftrace's print() shows one
            : String(v);
      if (p.precision !== undefined) body = body.slice(0, p.precision);
      return pad(body, p);
    case 'c':
      return pad(typeof v === 'number' ? String.fromCharCode(v) : String(v).slice(0, 1), p);
    case 'p':
      return pad(`0x${BigInt(toInt(v) & 0xffff_ffff_ffff_ffffn).toString(16)}`, p);
    default: {
      const n = toInt(v);
      if (p.conv === 'd' || p.conv === 'i') {
        sign = n < 0n ? '-' : p.plus ? '+' : p.space ? ' ' : '';
        body = (n < 0n ? -n : n).toString();
      } else {
        // Unsigned conversions of a negative value show its 64-bit two's complement, as C does.
        const u = n < 0n ? n + (1n << 64n) : n;
        body = u.toString(p.conv === 'u' ? 10 : p.conv === 'o' ? 8 : 16);
        if (p.conv === 'X') body = body.toUpperCase();
      }
      if (p.precision !== undefined) body = body.padStart(p.precision, '0');
      if (p.zero && !p.left && p.precision === undefined)
        return sign + body.padStart(Math.max(0, p.width - sign.length), '0');
      return pad(sign + body, p);
    }
  }
}

function toInt(v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return 0n;
}

function pad(s: string, p: { left: boolean; width: number }): string {
  return p.left ? s.padEnd(p.width) : s.padStart(p.width);
}
