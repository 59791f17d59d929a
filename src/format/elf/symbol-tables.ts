// An ELF64 file's symbol tables without the rest of it: the section headers, then .symtab and
// .dynsym with their string tables, taken through `read` (positional reads of the file). A uprobe
// needs one function's address: reading node's 100 MB binary whole and making an object per
// symbol to find it took 0.4 s and 180 MB; these parts of it are a few MB, searched as bytes.
import { ELF, ElfError } from './types.js';

/** Exactly `length` bytes of the file from `position` (the caller checks nothing). */
export type ReadAt = (position: number, length: number) => Uint8Array;

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const SHT_STRTAB = 3;
const SHT_DYNSYM = 11;
const STT_GNU_IFUNC = 10;

export interface SectionHeader {
  type: number;
  flags: bigint;
  addr: bigint;
  offset: number;
  size: number;
  link: number;
}

/** A defined function's symbol: its address, type (STT_FUNC or STT_GNU_IFUNC) and section. */
export interface FunctionSymbol {
  value: bigint;
  type: number;
  shndx: number;
}

interface SymbolTable {
  entries: DataView;
  strings: Uint8Array;
}

export class ElfSymbolTables {
  readonly littleEndian: boolean;
  readonly sections: SectionHeader[] = [];
  /** .symtab first, then .dynsym: the order a lookup tries them in. */
  readonly #tables: SymbolTable[] = [];
  readonly #read: ReadAt;
  readonly #fileSize: number;

  constructor(read: ReadAt, fileSize: number) {
    this.#read = read;
    this.#fileSize = fileSize;
    const ident = this.#bytes(0, EHDR_SIZE, 'ELF header');
    if (ident[0] !== 0x7f || ident[1] !== 0x45 || ident[2] !== 0x4c || ident[3] !== 0x46)
      throw new ElfError('not an ELF file (bad magic)', 0);
    if (ident[4] !== 2) throw new ElfError(`ELF class ${ident[4]} is not ELF64 (2)`, 4);
    if (ident[5] !== 1 && ident[5] !== 2)
      throw new ElfError(`ELF data encoding ${ident[5]} is neither little (1) nor big (2) endian`, 5);
    const le = ident[5] === 1;
    this.littleEndian = le;
    const header = view(ident);
    const shoff = this.#size(header, 0x28, 0x28, 'section header offset');
    if (shoff === 0) return;
    if (header.getUint16(0x3a, le) !== SHDR_SIZE)
      throw new ElfError(`section header size ${header.getUint16(0x3a, le)} is not ${SHDR_SIZE}`, 0x3a);
    let count = header.getUint16(0x3c, le);
    if (count === 0) {
      // Extended numbering: the real count is section 0's size.
      count = this.#size(
        view(this.#bytes(shoff, SHDR_SIZE, 'section header 0')),
        0x20,
        shoff + 0x20,
        'section count',
      );
    }
    const table = view(this.#bytes(shoff, count * SHDR_SIZE, `section header table of ${count} entries`));
    for (let i = 0; i < count; i++) {
      const at = i * SHDR_SIZE;
      this.sections.push({
        type: table.getUint32(at + 4, le),
        flags: table.getBigUint64(at + 8, le),
        addr: table.getBigUint64(at + 0x10, le),
        offset: this.#size(table, at + 0x18, shoff + at + 0x18, 'section offset'),
        size: this.#size(table, at + 0x20, shoff + at + 0x20, 'section size'),
        link: table.getUint32(at + 0x28, le),
      });
    }
    for (const type of [ELF.SHT_SYMTAB, SHT_DYNSYM]) {
      const symbols = this.sections.find((s) => s.type === type);
      const strings = symbols && this.sections[symbols.link];
      if (!symbols || strings?.type !== SHT_STRTAB) continue;
      this.#tables.push({
        entries: view(this.#bytes(symbols.offset, symbols.size, 'symbol table')),
        strings: this.#bytes(strings.offset, strings.size, 'string table'),
      });
    }
  }

  /** The first defined function (or ifunc resolver) named `name`: .symtab's, else .dynsym's. */
  findFunction(name: string): FunctionSymbol | undefined {
    const want = new TextEncoder().encode(name);
    for (const { entries, strings } of this.#tables) {
      for (let at = SYM_SIZE; at + SYM_SIZE <= entries.byteLength; at += SYM_SIZE) {
        if (!sameName(strings, entries.getUint32(at, this.littleEndian), want)) continue;
        const sym = this.#symbol(entries, at);
        if (definedFunction(sym)) return sym;
      }
    }
    return undefined;
  }

  /** The names of every defined function, of both tables. */
  functionNames(): Set<string> {
    const names = new Set<string>();
    const text = new TextDecoder();
    for (const { entries, strings } of this.#tables) {
      for (let at = SYM_SIZE; at + SYM_SIZE <= entries.byteLength; at += SYM_SIZE) {
        if (!definedFunction(this.#symbol(entries, at))) continue;
        const from = entries.getUint32(at, this.littleEndian);
        const end = strings.indexOf(0, from);
        if (from < strings.length && end > from) names.add(text.decode(strings.subarray(from, end)));
      }
    }
    return names;
  }

  /** The file offset of address `value`, through the loaded section that holds it. */
  fileOffset(value: bigint): number | undefined {
    const s = this.sections.find(
      (s) =>
        (s.flags & BigInt(ELF.SHF_ALLOC)) !== 0n &&
        s.type !== ELF.SHT_NOBITS &&
        s.addr <= value &&
        value < s.addr + BigInt(s.size),
    );
    return s && Number(value - s.addr) + s.offset;
  }

  #symbol(entries: DataView, at: number): FunctionSymbol {
    return {
      type: entries.getUint8(at + 4) & 0xf,
      shndx: entries.getUint16(at + 6, this.littleEndian),
      value: entries.getBigUint64(at + 8, this.littleEndian),
    };
  }

  #bytes(position: number, length: number, what: string): Uint8Array {
    if (position + length > this.#fileSize)
      throw new ElfError(
        `${what} (${length} bytes) runs past the end of the file (${this.#fileSize} bytes)`,
        position,
      );
    return this.#read(position, length);
  }

  /** A u64 that must be a usable offset or size; `where` is its offset in the file. */
  #size(v: DataView, at: number, where: number, what: string): number {
    const n = v.getBigUint64(at, this.littleEndian);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} ${n} is too large`, where);
    return Number(n);
  }
}

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Whether the NUL-terminated string at `from` of `strings` is `want`'s bytes. */
function sameName(strings: Uint8Array, from: number, want: Uint8Array): boolean {
  const end = from + want.length;
  if (end >= strings.length || strings[end] !== 0) return false;
  for (let i = 0; i < want.length; i++) if (strings[from + i] !== want[i]) return false;
  return true;
}

/** A function (or ifunc resolver) defined in this file, not imported from another. */
function definedFunction(s: FunctionSymbol): boolean {
  return s.shndx !== ELF.SHN_UNDEF && (s.type === ELF.STT_FUNC || s.type === STT_GNU_IFUNC);
}
