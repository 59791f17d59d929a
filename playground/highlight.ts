// Syntax colouring for both dialects: LLVM (`r0 = *(u32 *)(r1 + 4)`, `if r1 > 5 goto L`) and
// ubpf (`ldxw %r0, [%r1+4]`). A line becomes HTML spans; error ranges get a squiggle.

export interface Squiggle {
  /** 1-based line and column, as the assembler reports them. */
  readonly line: number;
  readonly col: number;
  readonly length: number;
  readonly message: string;
}

const TOKEN =
  /(;.*|(?<!\w)#.*|\/\/.*)|("(?:[^"\\]|\\.)*")|(%?[rw](?:10|[0-9])\b)|(-?(?:0x[0-9a-fA-F]+|\d+)\b)|(\b(?:if|goto|gotol|call|callx|exit|lock|ll|may_goto|be16|be32|be64|le16|le32|le64|bswap16|bswap32|bswap64|map_fd|map_value|map_idx|map_idx_value|func|local)\b)|(\b[us](?:8|16|32|64)\b)|(^\s*[A-Za-z_.][\w.]*:)|(^\s*\.?[a-z][a-z0-9_]*\b)/g;
const CLASSES = ['cm', 'str', 'reg', 'num', 'kw', 'ty', 'lbl', 'mn'];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Highlights one line; `marks` are [from, to) column ranges (0-based) to underline. */
export function highlightLine(
  line: string,
  dialect: 'llvm' | 'ubpf',
  marks: [number, number, string][] = [],
): string {
  // Per-character classes, then runs: simple, and error marks can cut through tokens.
  const cls: string[] = new Array(line.length).fill('');
  for (const m of line.matchAll(TOKEN)) {
    const group = m.slice(1).findIndex((g) => g !== undefined);
    const name = CLASSES[group];
    // A leading word is a mnemonic in ubpf; in LLVM only a few statements start with one.
    if (
      name === 'mn' &&
      dialect === 'llvm' &&
      !/^\s*\.|^\s*(lddw|exit|call|goto|gotol|may_goto)\b/.test(m[0])
    )
      continue;
    const start =
      (m.index ?? 0) + (name === 'lbl' || name === 'mn' ? m[0].length - m[0].trimStart().length : 0);
    for (let i = start; i < (m.index ?? 0) + m[0].length; i++) cls[i] = name;
  }
  const err: (string | undefined)[] = new Array(line.length + 1).fill(undefined);
  for (const [from, to, msg] of marks) for (let i = from; i < Math.max(to, from + 1); i++) err[i] = msg;
  let out = '';
  let i = 0;
  while (i < Math.max(line.length, err[line.length] ? line.length + 1 : 0)) {
    let j = i + 1;
    while (j < line.length && cls[j] === cls[i] && err[j] === err[i]) j++;
    const text = i >= line.length ? ' ' : esc(line.slice(i, j));
    let span = cls[i] ? `<span class="t-${cls[i]}">${text}</span>` : text;
    if (err[i] !== undefined) span = `<span class="squiggle" title="${esc(err[i] as string)}">${span}</span>`;
    out += span;
    i = j;
  }
  return out;
}
