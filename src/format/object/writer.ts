// Writing BPF objects of our own: programs (one section each, libbpf's SEC() names), BTF-defined
// maps in `.maps` with the BTF that describes them, map references as R_BPF_64_64 relocations —
// the shape clang gives, so libbpf tools (`bpftool prog loadall`) and our own loader accept it.
import { BtfBuilder } from '../../../btf/builder.js';
import { helperId } from '../../../isa/helper-id.js';
import { encode, type Instruction, slotCount } from '../../../isa/instruction.js';
import { MapType, type MapTypeName, resolveEnum } from '../../sys/types.js';
import { ELF } from '../elf/types.js';
import {
  type ElfWriteRelocation,
  type ElfWriteSection,
  type ElfWriteSymbol,
  writeElf,
} from '../elf/writer.js';

export interface ObjectProgram {
  /** Function symbol name (the program's name). */
  name: string;
  /** Section, e.g. `socket`, `xdp`, `tracepoint/syscalls/sys_enter_openat`. */
  section: string;
  /** Labels and calls resolved; `ref: {kind: 'map', name}` on lddw for maps. */
  instructions: readonly Instruction[];
}

export interface ObjectMap {
  name: string;
  type: MapTypeName | number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags?: number;
  /** LIBBPF_PIN_BY_NAME. */
  pinByName?: boolean;
}

export interface ObjectWriteInput {
  programs: readonly ObjectProgram[];
  maps?: readonly ObjectMap[];
  /** Default 'GPL'. */
  license?: string;
}

const MAP_DEF_FIELDS = ['type', 'key_size', 'value_size', 'max_entries', 'map_flags', 'pinning'] as const;

/** Writes a relocatable BPF object (ELF64, little-endian). */
export function writeObject(input: ObjectWriteInput): Uint8Array {
  const sections: ElfWriteSection[] = [];
  const symbols: ElfWriteSymbol[] = [];
  const relocations: ElfWriteRelocation[] = [];
  const maps = input.maps ?? [];
  const mapNames = new Set(maps.map((m) => m.name));
  const bySection = new Map<string, ObjectProgram[]>();
  for (const p of input.programs) bySection.set(p.section, [...(bySection.get(p.section) ?? []), p]);
  for (const [section, progs] of bySection) {
    const code: Uint8Array[] = [];
    let at = 0;
    for (const p of progs) {
      // Helpers called by name get their ids (the ELF has no relocation for them).
      const instructions = p.instructions.map((ins, i) => {
        if (ins.ref?.kind !== 'helper' || ins.imm !== 0) return ins;
        const id = helperId(ins.ref.name);
        if (id === undefined)
          throw new RangeError(`program '${p.name}' instruction ${i} calls unknown helper '${ins.ref.name}'`);
        return { ...ins, imm: id };
      });
      const bytes = encode(instructions);
      symbols.push({
        name: p.name,
        section,
        value: at,
        size: bytes.byteLength,
        bind: ELF.STB_GLOBAL,
        type: ELF.STT_FUNC,
      });
      let slot = 0;
      instructions.forEach((ins, i) => {
        const ref = ins.ref;
        if (ref?.kind === 'map') {
          if (!mapNames.has(ref.name))
            throw new RangeError(
              `program '${p.name}' instruction ${i} references map '${ref.name}', which is not defined`,
            );
          relocations.push({ section, offset: at + slot * 8, symbol: ref.name, type: ELF.R_BPF_64_64 });
        } else if (ref && ref.kind !== 'label' && ref.kind !== 'helper') {
          throw new RangeError(
            `program '${p.name}' instruction ${i}: a '${ref.kind}' reference cannot be written to an object yet (resolve it first)`,
          );
        }
        slot += slotCount(ins);
      });
      code.push(bytes);
      at += bytes.byteLength;
    }
    const data = new Uint8Array(at);
    let off = 0;
    for (const c of code) {
      data.set(c, off);
      off += c.byteLength;
    }
    sections.push({ name: section, flags: ELF.SHF_ALLOC | ELF.SHF_EXECINSTR, data, addralign: 8 });
  }
  if (maps.length > 0) {
    const btf = new BtfBuilder();
    const int = btf.int('int', 4, { signed: true });
    const index = btf.int('__ARRAY_SIZE_TYPE__', 4);
    const defSize = MAP_DEF_FIELDS.length * 8;
    const vars: { type: number; offset: number; size: number }[] = [];
    maps.forEach((m, i) => {
      // __uint(field, N) is `int (*field)[N]`.
      const values: Record<(typeof MAP_DEF_FIELDS)[number], number> = {
        type: resolveEnum('map type', MapType, m.type),
        key_size: m.keySize,
        value_size: m.valueSize,
        max_entries: m.maxEntries,
        map_flags: m.flags ?? 0,
        pinning: m.pinByName ? 1 : 0,
      };
      const members = MAP_DEF_FIELDS.map((f, j) => ({
        name: f,
        type: btf.pointer(btf.array(int, values[f], index)),
        bitOffset: j * 64,
        bitfieldSize: 0,
      }));
      const def = btf.struct('', defSize, members);
      vars.push({
        type: btf.add({ kind: 'var', name: m.name, type: def, linkage: 'global' }),
        offset: i * defSize,
        size: defSize,
      });
      symbols.push({
        name: m.name,
        section: '.maps',
        value: i * defSize,
        size: defSize,
        bind: ELF.STB_GLOBAL,
        type: ELF.STT_OBJECT,
      });
    });
    btf.add({ kind: 'datasec', name: '.maps', size: maps.length * defSize, vars });
    sections.push({
      name: '.maps',
      flags: ELF.SHF_ALLOC | ELF.SHF_WRITE,
      data: new Uint8Array(maps.length * defSize),
      addralign: 8,
    });
    sections.push({ name: '.BTF', data: btf.encode(), addralign: 4 });
  }
  sections.push({
    name: 'license',
    flags: ELF.SHF_ALLOC | ELF.SHF_WRITE,
    data: new TextEncoder().encode(`${input.license ?? 'GPL'}\0`),
    addralign: 1,
  });
  return writeElf({ sections, symbols, relocations });
}
