// Where a uprobe goes: a binary path (or a library name found through /etc/ld.so.cache), and a
// symbol of it turned into a file offset (.symtab first, then .dynsym; st_value → offset through
// the allocated section that contains it), as the uprobe API wants.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { FileCache } from '../file-cache.js';
import { ElfImage } from '../format/symbols/elf-image.js';
import type { SymbolsByName } from '../format/symbols/symbols-by-name.js';
import { withFile } from '../read-at.js';
import { AttachError } from './link.js';

/** Library directories searched when ld.so.cache does not know a name. */
const LIB_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/** ld.so.cache entry flags for this architecture (FLAG_ELF_LIBC6 | the arch's FLAG_*). */
const CACHE_FLAGS: Record<string, number> = { x64: 0x0303, arm64: 0x0a03 };

/** Parses glibc's new-format ld.so.cache: library name → path (the first entry for this arch). */
export function parseLdSoCache(data: Uint8Array, arch = process.arch): Map<string, string> {
  const out = new Map<string, string>();
  const magic = 'glibc-ld.so.cache1.1';
  const base = Buffer.from(data.buffer, data.byteOffset, data.byteLength).indexOf(magic, 0, 'latin1');
  if (base < 0) return out;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (base + 48 > data.byteLength) return out;
  const n = view.getUint32(base + 20, true);
  const want = CACHE_FLAGS[arch];
  const text = (at: number) => {
    const end = data.indexOf(0, at);
    return Buffer.from(data.buffer, data.byteOffset + at, (end < 0 ? data.byteLength : end) - at).toString(
      'latin1',
    );
  };
  // key/value offsets count from the start of the new-format header.
  for (let i = 0; i < n; i++) {
    const at = base + 48 + i * 24;
    if (at + 24 > data.byteLength) break;
    const flags = view.getInt32(at, true);
    const key = view.getUint32(at + 4, true);
    const value = view.getUint32(at + 8, true);
    if (want !== undefined && flags !== want) continue;
    if (base + key >= data.byteLength || base + value >= data.byteLength) continue;
    const name = text(base + key);
    if (!out.has(name)) out.set(name, text(base + value));
  }
  return out;
}

let cache: Map<string, string> | undefined;

/** A binary by path, or a library by name (`libc.so.6`) via ld.so.cache and the usual dirs. */
export function resolveBinary(binary: string): string {
  if (binary.includes('/')) {
    if (!existsSync(binary)) throw new AttachError('not-found', binary, `uprobe: no file '${binary}'`);
    return binary;
  }
  if (cache === undefined) {
    try {
      cache = parseLdSoCache(readFileSync('/etc/ld.so.cache'));
    } catch {
      cache = new Map();
    }
  }
  const hit = cache.get(binary);
  if (hit && existsSync(hit)) return hit;
  for (const dir of LIB_DIRS) if (existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`;
  throw new AttachError(
    'not-found',
    binary,
    `uprobe: library '${binary}' not found (not in /etc/ld.so.cache nor ${LIB_DIRS.join(', ')})`,
  );
}

/** Functions by name, per binary. */
const parsed = new FileCache<SymbolsByName>();

function functionsOf(path: string, symbol: string): SymbolsByName {
  try {
    // Only the headers and the symbol and string tables are read, never the whole binary.
    return parsed.get(path, statSync(path), () =>
      withFile(path, (read) => new ElfImage(read).symbolsByName()),
    );
  } catch (err) {
    throw new AttachError(
      'not-found',
      `${path}:${symbol}`,
      `uprobe: cannot read '${path}' as ELF: ${(err as Error).message}`,
    );
  }
}

/** The file offset of function `symbol` in the ELF file `path` (for uprobes). */
export function symbolFileOffset(path: string, symbol: string): number {
  const fn = functionsOf(path, symbol).findFunction(symbol);
  if (!fn)
    throw new AttachError(
      'not-found',
      `${path}:${symbol}`,
      `uprobe: no function '${symbol}' in ${path} (.symtab/.dynsym)`,
    );
  if (fn.fileOffset === undefined) {
    throw new AttachError(
      'not-found',
      `${path}:${symbol}`,
      `uprobe: '${symbol}' (0x${fn.address.toString(16)}) is in no loaded section of ${path}`,
    );
  }
  return fn.fileOffset;
}

/** The names of the functions defined in ELF file `path` (.symtab and .dynsym), sorted. */
export function functionSymbols(path: string): string[] {
  return [...functionsOf(path, '*').functionNames()].sort();
}
