// A hand-written scanner for one line of eBPF assembly. It works on the text's char codes, copied
// once into bytes (a typed-array load is cheaper than charCodeAt), and fills reusable typed arrays
// (no regex, no per-token objects), because the assembler's speed goal is millions of lines per
// second. Token positions are absolute offsets into the source text.

export const Tok = {
  End: 0,
  Ident: 1,
  Num: 2,
  Reg: 3,
  Op: 4,
  Punct: 5,
} as const;

/** An operator token's value packs its (up to 3) chars: `+=` is '+' | '=' << 8. */
export function opId(op: string): number {
  let v = 0;
  for (let i = 0; i < op.length; i++) v |= op.charCodeAt(i) << (8 * i);
  return v;
}

const C = {
  tab: 9,
  space: 32,
  bang: 33,
  hash: 35,
  dollar: 36,
  percent: 37,
  amp: 38,
  lparen: 40,
  rparen: 41,
  star: 42,
  plus: 43,
  comma: 44,
  minus: 45,
  dot: 46,
  slash: 47,
  d0: 48,
  d9: 57,
  colon: 58,
  semi: 59,
  lt: 60,
  eq: 61,
  gt: 62,
  A: 65,
  F: 70,
  Z: 90,
  lbrack: 91,
  rbrack: 93,
  caret: 94,
  under: 95,
  a: 97,
  f: 102,
  r: 114,
  w: 119,
  x: 120,
  X: 88,
  z: 122,
  pipe: 124,
  tilde: 126,
} as const;

// Character classes as a table: the scanner asks these for every character.
const IDENT_START = 1;
const DIGIT = 2;
const OP = 4;
const charClass = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= C.a && c <= C.z) || (c >= C.A && c <= C.Z) || c === C.under || c === C.dot || c === C.dollar)
    charClass[c] |= IDENT_START;
  if (c >= C.d0 && c <= C.d9) charClass[c] |= DIGIT;
}
for (const ch of '=<>!&|^+-*/%~') charClass[ch.charCodeAt(0)] |= OP;

const isIdentStart = (c: number): boolean => c < 128 && (charClass[c] & IDENT_START) !== 0;
const isDigit = (c: number): boolean => c >= C.d0 && c <= C.d9;
const isIdentPart = (c: number): boolean => c < 128 && (charClass[c] & (IDENT_START | DIGIT)) !== 0;
const isOpChar = (c: number): boolean => c < 128 && (charClass[c] & OP) !== 0;
const hexVal = (c: number): number => {
  if (c >= C.d0 && c <= C.d9) return c - C.d0;
  if (c >= C.a && c <= C.f) return c - C.a + 10;
  if (c >= C.A && c <= C.F) return c - C.A + 10;
  return -1;
};

const MAX_TOKENS = 64;
const NON_ASCII = 128;
const encoder = new TextEncoder();

/**
 * The char codes of `text`, one byte each, every non-ASCII character as NON_ASCII: no token holds
 * one (each is a bad character, or skipped in a comment), so the scanner needs no more.
 */
function asciiCodes(text: string): Uint8Array {
  const codes = new Uint8Array(text.length);
  // ASCII text (the usual case) encodes to the same bytes at the same offsets: one byte a character.
  const { read, written } = encoder.encodeInto(text, codes);
  if (read === text.length && written === text.length) return codes;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    codes[i] = c < 128 ? c : NON_ASCII;
  }
  return codes;
}

/** Scans lines of `text`; after `scan(start, end)` the token arrays describe that line. */
export class LineLexer {
  text = '';
  /** The text's char codes (asciiCodes): what the scanner reads. */
  codes: Uint8Array = new Uint8Array(0);
  count = 0;
  /** Set when the line holds a character no token can start with (its offset, else -1). */
  badAt = -1;
  readonly kind = new Uint8Array(MAX_TOKENS + 1);
  readonly start = new Int32Array(MAX_TOKENS + 1);
  readonly end = new Int32Array(MAX_TOKENS + 1);
  /** Number value (exact up to 2^53; `big` marks longer literals), register index, op id or punct char. */
  readonly value = new Float64Array(MAX_TOKENS + 1);
  /** Registers: 1 for a 32-bit subregister (w0). Numbers: 1 for a hex literal. */
  readonly flag = new Uint8Array(MAX_TOKENS + 1);
  /** Numbers that may not be exact as a double (more than 13 hex or 15 decimal digits). */
  readonly big = new Uint8Array(MAX_TOKENS + 1);

  reset(text: string): void {
    this.text = text;
    this.codes = asciiCodes(text);
  }

