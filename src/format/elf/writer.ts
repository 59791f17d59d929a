// Writes a relocatable ELF64 object from sections, symbols and relocations given as data. It adds
// the null section, `.rel<name>` sections, `.symtab`, `.strtab` and `.shstrtab` itself and orders
// symbols as ELF requires (locals first). Defaults suit BPF: EM_BPF, ET_REL, little-endian.

import { ELF } from './types.js';

export interface ElfWriteSection {
  name: string;
  /** Default SHT_PROGBITS. */
  type?: number;
  flags?: bigint | number;
  data: Uint8Array;
  /** For SHT_NOBITS: the memory size (data is ignored). */
  size?: number;
  addralign?: number;
  entsize?: number;
  link?: number;
  info?: number;
}

export interface ElfWriteSymbol {
  name: string;
  /** Section name; omitted = undefined symbol (SHN_UNDEF). */
  section?: string;
  value?: bigint | number;
  size?: bigint | number;
  /** Default STB_GLOBAL. */
  bind?: number;
  /** Default STT_NOTYPE. */
  type?: number;
}

export interface ElfWriteRelocation {
  /** The section the relocation patches. */
  section: string;
  offset: bigint | number;
  /** Symbol name (must be in `symbols`). */
  symbol: string;
  type: number;
}

export interface ElfWriteInput {
  littleEndian?: boolean;
  machine?: number;
  type?: number;
  flags?: number;
  sections: ElfWriteSection[];
  symbols?: ElfWriteSymbol[];
  relocations?: ElfWriteRelocation[];
}

class StringTable {
  private readonly parts: Uint8Array[] = [new Uint8Array(1)];
  private size = 1;
  private readonly at = new Map<string, number>([['', 0]]);
  add(s: string): number {
    const known = this.at.get(s);
    if (known !== undefined) return known;
    const bytes = new TextEncoder().encode(`${s}\0`);
    const offset = this.size;
    this.parts.push(bytes);
    this.size += bytes.byteLength;
    this.at.set(s, offset);
    return offset;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.byteLength;
    }
    return out;
  }
}

interface Planned extends Required<Omit<ElfWriteSection, 'size'>> {
  size: number;
  flags: bigint;
  offset: number;
}

const align = (n: number, a: number): number => (a > 1 ? Math.ceil(n / a) * a : n);

