// A sorted address table for symbol lookup: starts and sizes in typed arrays, names decoded only
// when a lookup lands on them. Built once per binary (or perf map) and searched by binary search.

export interface SymbolEntry {
  start: number;
  /** 0 = unknown size: the symbol reaches to the next one. */
  size: number;
  name: () => string;
}

export interface SymbolHit {
  name: string;
  start: number;
  offset: number;
}

export class SymbolTable {
  readonly #starts: Float64Array;
  readonly #sizes: Float64Array;
  readonly #names: (() => string)[];
  readonly #decoded: (string | undefined)[];

  constructor(entries: SymbolEntry[]) {
    // Sorted by start; among equal starts the sized one first (an alias with a size beats a label).
    const sorted = entries
      .filter((e) => Number.isFinite(e.start))
      .sort((a, b) => a.start - b.start || b.size - a.size);
    const n = sorted.length;
    this.#starts = new Float64Array(n);
    this.#sizes = new Float64Array(n);
    this.#names = new Array(n);
    this.#decoded = new Array(n);
    for (let i = 0; i < n; i++) {
      const e = sorted[i] as SymbolEntry;
      this.#starts[i] = e.start;
      this.#sizes[i] = e.size;
      this.#names[i] = e.name;
    }
  }

  get size(): number {
    return this.#starts.length;
  }

  /**
   * The symbol covering `address`: of the symbols starting at or before it, the nearest sized
   * one that contains it (a few steps back: aliases, or a label inside a function), else the
   * nearest one if it is sizeless (it reaches to the next start, as assembler labels do).
   */
  lookup(address: number): SymbolHit | undefined {
    const starts = this.#starts;
    let lo = 0;
    let hi = starts.length - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((starts[mid] as number) <= address) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return undefined;
    for (let i = at, steps = 0; i >= 0 && steps < 16; i--, steps++) {
      const size = this.#sizes[i] as number;
      if (size > 0 && address < (starts[i] as number) + size) return this.#hit(i, address);
    }
    return this.#sizes[at] === 0 ? this.#hit(at, address) : undefined;
  }

  #hit(i: number, address: number): SymbolHit {
    let name = this.#decoded[i];
    if (name === undefined) {
      name = (this.#names[i] as () => string)();
      this.#decoded[i] = name;
    }
    const start = this.#starts[i] as number;
    return { name, start, offset: address - start };
  }
}

/** Anything symbols can be looked up in. */
export interface SymbolLookup {
  lookup(address: number): SymbolHit | undefined;
}

/** Lookups in `tables` in order, the first hit winning (a debug file's .symtab before .dynsym). */
export function chainLookups(...tables: SymbolLookup[]): SymbolLookup {
  return {
    lookup(address) {
      for (const t of tables) {
        const hit = t.lookup(address);
        if (hit) return hit;
      }
      return undefined;
    },
  };
}
