// Values read from a file (a binary's symbols, its USDT notes), kept per path for as long as the
// file is the same one: same size, mtime and inode. A process traces a handful of binaries, so a
// few entries are kept and all are dropped when the limit is reached.
import type { Stats } from 'node:fs';

export class FileCache<T> {
  readonly #entries = new Map<string, { stamp: string; value: T }>();

  constructor(private readonly limit = 8) {}

  /** The value of the file at `path`, which `st` describes now: the kept one, or `build()`'s. */
  get(path: string, st: Stats, build: () => T): T {
    const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = this.#entries.get(path);
    if (hit?.stamp === stamp) return hit.value;
    const value = build();
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(path, { stamp, value });
    return value;
  }
}