/** Serialises an ELF64 relocatable object. Throws Error for inconsistent input (unknown names). */
export function writeElf(input: ElfWriteInput): Uint8Array {
  const le = input.littleEndian ?? true;
  const plan: Planned[] = [];
  const indexOf = new Map<string, number>();
  const shstr = new StringTable();
  const push = (s: ElfWriteSection): Planned => {
    const p: Planned = {
      name: s.name,
      type: s.type ?? ELF.SHT_PROGBITS,
      flags: BigInt(s.flags ?? 0),
      data: s.type === ELF.SHT_NOBITS ? new Uint8Array(0) : s.data,
      size: s.type === ELF.SHT_NOBITS ? (s.size ?? 0) : s.data.byteLength,
      addralign: s.addralign ?? 1,
      entsize: s.entsize ?? 0,
      link: s.link ?? 0,
      info: s.info ?? 0,
      offset: 0,
    };
    plan.push(p);
    return p;
  };
  push({ name: '', type: ELF.SHT_NULL, data: new Uint8Array(0), addralign: 0 });
  for (const s of input.sections) {
    if (indexOf.has(s.name)) throw new Error(`section '${s.name}' given twice`);
    indexOf.set(s.name, plan.length);
    push(s);
  }

  // Symbols: null, then locals, then the rest (sh_info = first non-local).
  const symbols = [...(input.symbols ?? [])];
  const ordered = [
    ...symbols.filter((s) => (s.bind ?? ELF.STB_GLOBAL) === ELF.STB_LOCAL),
    ...symbols.filter((s) => (s.bind ?? ELF.STB_GLOBAL) !== ELF.STB_LOCAL),
  ];
  const symIndex = new Map<string, number>();
  ordered.forEach((s, i) => {
    if (!symIndex.has(s.name)) symIndex.set(s.name, i + 1);
  });
  const firstGlobal = 1 + ordered.filter((s) => (s.bind ?? ELF.STB_GLOBAL) === ELF.STB_LOCAL).length;

  // Relocation sections, one per patched section.
  const relocs = new Map<string, ElfWriteRelocation[]>();
  for (const r of input.relocations ?? []) {
    if (!indexOf.has(r.section)) throw new Error(`relocation patches unknown section '${r.section}'`);
    if (!symIndex.has(r.symbol)) throw new Error(`relocation uses unknown symbol '${r.symbol}'`);
    const list = relocs.get(r.section) ?? [];
    list.push(r);
    relocs.set(r.section, list);
  }
  const symtabIndex = plan.length + relocs.size;
  for (const [section, list] of relocs) {
    const data = new Uint8Array(list.length * 16);
    const v = new DataView(data.buffer);
    list.forEach((r, i) => {
      v.setBigUint64(i * 16, BigInt(r.offset), le);
      v.setBigUint64(i * 16 + 8, (BigInt(symIndex.get(r.symbol)!) << 32n) | BigInt(r.type), le);
    });
    push({
      name: `.rel${section}`,
      type: ELF.SHT_REL,
      data,
      addralign: 8,
      entsize: 16,
      link: symtabIndex,
      info: indexOf.get(section)!,
    });
  }

  const strtab = new StringTable();
  const symData = new Uint8Array((ordered.length + 1) * 24);
  const sv = new DataView(symData.buffer);
  ordered.forEach((s, i) => {
    const at = (i + 1) * 24;
    let shndx: number = ELF.SHN_UNDEF;
    if (s.section !== undefined) {
      const idx = indexOf.get(s.section);
      if (idx === undefined) throw new Error(`symbol '${s.name}' is in unknown section '${s.section}'`);
      shndx = idx;
    }
    sv.setUint32(at, strtab.add(s.name), le);
    sv.setUint8(at + 4, ((s.bind ?? ELF.STB_GLOBAL) << 4) | (s.type ?? ELF.STT_NOTYPE));
    sv.setUint8(at + 5, 0);
    sv.setUint16(at + 6, shndx, le);
    sv.setBigUint64(at + 8, BigInt(s.value ?? 0), le);
    sv.setBigUint64(at + 16, BigInt(s.size ?? 0), le);
  });
  push({
    name: '.symtab',
    type: ELF.SHT_SYMTAB,
    data: symData,
    addralign: 8,
    entsize: 24,
    link: symtabIndex + 1,
    info: firstGlobal,
  });
  push({ name: '.strtab', type: ELF.SHT_STRTAB, data: strtab.bytes() });
  const shstrtabIndex = plan.length;
  const shstrPlanned = push({ name: '.shstrtab', type: ELF.SHT_STRTAB, data: new Uint8Array(0) });
  const nameOffsets = plan.map((p) => shstr.add(p.name));
  shstrPlanned.data = shstr.bytes();
  shstrPlanned.size = shstrPlanned.data.byteLength;

  // Layout: header, contents (aligned), section header table.
  let offset = 64;
  for (const p of plan.slice(1)) {
    offset = align(offset, p.addralign);
    p.offset = offset;
    offset += p.data.byteLength;
  }
  const shoff = align(offset, 8);
  const out = new Uint8Array(shoff + plan.length * 64);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, le ? 1 : 2, 1, 0]);
  v.setUint16(0x10, input.type ?? ELF.ET_REL, le);
  v.setUint16(0x12, input.machine ?? ELF.EM_BPF, le);
  v.setUint32(0x14, 1, le);
  v.setBigUint64(0x20, 0n, le);
  v.setBigUint64(0x28, BigInt(shoff), le);
  v.setUint32(0x30, input.flags ?? 0, le);
  v.setUint16(0x34, 64, le);
  v.setUint16(0x3a, 64, le);
  v.setUint16(0x3c, plan.length, le);
  v.setUint16(0x3e, shstrtabIndex, le);
  plan.forEach((p, i) => {
    out.set(p.data, p.offset);
    const at = shoff + i * 64;
    v.setUint32(at, nameOffsets[i], le);
    v.setUint32(at + 4, p.type, le);
    v.setBigUint64(at + 8, p.flags, le);
    v.setBigUint64(at + 0x18, BigInt(p.offset), le);
    v.setBigUint64(at + 0x20, BigInt(p.size), le);
    v.setUint32(at + 0x28, p.link, le);
    v.setUint32(at + 0x2c, p.info, le);
    v.setBigUint64(at + 0x30, BigInt(p.addralign), le);
    v.setBigUint64(at + 0x38, BigInt(p.entsize), le);
  });
  return out;
}
