// Map definitions in an object: BTF-defined `.maps` (libbpf's __uint/__type/__array encoding),
// the legacy `maps` section (struct bpf_map_def) and global data sections, one array map each.

import { resolveType, sizeOf } from '../../../btf/layout.js';
import type { Btf } from '../../../btf/parse.js';

const skipMods = (btf: Btf, id: number): number => resolveType(btf, id).id;

import { MapFlags, MapType } from '../../sys/types.js';
import { ELF, ElfError, type ElfFile, type ElfSection } from '../elf/types.js';
import type { MapSpec } from './spec.js';

const DATA_SECTION = /^\.(data|rodata|bss)(\..*)?$/;

/** Is this a global-data section that becomes an array map (.data, .rodata.str1.1, .bss …)? */
export function isDataSection(s: ElfSection): boolean {
  return (
    DATA_SECTION.test(s.name) &&
    (s.flags & BigInt(ELF.SHF_ALLOC)) !== 0n &&
    (s.flags & BigInt(ELF.SHF_EXECINSTR)) === 0n
  );
}

/** A sanity bound, far above the kernel's own (KMALLOC_MAX_SIZE: 4 MiB with 4 KiB pages). */
const MAX_DATA_SECTION = 1 << 30;

/** Global data: one single-element array map per data section; .rodata* frozen after init. */
export function dataMaps(elf: ElfFile, btf: Btf | undefined): MapSpec[] {
  const out: MapSpec[] = [];
  for (const s of elf.sections) {
    if (!isDataSection(s) || s.size === 0) continue;
    if (s.size > MAX_DATA_SECTION)
      throw new ElfError(
        `data section ${s.name} is ${s.size} bytes: more than any kernel takes as a map value`,
        s.offset,
      );
    const readonly = s.name.startsWith('.rodata');
    const spec: MapSpec = {
      name: s.name,
      type: MapType.array,
      keySize: 4,
      valueSize: s.size,
      maxEntries: 1,
      flags: MapFlags.MMAPABLE | (readonly ? MapFlags.RDONLY_PROG : 0),
      pinning: 'none',
      data: s.type === ELF.SHT_NOBITS ? new Uint8Array(s.size) : Uint8Array.from(s.data),
      freeze: readonly,
      kind: 'data',
    };
    const datasec = btf?.findId(s.name, 'datasec');
    if (datasec !== undefined) spec.btfValueTypeId = datasec;
    out.push(spec);
  }
  return out;
}

/** Legacy `maps` section: consecutive struct bpf_map_def, one per symbol. */
export function legacyMaps(elf: ElfFile, section: ElfSection): MapSpec[] {
  const syms = elf.symbols.filter(
    (s) => s.shndx === section.index && s.name !== '' && s.type !== ELF.STT_SECTION,
  );
  if (syms.length === 0) return [];
  const defSize = Math.floor(section.size / syms.length);
  if (defSize < 20)
    throw new ElfError(
      `legacy maps section: ${syms.length} maps in ${section.size} bytes (need 20 each)`,
      section.offset,
    );
  const v = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
  const le = elf.littleEndian;
  return syms.map((sym) => {
    const at = Number(sym.value);
    if (at + 20 > section.size)
      throw new ElfError(`legacy map '${sym.name}' at ${at} runs past the maps section`, section.offset + at);
    return {
      name: sym.name,
      type: v.getUint32(at, le),
      keySize: v.getUint32(at + 4, le),
      valueSize: v.getUint32(at + 8, le),
      maxEntries: v.getUint32(at + 12, le),
      flags: v.getUint32(at + 16, le),
      pinning: 'none',
      kind: 'legacy',
    } satisfies MapSpec;
  });
}

/** The number libbpf's __uint(name, N) encodes: a pointer to an array of N ints. */
function uintMember(btf: Btf, typeId: number, mapName: string, member: string, where: number): number {
  const ptr = btf.type(skipMods(btf, typeId));
  if (ptr.kind === 'ptr') {
    const arr = btf.type(skipMods(btf, ptr.type));
    if (arr.kind === 'array') return arr.nelems;
  }
  throw new ElfError(
    `map '${mapName}': member '${member}' is ${ptr.kind}, not __uint()'s pointer to array`,
    where,
  );
}

/**
 * Parses one BTF map definition (the struct type of a `.maps` variable). `btfBase` is the byte
 * offset of .BTF in the file (errors point at the type record).
 */
