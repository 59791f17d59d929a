// The perf map a JIT writes for profilers (/tmp/perf-PID.map; Node writes it with
// --perf-basic-prof): one line per code object, `START SIZE NAME` in hex. Parsed incrementally:
// the caller feeds the bytes appended since the last read, and an unfinished last line waits for
// the next chunk.

export interface PerfMapEntry {
  start: number;
  size: number;
  name: string;
}

export class PerfMapParser {
  #rest = '';

  /** The complete lines in `chunk` (plus what was left over from the last one), parsed. */
  push(chunk: string): PerfMapEntry[] {
    const text = this.#rest + chunk;
    const last = text.lastIndexOf('\n');
    this.#rest = last < 0 ? text : text.slice(last + 1);
    if (last < 0) return [];
    const out: PerfMapEntry[] = [];
    let from = 0;
    while (from < last) {
      let nl = text.indexOf('\n', from);
      if (nl < 0 || nl > last) nl = last;
      const line = text.slice(from, nl);
      from = nl + 1;
      const a = line.indexOf(' ');
      const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
      if (b < 0) continue;
      const start = Number.parseInt(line.slice(0, a), 16);
      const size = Number.parseInt(line.slice(a + 1, b), 16);
      if (Number.isNaN(start) || Number.isNaN(size)) continue;
      out.push({ start, size, name: line.slice(b + 1) });
    }
    return out;
  }
}

/**
 * A V8 perf-map name made readable: `JS:*hotLoop /app/x.js:3:17` → `hotLoop /app/x.js:3:17`
 * keeps the location; the tier marker (`*` optimized, `^` Maglev, `~` interpreted/baseline) is
 * dropped, an empty function name becomes `(anonymous)`. `js` is false for V8's own code
 * (`Builtin:…`, `BytecodeHandler:…`, `Stub:…`), which keeps its name as written.
 */
export function jsFrameName(raw: string): { name: string; js: boolean } {
  const m = /^(?:JS|Eval|LazyCompile|Function|Script):[*~^+]?(.*)$/.exec(raw);
  if (!m) return { name: raw, js: false };
  const rest = m[1] as string;
  // `JS:~ /app/x.js:1:1`: no name before the location.
  return { name: rest.startsWith(' ') || rest === '' ? `(anonymous)${rest}` : rest, js: true };
}
