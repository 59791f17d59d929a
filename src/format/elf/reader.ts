// A bounds-checked ELF64 reader (little- and big-endian). Every read goes through `need`, so a
// truncated or lying file is an ElfError with the byte offset, never an exception from DataView.

import { ELF, ElfError, type ElfFile, type ElfRelocation, type ElfSection, type ElfSymbol } from './types.js';

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;
const RELA_SIZE = 24;

class Bytes {
  readonly view: DataView;
  constructor(
    readonly data: Uint8Array,
    readonly le: boolean,
  ) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  need(at: number, len: number, what: string): void {
    if (at < 0 || len < 0 || at + len > this.data.byteLength) {
      throw new ElfError(
        `${what} (${len} bytes) runs past the end of the file (${this.data.byteLength} bytes)`,
        at,
      );
    }
  }
  u16(at: number): number {
    return this.view.getUint16(at, this.le);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.le);
  }
  u64(at: number): bigint {
    return this.view.getBigUint64(at, this.le);
  }
  /** A u64 that must be a usable offset/size. */
  size(at: number, what: string): number {
    const v = this.u64(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} ${v} is too large`, at);
    return Number(v);
  }
}

function cString(table: ElfSection, at: number, where: number): string {
  if (at >= table.data.byteLength)
    throw new ElfError(
      `string offset ${at} is outside ${table.name || 'the string table'} (${table.data.byteLength} bytes)`,
      where,
    );
  const end = table.data.indexOf(0, at);
  if (end < 0)
    throw new ElfError(
      `string at offset ${at} in ${table.name || 'the string table'} is not NUL-terminated`,
      table.offset + at,
    );
  return new TextDecoder().decode(table.data.subarray(at, end));
}

/** Parses an ELF64 file. Throws ElfError on anything malformed. */
export function readElf(data: Uint8Array): ElfFile {
  if (data.byteLength < 16) throw new ElfError('file is too short for an ELF identification', 0);
  if (data[0] !== 0x7f || data[1] !== 0x45 || data[2] !== 0x4c || data[3] !== 0x46)
    throw new ElfError('not an ELF file (bad magic)', 0);
  if (data[4] !== 2) throw new ElfError(`ELF class ${data[4]} is not ELF64 (2)`, 4);
  if (data[5] !== 1 && data[5] !== 2)
    throw new ElfError(`ELF data encoding ${data[5]} is neither little (1) nor big (2) endian`, 5);
  if (data[6] !== 1) throw new ElfError(`ELF version ${data[6]} is not 1`, 6);
  const b = new Bytes(data, data[5] === 1);
  b.need(0, EHDR_SIZE, 'ELF header');
  const shoff = b.size(0x28, 'section header offset');
  const shentsize = b.u16(0x3a);
  let shnum = b.u16(0x3c);
  let shstrndx = b.u16(0x3e);
  if (shoff !== 0 && shentsize !== SHDR_SIZE)
    throw new ElfError(`section header size ${shentsize} is not ${SHDR_SIZE}`, 0x3a);
  if (shoff !== 0 && (shnum === 0 || shstrndx === ELF.SHN_XINDEX)) {
    // Extended numbering: the real counts live in section 0.
    b.need(shoff, SHDR_SIZE, 'section header 0');
    if (shnum === 0) shnum = b.size(shoff + 0x20, 'section count');
    if (shstrndx === ELF.SHN_XINDEX) shstrndx = b.u32(shoff + 0x28);
  }
  if (shoff === 0) shnum = 0;
  b.need(shoff, shnum * SHDR_SIZE, `section header table of ${shnum} entries`);
  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const at = shoff + i * SHDR_SIZE;
    const type = b.u32(at + 4);
    const offset = b.size(at + 0x18, 'section offset');
    const size = b.size(at + 0x20, 'section size');
    let bytes: Uint8Array = new Uint8Array(0);
    if (type !== ELF.SHT_NOBITS && type !== ELF.SHT_NULL) {
      b.need(offset, size, `contents of section ${i}`);
      bytes = data.subarray(offset, offset + size);
    }
    sections.push({
      index: i,
      name: '',
      type,
      flags: b.u64(at + 8),
      addr: b.u64(at + 0x10),
      offset,
      size,
      link: b.u32(at + 0x28),
      info: b.u32(at + 0x2c),
      addralign: b.size(at + 0x30, 'section alignment'),
      entsize: b.size(at + 0x38, 'section entry size'),
      data: bytes,
    });
  }
  if (shnum > 0) {
    const names = sections[shstrndx];
    if (!names || names.type !== ELF.SHT_STRTAB)
      throw new ElfError(`section name table index ${shstrndx} is not a string table`, 0x3e);
    for (const s of sections)
      s.name = cString(names, b.u32(shoff + s.index * SHDR_SIZE), shoff + s.index * SHDR_SIZE);
  }
  const symbols = readSymbols(b, sections, shoff);
  const relocations = readRelocations(b, sections, shoff);
  return {
    littleEndian: b.le,
    type: b.u16(0x10),
    machine: b.u16(0x12),
    flags: b.u32(0x30),
    entry: b.u64(0x18),
    sections,
    symbols,
    relocations,
  };
}

function readSymbols(b: Bytes, sections: ElfSection[], shoff: number): ElfSymbol[] {
  const symtab = sections.find((s) => s.type === ELF.SHT_SYMTAB);
  if (!symtab) return [];
  const where = shoff + symtab.index * SHDR_SIZE;
  if (symtab.entsize !== SYM_SIZE)
    throw new ElfError(`symbol table entry size ${symtab.entsize} is not ${SYM_SIZE}`, where + 0x38);
  if (symtab.size % SYM_SIZE !== 0)
    throw new ElfError(`symbol table size ${symtab.size} is not a multiple of ${SYM_SIZE}`, where + 0x20);
  const strtab = sections[symtab.link];
  if (!strtab || strtab.type !== ELF.SHT_STRTAB)
    throw new ElfError(`symbol table links to section ${symtab.link}, not a string table`, where + 0x28);
  const out: ElfSymbol[] = [];
  for (let at = symtab.offset; at < symtab.offset + symtab.size; at += SYM_SIZE) {
    const info = b.data[at + 4];
    out.push({
      name: cString(strtab, b.u32(at), at),
      bind: info >> 4,
      type: info & 0xf,
      other: b.data[at + 5],
      shndx: b.u16(at + 6),
      value: b.u64(at + 8),
      size: b.u64(at + 16),
    });
  }
  return out;
}

function readRelocations(b: Bytes, sections: ElfSection[], shoff: number): Map<number, ElfRelocation[]> {
  const out = new Map<number, ElfRelocation[]>();
  for (const s of sections) {
    if (s.type !== ELF.SHT_REL && s.type !== ELF.SHT_RELA) continue;
    const rela = s.type === ELF.SHT_RELA;
    const entry = rela ? RELA_SIZE : REL_SIZE;
    const where = shoff + s.index * SHDR_SIZE;
    if (s.size % entry !== 0)
      throw new ElfError(
        `relocation section ${s.name} size ${s.size} is not a multiple of ${entry}`,
        where + 0x20,
      );
    if (s.info >= sections.length)
      throw new ElfError(
        `relocation section ${s.name} targets section ${s.info}, which does not exist`,
        where + 0x2c,
      );
    const list = out.get(s.info) ?? [];
    for (let at = s.offset; at < s.offset + s.size; at += entry) {
      const info = b.u64(at + 8);
      const r: ElfRelocation = {
        offset: b.u64(at),
        type: Number(info & 0xffffffffn),
        symbol: Number(info >> 32n),
      };
      if (rela) r.addend = b.view.getBigInt64(at + 16, b.le);
      list.push(r);
    }
    out.set(s.info, list);
  }
  return out;
}
