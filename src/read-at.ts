// A file read piecewise, by offset: what the ELF readers that never read a binary whole
// (src/format/symbols/elf-image.ts) are given, for the symbolizer and for uprobes.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ReadAt } from './format/symbols/elf-image.js';

/** Runs `use` with a reader over the file at `path`, closing the file after. */
export function withFile<T>(path: string, use: (read: ReadAt) => T): T {
  const fd = openSync(path, 'r');
  try {
    const total = fstatSync(fd).size;
    const read: ReadAt = (offset, length) => {
      const n = Math.max(0, Math.min(length, total - offset));
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const r = readSync(fd, buf, got, n - got, offset + got);
        if (r <= 0) break;
        got += r;
      }
      return got === n ? buf : buf.subarray(0, got);
    };
    return use(read);
  } finally {
    closeSync(fd);
  }
}