  /** Tokenises text[start, end); comments (`;`, `//`, `#` not glued to a word) end the line. */
  scan(from: number, to: number): void {
    const s = this.codes;
    let n = 0;
    let i = from;
    this.badAt = -1;
    while (i < to && n < MAX_TOKENS) {
      const c = s[i] as number;
      if (c === C.space || c === C.tab || c === 13) {
        i++;
        continue;
      }
      if (c === C.semi) break;
      if (c === C.slash && i + 1 < to && (s[i + 1] as number) === C.slash) break;
      if (c === C.hash) {
        // `call bpf_map_lookup_elem#1` (verifier log) glues `#` to a word; elsewhere it starts a comment.
        const glued =
          i > from && isIdentPart(s[i - 1] as number) && i + 1 < to && isDigit(s[i + 1] as number);
        if (!glued) break;
        this.set(n++, Tok.Punct, i, i + 1, c, 0);
        i++;
        continue;
      }
      this.start[n] = i;
      if (isDigit(c)) {
        i = this.number(n, i, to);
        n++;
        continue;
      }
      if (c === C.percent && i + 1 < to && (s[i + 1] as number) === C.r) {
        // ubpf register: %r3
        const j = this.regDigits(i + 2, to);
        if (j > i + 2 && (j === to || !isIdentPart(s[j] as number))) {
          this.set(n++, Tok.Reg, i, j, this.digitsValue(i + 2, j), 0);
          i = j;
          continue;
        }
      }
      if (isIdentStart(c)) {
        let j = i + 1;
        while (j < to && isIdentPart(s[j] as number)) j++;
        if ((c === C.r || c === C.w) && j > i + 1 && j - i <= 4 && this.regDigits(i + 1, j) === j) {
          this.set(n++, Tok.Reg, i, j, this.digitsValue(i + 1, j), c === C.w ? 1 : 0);
        } else {
          this.set(n++, Tok.Ident, i, j, 0, 0);
        }
        i = j;
        continue;
      }
      if (isOpChar(c)) {
        const c1 = i + 1 < to ? (s[i + 1] as number) : 0;
        const c2 = i + 2 < to ? (s[i + 2] as number) : 0;
        let len = 1;
        if ((c === C.lt || c === C.gt) && c1 === c) len = c2 === C.eq ? 3 : 2;
        else if (c1 === C.eq && c !== C.tilde) len = 2;
        let v = c;
        if (len >= 2) v |= c1 << 8;
        if (len === 3) v |= c2 << 16;
        this.set(n++, Tok.Op, i, i + len, v, 0);
        i += len;
        continue;
      }
      if (
        c === C.lparen ||
        c === C.rparen ||
        c === C.lbrack ||
        c === C.rbrack ||
        c === C.comma ||
        c === C.colon
      ) {
        this.set(n++, Tok.Punct, i, i + 1, c, 0);
        i++;
        continue;
      }
      this.badAt = i;
      break;
    }
    this.kind[n] = Tok.End;
    this.start[n] = i;
    this.end[n] = i;
    this.count = n;
  }

  private set(n: number, kind: number, start: number, end: number, value: number, flag: number): void {
    this.kind[n] = kind;
    this.start[n] = start;
    this.end[n] = end;
    this.value[n] = value;
    // `flag` is read only for registers and numbers, `big` only for numbers (set by number()).
    this.flag[n] = flag;
  }

  private regDigits(i: number, to: number): number {
    const s = this.codes;
    while (i < to && isDigit(s[i] as number)) i++;
    return i;
  }

  private digitsValue(i: number, j: number): number {
    let v = 0;
    const s = this.codes;
    for (; i < j; i++) v = v * 10 + ((s[i] as number) - C.d0);
    return v;
  }

  /** Scans a decimal or 0x-hex literal; a literal glued to letters becomes an Ident (bad number). */
  private number(n: number, i: number, to: number): number {
    const s = this.codes;
    const from = i;
    let v = 0;
    let digits = 0;
    let hex = 0;
    if (
      (s[i] as number) === C.d0 &&
      i + 1 < to &&
      ((s[i + 1] as number) === C.x || (s[i + 1] as number) === C.X)
    ) {
      hex = 1;
      i += 2;
      for (; i < to; i++) {
        const h = hexVal(s[i] as number);
        if (h < 0) break;
        v = v * 16 + h;
        if (digits > 0 || h > 0) digits++;
      }
      if (i === from + 2) {
        // `0x` with no digits
        while (i < to && isIdentPart(s[i] as number)) i++;
        this.set(n, Tok.Ident, from, i, 0, 0);
        return i;
      }
    } else {
      while (i < to && isDigit(s[i] as number)) {
        const d = (s[i] as number) - C.d0;
        v = v * 10 + d;
        if (digits > 0 || d > 0) digits++;
        i++;
      }
    }
    if (i < to && isIdentPart(s[i] as number)) {
      while (i < to && isIdentPart(s[i] as number)) i++;
      this.set(n, Tok.Ident, from, i, 0, 0);
      return i;
    }
    this.set(n, Tok.Num, from, i, v, hex);
    this.big[n] = digits > (hex ? 13 : 15) ? 1 : 0;
    return i;
  }

  /** A number token's exact value (BigInt), for literals the double cannot hold. */
  bigValue(t: number): bigint {
    return BigInt(this.text.slice(this.start[t], this.end[t]));
  }

  tokenText(t: number): string {
    return this.text.slice(this.start[t], this.end[t]);
  }

  /** Does token `t` equal the identifier `word` (without allocating)? */
  identIs(t: number, word: string): boolean {
    if (this.kind[t] !== Tok.Ident) return false;
    const a = this.start[t];
    if (this.end[t] - a !== word.length) return false;
    return this.text.startsWith(word, a);
  }
}