export function parseMapDef(btf: Btf, typeId: number, name: string, btfBase: number): MapSpec {
  const where = btfBase + Math.max(0, btf.recordOffset(typeId));
  const def = btf.type(skipMods(btf, typeId));
  if (def.kind !== 'struct')
    throw new ElfError(`map '${name}': definition is ${def.kind}, not a struct`, where);
  const spec: MapSpec = {
    name,
    type: 0,
    keySize: 0,
    valueSize: 0,
    maxEntries: 0,
    flags: 0,
    pinning: 'none',
    kind: 'btf',
  };
  let valueSizeSet = false;
  for (const m of def.members) {
    const num = () => uintMember(btf, m.type, name, m.name, where);
    switch (m.name) {
      case 'type':
        spec.type = num();
        break;
      case 'max_entries':
        spec.maxEntries = num();
        break;
      case 'map_flags':
        spec.flags = num();
        break;
      case 'numa_node':
        spec.numaNode = num();
        break;
      case 'map_extra':
        spec.mapExtra = BigInt(num());
        break;
      case 'key_size':
        spec.keySize = num();
        break;
      case 'value_size':
        spec.valueSize = num();
        valueSizeSet = true;
        break;
      case 'pinning': {
        const p = num();
        if (p > 1) throw new ElfError(`map '${name}': unknown pinning ${p} (0 none, 1 by name)`, where);
        spec.pinning = p === 1 ? 'by_name' : 'none';
        break;
      }
      case 'key':
      case 'value': {
        const ptr = btf.type(skipMods(btf, m.type));
        if (ptr.kind !== 'ptr')
          throw new ElfError(`map '${name}': '${m.name}' is ${ptr.kind}, not __type()'s pointer`, where);
        const size = sizeOf(btf, ptr.type);
        if (m.name === 'key') {
          spec.keySize = size;
          spec.btfKeyTypeId = ptr.type;
        } else {
          spec.valueSize = size;
          spec.btfValueTypeId = ptr.type;
          valueSizeSet = true;
        }
        break;
      }
      case 'values': {
        // __array(values, struct inner): an array of pointers to the inner definition (or to a program).
        const arr = btf.type(skipMods(btf, m.type));
        if (arr.kind !== 'array')
          throw new ElfError(`map '${name}': 'values' is ${arr.kind}, not an array`, where);
        const ptr = btf.type(skipMods(btf, arr.type));
        if (ptr.kind !== 'ptr')
          throw new ElfError(`map '${name}': 'values' elements are ${ptr.kind}, not pointers`, where);
        const target = btf.type(skipMods(btf, ptr.type));
        if (target.kind === 'struct') spec.inner = parseMapDef(btf, ptr.type, `${name}.inner`, btfBase);
        else if (target.kind !== 'func_proto')
          throw new ElfError(`map '${name}': 'values' point to ${target.kind}`, where);
        if (spec.maxEntries === 0) spec.maxEntries = arr.nelems;
        break;
      }
      default:
        throw new ElfError(`map '${name}': unknown definition member '${m.name}'`, where);
    }
  }
  if (
    spec.type === MapType.array_of_maps ||
    spec.type === MapType.hash_of_maps ||
    spec.type === MapType.prog_array
  ) {
    if (!valueSizeSet) spec.valueSize = 4;
    if (spec.keySize === 0) spec.keySize = 4;
    // An fd-valued map's value is not the BTF the template describes.
    delete spec.btfValueTypeId;
    delete spec.btfKeyTypeId;
  }
  if (
    spec.type === MapType.ringbuf ||
    spec.type === MapType.user_ringbuf ||
    spec.type === MapType.perf_event_array
  ) {
    delete spec.btfKeyTypeId;
    delete spec.btfValueTypeId;
    if (spec.type === MapType.perf_event_array) {
      if (spec.keySize === 0) spec.keySize = 4;
      if (spec.valueSize === 0) spec.valueSize = 4;
    }
  }
  if (spec.type === 0) throw new ElfError(`map '${name}': no map type`, where);
  return spec;
}

/** BTF-defined maps: every VAR of the `.maps` DATASEC, with map-in-map initialisers from .rel.maps. */
export function btfMaps(elf: ElfFile, section: ElfSection, btf: Btf, btfBase: number): MapSpec[] {
  const datasecId = btf.findId('.maps', 'datasec');
  if (datasecId === undefined)
    throw new ElfError('.maps section without a .maps DATASEC in .BTF', section.offset);
  const datasec = btf.type(datasecId);
  if (datasec.kind !== 'datasec') throw new ElfError('.maps is not a DATASEC', btfBase);
  const maps: MapSpec[] = [];
  const symbolOf = new Map<string, bigint>();
  for (const s of elf.symbols)
    if (s.shndx === section.index && s.type !== ELF.STT_SECTION) symbolOf.set(s.name, s.value);
  const byOffset = new Map<number, MapSpec>();
  for (const v of datasec.vars) {
    const variable = btf.type(v.type);
    if (variable.kind !== 'var')
      throw new ElfError(
        `.maps DATASEC entry [${v.type}] is ${variable.kind}, not a var`,
        btfBase + btf.recordOffset(datasecId),
      );
    const spec = parseMapDef(btf, variable.type, variable.name, btfBase);
    maps.push(spec);
    const at = symbolOf.get(variable.name);
    if (at !== undefined) byOffset.set(Number(at), spec);
  }
  // `.values = { [i] = &inner }` becomes R_BPF_64_ABS64 relocations at outer + offsetof(values[i]).
  const relocs = elf.relocations.get(section.index) ?? [];
  for (const r of relocs) {
    const at = Number(r.offset);
    const sym = elf.symbols[r.symbol];
    if (!sym)
      throw new ElfError(
        `.maps relocation names symbol ${r.symbol}, which does not exist`,
        section.offset + at,
      );
    let owner: MapSpec | undefined;
    let start = 0;
    for (const [off, spec] of byOffset) if (off <= at && off >= start) [owner, start] = [spec, off];
    if (!owner?.inner && owner?.type !== MapType.prog_array)
      throw new ElfError(
        `.maps relocation at ${at} is not inside a map-in-map 'values'`,
        section.offset + at,
      );
    const def = btf.type(skipMods(btf, (btf.find(owner.name, 'var') as { type: number }).type));
    const values = def.kind === 'struct' ? def.members.find((m) => m.name === 'values') : undefined;
    if (!values)
      throw new ElfError(
        `map '${owner.name}' has an initialiser but no 'values' member`,
        section.offset + at,
      );
    const slot = (at - start - values.bitOffset / 8) / 8;
    if (!Number.isInteger(slot) || slot < 0)
      throw new ElfError(`.maps relocation at ${at} is not on a 'values' slot`, section.offset + at);
    owner.innerValues ??= new Map();
    owner.innerValues.set(slot, sym.name);
  }
  return maps;
}
