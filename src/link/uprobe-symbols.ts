// Where a uprobe goes: a binary path (or a library name found through /etc/ld.so.cache), and a
// symbol of it turned into a file offset (.symtab first, then .dynsym; st_value → offset through
// the allocated section that contains it), as the uprobe API wants.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readElf } from '../format/elf/reader.js';
import { ELF, type ElfFile, type ElfSection } from '../format/elf/types.js';
import { AttachError } from './link.js';

const SHT_DYNSYM = 11;
const STT_GNU_IFUNC = 10;
const SYM_SIZE = 24;

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

interface Sym {
  name: string;
  value: bigint;
  type: number;
  shndx: number;
}

/** The Elf64_Sym at byte `at` of a symbol table, named `name`. */
function symbolAt(view: DataView, at: number, littleEndian: boolean, name: string): Sym {
  return {
    name,
    type: view.getUint8(at + 4) & 0xf,
    shndx: view.getUint16(at + 6, littleEndian),
    value: view.getBigUint64(at + 8, littleEndian),
  };
}

function dynamicSymbols(elf: ElfFile): Sym[] {
  const dynsym = elf.sections.find((s) => s.type === SHT_DYNSYM);
  if (!dynsym) return [];
  const strtab = elf.sections[dynsym.link];
  if (!strtab) return [];
  const view = new DataView(dynsym.data.buffer, dynsym.data.byteOffset, dynsym.data.byteLength);
  const out: Sym[] = [];
  for (let at = SYM_SIZE; at + SYM_SIZE <= dynsym.data.byteLength; at += SYM_SIZE) {
    const nameOff = view.getUint32(at, elf.littleEndian);
    const end = strtab.data.indexOf(0, nameOff);
    if (nameOff >= strtab.data.byteLength || end < 0) continue;
    const name = Buffer.from(strtab.data.buffer, strtab.data.byteOffset + nameOff, end - nameOff).toString(
      'latin1',
    );
    out.push(symbolAt(view, at, elf.littleEndian, name));
  }
  return out;
}

/**
 * The .dynsym entry of function `name`, compared as bytes in the string table: a library such as
 * libc has thousands of symbols, and decoding each name to find one cost more than the rest.
 */
function dynamicFunction(elf: ElfFile, name: string): Sym | undefined {
  const dynsym = elf.sections.find((s) => s.type === SHT_DYNSYM);
  const strtab = dynsym && elf.sections[dynsym.link];
  if (!dynsym || !strtab) return undefined;
  const want = Buffer.from(name, 'latin1');
  const strings = Buffer.from(strtab.data.buffer, strtab.data.byteOffset, strtab.data.byteLength);
  const view = new DataView(dynsym.data.buffer, dynsym.data.byteOffset, dynsym.data.byteLength);
  for (let at = SYM_SIZE; at + SYM_SIZE <= dynsym.data.byteLength; at += SYM_SIZE) {
    const nameOff = view.getUint32(at, elf.littleEndian);
    const end = nameOff + want.length;
    if (
      end >= strings.length ||
      strings[end] !== 0 ||
      strings.compare(want, 0, want.length, nameOff, end) !== 0
    )
      continue;
    const sym = symbolAt(view, at, elf.littleEndian, name);
    if (definedFunction(sym)) return sym;
  }
  return undefined;
}

/** A function (or ifunc resolver) defined in this file, not imported from another. */
function definedFunction(s: Pick<Sym, 'shndx' | 'type'>): boolean {
  return s.shndx !== ELF.SHN_UNDEF && (s.type === ELF.STT_FUNC || s.type === STT_GNU_IFUNC);
}

function containing(sections: ElfSection[], address: bigint): ElfSection | undefined {
  return sections.find(
    (s) =>
      (s.flags & BigInt(ELF.SHF_ALLOC)) !== 0n &&
      s.type !== ELF.SHT_NOBITS &&
      s.addr <= address &&
      address < s.addr + BigInt(s.size),
  );
}

/** Parsed binaries, keyed by path and checked against size and mtime (libc is 2 MB to parse). */
const parsed = new Map<string, { stamp: string; elf: ElfFile }>();

function elfOf(path: string, symbol: string): ElfFile {
  try {
    const st = statSync(path);
    const stamp = `${st.size}:${st.mtimeMs}:${st.ino}`;
    const hit = parsed.get(path);
    if (hit?.stamp === stamp) return hit.elf;
    const elf = readElf(readFileSync(path));
    if (parsed.size >= 8) parsed.clear();
    parsed.set(path, { stamp, elf });
    return elf;
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
  const elf = elfOf(path, symbol);
  const named = (s: Sym) => s.name === symbol && definedFunction(s);
  const sym = elf.symbols.find(named) ?? dynamicFunction(elf, symbol);
  if (!sym)
    throw new AttachError(
      'not-found',
      `${path}:${symbol}`,
      `uprobe: no function '${symbol}' in ${path} (.symtab/.dynsym)`,
    );
  const section = containing(elf.sections, sym.value);
  if (!section) {
    throw new AttachError(
      'not-found',
      `${path}:${symbol}`,
      `uprobe: '${symbol}' (0x${sym.value.toString(16)}) is in no loaded section of ${path}`,
    );
  }
  return Number(sym.value - section.addr) + section.offset;
}

/** The names of the functions defined in ELF file `path` (.symtab and .dynsym), sorted. */
export function functionSymbols(path: string): string[] {
  const elf = elfOf(path, '*');
  const names = new Set<string>();
  for (const s of [...elf.symbols, ...dynamicSymbols(elf)]) {
    if (s.name && definedFunction(s)) names.add(s.name);
  }
  return [...names].sort();
}
