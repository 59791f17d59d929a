// ELF binaries opened for symbolization, cached per build id (NT_GNU_BUILD_ID) so that the same
// library mapped by a hundred processes, or by one process under two paths, is read once. A
// binary without .symtab borrows one from its separate debug file: /usr/lib/debug/.build-id/xx/
// yyyy.debug, else the .gnu_debuglink name beside the binary, in its .debug/ folder, or under
// /usr/lib/debug. The file is read piecewise (headers, symbol and string tables), never whole.

import { dirname, join } from 'node:path';
import { ElfImage } from '../format/symbols/elf-image.js';
import { chainLookups, type SymbolLookup } from '../format/symbols/symbol-table.js';
import { withFile } from '../read-at.js';

export interface Binary {
  path: string;
  buildId: string | undefined;
  image: ElfImage;
  /** Function symbols: the binary's own .symtab/.dynsym, plus its debug file's .symtab. */
  symbols: SymbolLookup;
  /** The separate debug file whose symbols were used, if any. */
  debugFile?: string;
  /**
   * Why some symbols may be missing: a `.gnu_debugdata` section (xz-compressed mini debuginfo)
   * is not read, since Node has no xz decoder.
   */
  note?: string;
}

export interface BinaryCacheOptions {
  /** Roots searched for separate debug files (default ['/usr/lib/debug']). */
  debugDirs?: string[];
}

export class BinaryCache {
  readonly #byBuildId = new Map<string, Binary>();
  /** path + dev/inode → the binary (or null: not an ELF file we can read). */
  readonly #byFile = new Map<string, Binary | null>();
  readonly #debugDirs: string[];

  constructor(opts: BinaryCacheOptions = {}) {
    this.#debugDirs = opts.debugDirs ?? ['/usr/lib/debug'];
  }

  /** Binaries read so far (distinct build ids or paths). */
  get size(): number {
    return new Set(this.#byFile.values()).size;
  }

  /**
   * The binary at `path` (`identity`: its device and inode from /proc/PID/maps, so a file
   * replaced on disk is read again); null when it cannot be opened or is not ELF64.
   */
  get(path: string, identity = ''): Binary | null {
    const key = `${identity} ${path}`;
    const known = this.#byFile.get(key);
    if (known !== undefined) return known;
    let bin: Binary | null = null;
    try {
      bin = this.#load(path);
    } catch {
      bin = null;
    }
    this.#byFile.set(key, bin);
    return bin;
  }

  #load(path: string): Binary {
    return withFile(path, (read) => {
      const image = new ElfImage(read);
      const cached = image.buildId ? this.#byBuildId.get(image.buildId) : undefined;
      if (cached) return cached;
      let symbols: SymbolLookup = image.symbols();
      let debugFile: string | undefined;
      let note: string | undefined;
      if (!image.hasSymtab) {
        for (const candidate of this.#debugCandidates(path, image)) {
          try {
            const table = withFile(candidate, (r) => {
              const dbg = new ElfImage(r);
              // A debug file for another build would name wrong functions: the ids must agree.
              if (image.buildId && dbg.buildId && dbg.buildId !== image.buildId) return undefined;
              return dbg.hasSymtab ? dbg.symbols() : undefined;
            });
            if (table) {
              symbols = chainLookups(table, symbols);
              debugFile = candidate;
              break;
            }
          } catch {
            // Not there or not readable: try the next place.
          }
        }
        if (!debugFile && image.section('.gnu_debugdata'))
          note = `${path}: .gnu_debugdata (xz-compressed symbols) is not read: Node has no xz decoder; install the debug package for full symbols`;
      }
      const bin: Binary = { path, buildId: image.buildId, image, symbols };
      if (debugFile) bin.debugFile = debugFile;
      if (note) bin.note = note;
      if (image.buildId) this.#byBuildId.set(image.buildId, bin);
      return bin;
    });
  }

  #debugCandidates(path: string, image: ElfImage): string[] {
    const out: string[] = [];
    const id = image.buildId;
    if (id && id.length > 2)
      for (const root of this.#debugDirs)
        out.push(join(root, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
    const link = image.debugLink();
    if (link) {
      const dir = dirname(path);
      out.push(join(dir, link), join(dir, '.debug', link));
      for (const root of this.#debugDirs) out.push(join(root, dir, link));
    }
    return out;
  }
}
