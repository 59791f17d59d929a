// What symbolization needs from an ELF binary, read through a callback so that a 100 MB
// executable is never read whole: the header, the program headers (PT_LOAD, to turn a file offset
// into a link-time address), the section headers, the build id (NT_GNU_BUILD_ID), the
// .gnu_debuglink name, the function symbols of .symtab and .dynsym as a SymbolTable (by address,
// for stacks), and every defined symbol as SymbolsByName (by name, for uprobes and USDT).

import { ElfError } from '../elf/types.js';
import { type SymbolEntry, SymbolTable } from './symbol-table.js';
import { SymbolsByName, type SymbolTableBytes } from './symbols-by-name.js';

/** Reads `length` bytes at `offset` (fewer only at the end of the file). */
export type ReadAt = (offset: number, length: number) => Uint8Array;

export interface LoadSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

export interface ElfSectionHeader {
  name: string;
  type: number;
  /** sh_flags' low 32 bits (SHF_ALLOC is 0x2). */
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

const PT_LOAD = 1;
const PT_NOTE = 4;
const SHT_SYMTAB = 2;
const SHT_NOBITS = 8;
const SHT_DYNSYM = 11;
const SHF_ALLOC = 0x2;
const NT_GNU_BUILD_ID = 3;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;

export class ElfImage {
  readonly type: number;
  readonly segments: LoadSegment[] = [];
  readonly sections: ElfSectionHeader[] = [];
  readonly buildId: string | undefined;
  readonly #read: ReadAt;
  readonly #le: boolean;

