// A JIT's perf map (/tmp/perf-PID.map) read incrementally: the byte offset read so far is kept,
// and only what was appended since is parsed when a lookup misses and the file has grown. The
// entries captured stay after the process exits and the file is removed.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { PerfMapParser } from '../format/symbols/perf-map.js';
import { type SymbolHit, SymbolTable } from '../format/symbols/symbol-table.js';

export class PerfMapReader {
  readonly path: string;
  #offset = 0;
  readonly #parser = new PerfMapParser();
  readonly #entries: { start: number; size: number; name: string }[] = [];
  #table: SymbolTable | undefined;
  #exists = false;

  constructor(path: string) {
    this.path = path;
  }

  /** Whether the file was seen (now or earlier). */
  get exists(): boolean {
    return this.#exists;
  }

  get entries(): number {
    return this.#entries.length;
  }

  /** Reads what was appended since the last read; true if new entries came. */
  refresh(): boolean {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return false;
    }
    this.#exists = true;
    let added = false;
    try {
      const size = fstatSync(fd).size;
      if (size < this.#offset) this.#offset = 0; // rewritten from the start: read it again
      const buf = Buffer.allocUnsafe(1 << 20);
      while (this.#offset < size) {
        const n = readSync(fd, buf, 0, Math.min(buf.byteLength, size - this.#offset), this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        const got = this.#parser.push(buf.toString('latin1', 0, n));
        if (got.length) {
          for (const e of got) this.#entries.push(e);
          added = true;
        }
      }
    } finally {
      closeSync(fd);
    }
    if (added) this.#table = undefined;
    return added;
  }

  /**
   * The entry covering `address`. Of entries with the same start and size the later one wins (V8
   * reuses code space after a collection): the sort is stable and the lookup takes the last.
   */
  lookup(address: number): SymbolHit | undefined {
    this.#table ??= new SymbolTable(
      this.#entries.map((e) => ({ start: e.start, size: e.size || 1, name: () => e.name })),
    );
    return this.#table.lookup(address);
  }
}
