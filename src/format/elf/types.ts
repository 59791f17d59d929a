// ELF64 as plain data: sections, symbols and relocations. The reader produces it, the writer
// consumes it; object loaders (maps, BTF, CO-RE) build on these shapes.

export const ELF = {
  ET_REL: 1,
  EM_BPF: 247,
  SHT_NULL: 0,
  SHT_PROGBITS: 1,
  SHT_SYMTAB: 2,
  SHT_STRTAB: 3,
  SHT_RELA: 4,
  SHT_NOBITS: 8,
  SHT_REL: 9,
  SHF_WRITE: 0x1,
  SHF_ALLOC: 0x2,
  SHF_EXECINSTR: 0x4,
  SHN_UNDEF: 0,
  SHN_ABS: 0xfff1,
  SHN_XINDEX: 0xffff,
  STB_LOCAL: 0,
  STB_GLOBAL: 1,
  STB_WEAK: 2,
  STT_NOTYPE: 0,
  STT_OBJECT: 1,
  STT_FUNC: 2,
  STT_SECTION: 3,
  /** BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def). */
  R_BPF_NONE: 0,
  R_BPF_64_64: 1,
  R_BPF_64_ABS64: 2,
  R_BPF_64_ABS32: 3,
  R_BPF_64_NODYLD32: 4,
  R_BPF_64_32: 10,
} as const;

export interface ElfSection {
  /** Index in the section header table. */
  index: number;
  name: string;
  type: number;
  flags: bigint;
  addr: bigint;
  /** File offset of the contents (0 for a writer input). */
  offset: number;
  /** sh_size (for SHT_NOBITS this is the memory size; `data` is then empty). */
  size: number;
  link: number;
  info: number;
  addralign: number;
  entsize: number;
  data: Uint8Array;
}

export interface ElfSymbol {
  name: string;
  value: bigint;
  size: bigint;
  bind: number;
  type: number;
  other: number;
  /** Section index (or SHN_UNDEF/SHN_ABS …). */
  shndx: number;
}

export interface ElfRelocation {
  offset: bigint;
  type: number;
  /** Index into the symbol table the relocation section links to. */
  symbol: number;
  /** Present for SHT_RELA. */
  addend?: bigint;
}

export interface ElfFile {
  littleEndian: boolean;
  type: number;
  machine: number;
  flags: number;
  entry: bigint;
  sections: ElfSection[];
  /** The (first) SHT_SYMTAB's symbols, index 0 being the null symbol. */
  symbols: ElfSymbol[];
  /** Target section index → its relocations (from SHT_REL and SHT_RELA sections). */
  relocations: Map<number, ElfRelocation[]>;
}

/** Malformed ELF input: what is wrong and at which byte offset. */
export class ElfError extends Error {
  override name = 'ElfError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte offset ${offset})`);
  }
}