  constructor(read: ReadAt) {
    this.#read = read;
    const h = read(0, 64);
    if (h.byteLength < 64 || h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46)
      throw new ElfError('not an ELF file (bad magic or too short)', 0);
    if (h[4] !== 2) throw new ElfError(`ELF class ${h[4]} is not ELF64 (2)`, 4);
    this.#le = h[5] === 1;
    const v = view(h);
    this.type = v.getUint16(0x10, this.#le);
    const phoff = num(v.getBigUint64(0x20, this.#le));
    const shoff = num(v.getBigUint64(0x28, this.#le));
    const phentsize = v.getUint16(0x36, this.#le);
    const phnum = v.getUint16(0x38, this.#le);
    const shentsize = v.getUint16(0x3a, this.#le);
    const shnum = v.getUint16(0x3c, this.#le);
    const shstrndx = v.getUint16(0x3e, this.#le);
    const notes: { offset: number; size: number }[] = [];
    if (phoff && phnum) {
      const ph = this.#bytes(phoff, phnum * phentsize, 'program header table');
      const pv = view(ph);
      for (let i = 0; i < phnum; i++) {
        const at = i * phentsize;
        const type = pv.getUint32(at, this.#le);
        const offset = num(pv.getBigUint64(at + 8, this.#le));
        if (type === PT_LOAD)
          this.segments.push({
            offset,
            vaddr: num(pv.getBigUint64(at + 0x10, this.#le)),
            filesz: num(pv.getBigUint64(at + 0x20, this.#le)),
            memsz: num(pv.getBigUint64(at + 0x28, this.#le)),
          });
        else if (type === PT_NOTE) notes.push({ offset, size: num(pv.getBigUint64(at + 0x20, this.#le)) });
      }
    }
    if (shoff && shnum && shentsize === 64) {
      const sh = this.#bytes(shoff, shnum * 64, 'section header table');
      const sv = view(sh);
      const raw = [];
      for (let i = 0; i < shnum; i++) {
        const at = i * 64;
        raw.push({
          nameOff: sv.getUint32(at, this.#le),
          type: sv.getUint32(at + 4, this.#le),
          flags: Number(sv.getBigUint64(at + 8, this.#le) & 0xffffffffn),
          addr: num(sv.getBigUint64(at + 0x10, this.#le)),
          offset: num(sv.getBigUint64(at + 0x18, this.#le)),
          size: num(sv.getBigUint64(at + 0x20, this.#le)),
          link: sv.getUint32(at + 0x28, this.#le),
          entsize: num(sv.getBigUint64(at + 0x38, this.#le)),
        });
      }
      const strs = raw[shstrndx];
      const names = strs ? this.#bytes(strs.offset, strs.size, 'section name table') : new Uint8Array(0);
      for (const r of raw) this.sections.push({ ...r, name: cString(names, r.nameOff) });
      // Sections, when present, name the notes more precisely than the segments.
      const noteSections = this.sections.filter((s) => s.name.startsWith('.note'));
      if (noteSections.length > 0) notes.splice(0, notes.length, ...noteSections);
    }
    this.buildId = this.#findBuildId(notes);
  }

  /** The file's byte order. */
  get littleEndian(): boolean {
    return this.#le;
  }

  /** A section by name, if present. */
  section(name: string): ElfSectionHeader | undefined {
    return this.sections.find((s) => s.name === name);
  }

  /** The contents of a section (empty for SHT_NOBITS). */
  sectionData(s: ElfSectionHeader): Uint8Array {
    return s.type === SHT_NOBITS ? new Uint8Array(0) : this.#bytes(s.offset, s.size, `section ${s.name}`);
  }

  /** The file name in .gnu_debuglink (the CRC is not checked: the build id is), if present. */
  debugLink(): string | undefined {
    const s = this.section('.gnu_debuglink');
    if (!s) return undefined;
    const name = cString(this.sectionData(s), 0);
    return name || undefined;
  }

  /**
   * The link-time address of file offset `offset` through the PT_LOAD segment that holds it, or
   * undefined when no segment does (the offset is then not code of this file).
   */
  addressOfOffset(offset: number): number | undefined {
    for (const s of this.segments)
      if (offset >= s.offset && offset < s.offset + Math.max(s.filesz, 1)) return offset - s.offset + s.vaddr;
    return undefined;
  }

  /** Whether the file has a .symtab with entries (a stripped file has only .dynsym). */
  get hasSymtab(): boolean {
    return this.sections.some((s) => s.type === SHT_SYMTAB && s.size > 24);
  }

  /** The defined function symbols of .symtab and .dynsym (duplicates allowed: lookup copes). */
  symbols(): SymbolTable {
    const entries: SymbolEntry[] = [];
    for (const s of this.sections) {
      if ((s.type !== SHT_SYMTAB && s.type !== SHT_DYNSYM) || s.entsize !== 24) continue;
      const strtab = this.sections[s.link];
      if (!strtab || strtab.type === SHT_NOBITS) continue;
      const data = this.sectionData(s);
      const strs = this.#bytes(strtab.offset, strtab.size, `string table ${strtab.name}`);
      const v = view(data);
      for (let at = 24; at + 24 <= data.byteLength; at += 24) {
        const info = data[at + 4] as number;
        const type = info & 0xf;
        if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
        if (v.getUint16(at + 6, this.#le) === SHN_UNDEF) continue;
        const start = num(v.getBigUint64(at + 8, this.#le));
        if (start === 0) continue;
        const nameOff = v.getUint32(at, this.#le);
        entries.push({
          start,
          size: num(v.getBigUint64(at + 16, this.#le)),
          name: () => cString(strs, nameOff),
        });
      }
    }
    return new SymbolTable(entries);
  }

  /** .symtab and .dynsym (in that order) read now, searched by name later. */
  symbolsByName(): SymbolsByName {
    const tables: SymbolTableBytes[] = [];
    for (const type of [SHT_SYMTAB, SHT_DYNSYM]) {
      const s = this.sections.find((s) => s.type === type && s.entsize === 24);
      const strtab = s && this.sections[s.link];
      if (!s || !strtab || strtab.type === SHT_NOBITS) continue;
      tables.push({
        entries: this.sectionData(s),
        strings: this.#bytes(strtab.offset, strtab.size, `string table ${strtab.name}`),
      });
    }
    const loaded = this.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && s.type !== SHT_NOBITS);
    return new SymbolsByName(tables, loaded, this.#le);
  }

  #bytes(offset: number, length: number, what: string): Uint8Array {
    const b = this.#read(offset, length);
    if (b.byteLength < length)
      throw new ElfError(`${what} (${length} bytes) runs past the end of the file`, offset);
    return b;
  }

  #findBuildId(notes: { offset: number; size: number }[]): string | undefined {
    for (const n of notes) {
      if (n.size > 1 << 20) continue;
      const data = this.#read(n.offset, n.size);
      const v = view(data);
      for (let at = 0; at + 12 <= data.byteLength; ) {
        const namesz = v.getUint32(at, this.#le);
        const descsz = v.getUint32(at + 4, this.#le);
        const type = v.getUint32(at + 8, this.#le);
        const nameAt = at + 12;
        const descAt = nameAt + align4(namesz);
        if (descAt + descsz > data.byteLength) break;
        if (type === NT_GNU_BUILD_ID && namesz === 4 && cString(data, nameAt) === 'GNU')
          return hex(data.subarray(descAt, descAt + descsz));
        at = descAt + align4(descsz);
      }
    }
    return undefined;
  }
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function num(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.NaN : Number(v);
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

const latin1 = new TextDecoder('latin1');

function cString(b: Uint8Array, at: number): string {
  if (at >= b.byteLength) return '';
  let end = b.indexOf(0, at);
  if (end < 0) end = b.byteLength;
  return latin1.decode(b.subarray(at, end));
}

function hex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
