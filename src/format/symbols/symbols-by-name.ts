// The defined symbols of an ELF binary by name, for uprobes (functions) and USDT arguments (any
// symbol, `sym(%rip)`): .symtab's and .dynsym's entries with their string tables, searched as bytes
// (no object or string per symbol: node's binary has over 100k), and an address turned into the
// file offset the uprobe API wants through the loaded section that holds it.

/** A symbol table's bytes (Elf64_Sym entries) and its string table. */
export interface SymbolTableBytes {
  entries: Uint8Array;
  strings: Uint8Array;
}

/** A section loaded at run time (SHF_ALLOC, with contents in the file). */
export interface LoadedSection {
  addr: number;
  offset: number;
  size: number;
}

export interface FoundSymbol {
  /** The link-time address (st_value). */
  address: number;
  /** Where it is in the file; undefined when no loaded section holds the address. */
  fileOffset: number | undefined;
}

const SYM_SIZE = 24;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;

export class SymbolsByName {
  readonly #tables: { entries: DataView; strings: Uint8Array }[];

  /** `tables` in lookup order (.symtab before .dynsym). */
  constructor(
    tables: readonly SymbolTableBytes[],
    private readonly loaded: readonly LoadedSection[],
    private readonly le: boolean,
  ) {
    this.#tables = tables.map((t) => ({ entries: view(t.entries), strings: t.strings }));
  }

  /** The first defined function (or ifunc resolver) named `name`: .symtab's, else .dynsym's. */
  findFunction(name: string): FoundSymbol | undefined {
    return this.#find(name, true);
  }

  /** The first defined symbol of any type (a variable too) named `name`: .symtab's, else .dynsym's. */
  findDefined(name: string): FoundSymbol | undefined {
    return this.#find(name, false);
  }

  #find(name: string, functionsOnly: boolean): FoundSymbol | undefined {
    const want = new TextEncoder().encode(name);
    for (const { entries, strings } of this.#tables)
      for (let at = SYM_SIZE; at + SYM_SIZE <= entries.byteLength; at += SYM_SIZE)
        if (
          (functionsOnly ? this.#function(entries, at) : this.#defined(entries, at)) &&
          sameName(strings, entries.getUint32(at, this.le), want)
        ) {
          const address = Number(entries.getBigUint64(at + 8, this.le));
          return { address, fileOffset: this.#fileOffset(address) };
        }
    return undefined;
  }

  /** The names of every defined function, of both tables. */
  functionNames(): Set<string> {
    const names = new Set<string>();
    const text = new TextDecoder();
    for (const { entries, strings } of this.#tables)
      for (let at = SYM_SIZE; at + SYM_SIZE <= entries.byteLength; at += SYM_SIZE) {
        if (!this.#function(entries, at)) continue;
        const from = entries.getUint32(at, this.le);
        const end = strings.indexOf(0, from);
        if (from < strings.length && end > from) names.add(text.decode(strings.subarray(from, end)));
      }
    return names;
  }

  /** A function (or ifunc resolver) defined in this file, not imported from another. */
  #function(entries: DataView, at: number): boolean {
    const type = entries.getUint8(at + 4) & 0xf;
    return (type === STT_FUNC || type === STT_GNU_IFUNC) && this.#defined(entries, at);
  }

  /** A symbol defined in this file, not imported from another. */
  #defined(entries: DataView, at: number): boolean {
    return entries.getUint16(at + 6, this.le) !== SHN_UNDEF;
  }

  #fileOffset(address: number): number | undefined {
    const s = this.loaded.find((s) => s.addr <= address && address < s.addr + s.size);
    return s && address - s.addr + s.offset;
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
