// An ELF BPF object (what clang -target bpf writes) → an ObjectSpec: programs by function symbol
// in every program section, linked with their subprograms; maps; global variables; externs;
// license and version; the object's BTF and .BTF.ext. No system calls here.

import { BtfError } from '../../../btf/error.js';
import { type BtfExt, parseBtfExt } from '../../../btf/ext.js';
import { alignOf, sizeOf } from '../../../btf/layout.js';
import { Btf } from '../../../btf/parse.js';
import { readElf } from '../elf/reader.js';
import { ELF, ElfError, type ElfFile, type ElfSection } from '../elf/types.js';
import { btfMaps, dataMaps, isDataSection, legacyMaps } from './maps.js';
import { sectionInfo } from './sections.js';
import type { ExternSpec, MapSpec, ProgramSpec, VariableSpec } from './spec.js';
import {
  type CodeSection,
  type DataTarget,
  decodeSection,
  type LinkContext,
  linkProgram,
} from './static-link.js';

export interface ObjectSpec {
  /** Base name used to prefix global data map names in the kernel (`fsdist.bss`). */
  name: string;
  programs: ProgramSpec[];
  maps: Map<string, MapSpec>;
  variables: Map<string, VariableSpec>;
  externs: ExternSpec[];
  license: string;
  /** `version` section (kern_version for pre-5.0 kprobes); 0 if absent. */
  kernelVersion: number;
  /** The object's raw .BTF and its parsed form (undefined: no BTF). */
  btfBytes?: Uint8Array;
  btf?: Btf;
  btfExt?: BtfExt;
  /** File offset of .BTF, for error messages. */
  btfOffset: number;
  /** Data section name → ELF symbols' offsets for VARs (DATASEC fix-up before BTF load). */
  symbolOffsets: Map<string, Map<string, number>>;
  /** Section name → size (DATASEC fix-up). */
  sectionSizes: Map<string, number>;
}

const CSTRING = new TextDecoder();

function cstring(s: ElfSection): string {
  const end = s.data.indexOf(0);
  return CSTRING.decode(end < 0 ? s.data : s.data.subarray(0, end));
}

/** Parses a BPF object file. Throws ElfError (with a byte offset) on anything malformed. */
export function parseObject(bytes: Uint8Array, name = 'obj'): ObjectSpec {
  const elf = readElf(bytes);
  const btfAt = elf.sections.find((s) => s.name === '.BTF')?.offset ?? 0;
  // Type lookups anywhere below may meet corrupt BTF: report it at its place in the file.
  return wrapBtf(() => parseElfObject(elf, name), btfAt);
}

function parseElfObject(elf: ElfFile, name: string): ObjectSpec {
  if (elf.machine !== ELF.EM_BPF)
    throw new ElfError(`machine ${elf.machine} is not BPF (${ELF.EM_BPF})`, 0x12);
  if (elf.type !== ELF.ET_REL)
    throw new ElfError(`ELF type ${elf.type} is not a relocatable object (1)`, 0x10);
  if (!elf.littleEndian) throw new ElfError('big-endian BPF objects cannot be loaded on this host', 5);
  const byName = new Map(elf.sections.map((s) => [s.name, s]));

  let btf: Btf | undefined;
  let btfExt: BtfExt | undefined;
  const btfSec = byName.get('.BTF');
  if (btfSec) {
    try {
      btf = Btf.parse(btfSec.data);
    } catch (err) {
      if (err instanceof BtfError)
        throw new ElfError(`.BTF: ${err.message}`, btfSec.offset + Math.max(0, err.offset));
      throw err;
    }
    const extSec = byName.get('.BTF.ext');
    if (extSec) {
      try {
        btfExt = parseBtfExt(extSec.data, btf);
      } catch (err) {
        if (err instanceof BtfError) throw new ElfError(err.message, extSec.offset + Math.max(0, err.offset));
        throw err;
      }
    }
  }
  const btfOffset = btfSec?.offset ?? 0;

  const license = byName.get('license');
  const version = byName.get('version');
  const spec: ObjectSpec = {
    name,
    programs: [],
    maps: new Map(),
    variables: new Map(),
    externs: [],
    license: license ? cstring(license) : '',
    kernelVersion:
      version && version.size >= 4
        ? new DataView(version.data.buffer, version.data.byteOffset).getUint32(0, true)
        : 0,
    btfOffset,
    symbolOffsets: new Map(),
    sectionSizes: new Map(elf.sections.map((s) => [s.name, s.size])),
  };
  if (btfSec) spec.btfBytes = btfSec.data;
  if (btf) spec.btf = btf;
  if (btfExt) spec.btfExt = btfExt;

  // Maps.
  const addMap = (m: MapSpec, at: number) => {
    if (spec.maps.has(m.name)) throw new ElfError(`map '${m.name}' is defined twice`, at);
    spec.maps.set(m.name, m);
  };
  const mapsSec = byName.get('.maps');
  if (mapsSec) {
    if (!btf) throw new ElfError('.maps section needs .BTF (compile with -g)', mapsSec.offset);
    const b = btf;
    for (const m of wrapBtf(() => btfMaps(elf, mapsSec, b, btfOffset), btfOffset)) addMap(m, mapsSec.offset);
  }
  const legacySec = byName.get('maps');
  if (legacySec) for (const m of legacyMaps(elf, legacySec)) addMap(m, legacySec.offset);
  for (const m of dataMaps(elf, btf)) addMap(m, 0);

  // Variables in data sections (settable by name before load) and the offsets for DATASEC fix-up.
  for (const sym of elf.symbols) {
    const sec = elf.sections[sym.shndx];
    if (!sec || sym.shndx === ELF.SHN_UNDEF || sym.shndx >= ELF.SHN_ABS) continue;
    if (sym.type !== ELF.STT_OBJECT || sym.name === '') continue;
    let offsets = spec.symbolOffsets.get(sec.name);
    if (!offsets) {
      offsets = new Map();
      spec.symbolOffsets.set(sec.name, offsets);
    }
    offsets.set(sym.name, Number(sym.value));
    if (isDataSection(sec)) {
      const v: VariableSpec = {
        name: sym.name,
        map: sec.name,
        offset: Number(sym.value),
        size: Number(sym.size),
        readonly: sec.name.startsWith('.rodata'),
      };
      if (v.offset + v.size > sec.size)
        throw new ElfError(
          `variable '${sym.name}' (${v.offset}+${v.size}) runs past ${sec.name}`,
          sec.offset,
        );
      spec.variables.set(sym.name, v);
    }
  }

  collectExterns(elf, btf, spec);

  // Programs: every function symbol in a non-.text executable section.
  const sections = new Map<number, CodeSection>();
  for (const s of elf.sections) {
    if (s.type === ELF.SHT_PROGBITS && (s.flags & BigInt(ELF.SHF_EXECINSTR)) !== 0n)
      sections.set(s.index, decodeSection(elf, s));
  }
  const ctx: LinkContext = {
    elf,
    sections,
    dataTarget: (sym, imm, where) => dataTarget(elf, spec, sym, imm, where),
  };
  for (const sec of sections.values()) {
    if (sec.elf.name === '.text') continue;
    const def = sectionInfo(sec.elf.name);
    for (const f of sec.funcs) {
      const linked = linkProgram(ctx, f);
      const prog: ProgramSpec = {
        name: f.name,
        section: sec.elf.name,
        def,
        instructions: linked.instructions,
        coreRelos: [],
        ksymRefs: linked.ksymRefs,
      };
      if (btfExt) attachExt(prog, linked, btfExt);
      spec.programs.push(prog);
    }
  }
  return spec;
}

function wrapBtf<T>(fn: () => T, base: number): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BtfError) throw new ElfError(`.BTF: ${err.message}`, base + Math.max(0, err.offset));
    throw err;
  }
}

function dataTarget(
  elf: ElfFile,
  spec: ObjectSpec,
  symIndex: number,
  imm: number,
  where: number,
): DataTarget {
  const sym = elf.symbols[symIndex];
  if (!sym) throw new ElfError(`relocation names symbol ${symIndex}, which does not exist`, where);
  if (sym.shndx === ELF.SHN_UNDEF) {
    const ext = spec.externs.find((e) => e.name === sym.name);
    if (!ext)
      throw new ElfError(
        `reference to undefined symbol '${sym.name}' (not a .kconfig or .ksyms extern)`,
        where,
      );
    if (ext.section === '.ksyms') return { kind: 'ksym', name: ext.name };
    return { kind: 'map_value', name: '.kconfig', offset: ext.offset };
  }
  const sec = elf.sections[sym.shndx];
  if (!sec)
    throw new ElfError(`symbol '${sym.name}' is in section ${sym.shndx}, which does not exist`, where);
  if (sec.name === '.maps' || sec.name === 'maps') {
    const value = Number(sym.value) + (sym.type === ELF.STT_SECTION ? imm : 0);
    const owner =
      sym.type === ELF.STT_SECTION
        ? elf.symbols.find(
            (s) => s.shndx === sec.index && s.type !== ELF.STT_SECTION && Number(s.value) === value,
          )
        : sym;
    if (!owner || !spec.maps.has(owner.name))
      throw new ElfError(`reference to ${sec.name}+${value}, which is not a map`, where);
    return { kind: 'map', name: owner.name };
  }
  if (spec.maps.get(sec.name)?.kind === 'data') {
    const offset = (sym.type === ELF.STT_SECTION ? 0 : Number(sym.value)) + imm;
    return { kind: 'map_value', name: sec.name, offset };
  }
  throw new ElfError(
    `reference to '${sym.name || sec.name}' in section ${sec.name}, which is neither a map nor global data`,
    where,
  );
}

/** .kconfig and .ksyms externs: undefined symbols named in those DATASECs. */
function collectExterns(elf: ElfFile, btf: Btf | undefined, spec: ObjectSpec): void {
  const undef = elf.symbols.filter(
    (s) => s.shndx === ELF.SHN_UNDEF && s.name !== '' && s.type !== ELF.STT_FUNC,
  );
  if (undef.length === 0 || !btf) return;
  let kconfigEnd = 0;
  const kconfig: { name: string; size: number; align: number; weak: boolean; btfType: number }[] = [];
  for (const section of ['.kconfig', '.ksyms'] as const) {
    const id = btf.findId(section, 'datasec');
    if (id === undefined) continue;
    const ds = btf.type(id);
    if (ds.kind !== 'datasec') continue;
    for (const vi of ds.vars) {
      const v = btf.type(vi.type);
      if (v.kind !== 'var' && v.kind !== 'func') continue;
      const sym = undef.find((s) => s.name === v.name);
      if (!sym) continue;
      const size = v.kind === 'var' ? safeSize(btf, v.type) : 0;
      const btfType = v.kind === 'var' ? v.type : 0;
      const weak = sym.bind === ELF.STB_WEAK;
      if (section === '.ksyms') spec.externs.push({ name: v.name, section, offset: 0, size, weak, btfType });
      else
        kconfig.push({
          name: v.name,
          size,
          align: v.kind === 'var' ? alignOf(btf, v.type) : 1,
          weak,
          btfType,
        });
    }
  }
  // libbpf's layout: by alignment (largest first), then size, then name.
  kconfig.sort(
    (a, b) => b.align - a.align || a.size - b.size || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  for (const k of kconfig) {
    const offset = Math.ceil(kconfigEnd / k.align) * k.align;
    kconfigEnd = offset + k.size;
    spec.externs.push({
      name: k.name,
      section: '.kconfig',
      offset,
      size: k.size,
      weak: k.weak,
      btfType: k.btfType,
    });
  }
  if (kconfigEnd > 0) {
    spec.maps.set('.kconfig', {
      name: '.kconfig',
      type: 2, // array
      keySize: 4,
      valueSize: kconfigEnd,
      maxEntries: 1,
      flags: (1 << 10) | (1 << 7), // MMAPABLE | RDONLY_PROG
      pinning: 'none',
      data: new Uint8Array(kconfigEnd),
      freeze: true,
      kind: 'kconfig',
    });
  }
}

function safeSize(btf: Btf, id: number): number {
  try {
    return sizeOf(btf, id);
  } catch {
    return 0;
  }
}

/** func_info/line_info for the linked layout (kernel wants instruction indices) and CO-RE records. */
function attachExt(prog: ProgramSpec, linked: ReturnType<typeof linkProgram>, ext: BtfExt): void {
  const inSection = <T>(list: { section: string; records: T[] }[], sec: string): T[] =>
    list.find((x) => x.section === sec)?.records ?? [];
  const funcs: number[] = [];
  const lines: number[] = [];
  for (const { func, slot, index } of linked.placed) {
    const sec = func.section.elf.name;
    for (const r of inSection(ext.funcInfo, sec)) {
      const s = r.insnOff / 8;
      if (Number.isInteger(s) && s >= func.start && s < func.end) funcs.push(slot + s - func.start, r.typeId);
    }
    for (const r of inSection(ext.lineInfo, sec)) {
      const s = r.insnOff / 8;
      if (!Number.isInteger(s) || s < func.start || s >= func.end) continue;
      lines.push(slot + s - func.start, r.fileNameOff, r.lineOff, r.lineCol);
      // The C source line becomes the instruction's source, for verifier errors.
      const i = func.section.indexAt[s] as number;
      const ins =
        i < 0 ? undefined : linked.instructions[index + i - (func.section.indexAt[func.start] as number)];
      if (ins) ins.source = { line: r.lineNumber, col: r.column, file: r.fileName, text: r.line };
    }
    // CO-RE records by linked instruction index.
    const first = func.section.indexAt[func.start] as number;
    for (const r of inSection(ext.coreRelos, sec)) {
      const s = r.insnOff / 8;
      if (!Number.isInteger(s) || s < func.start || s >= func.end) continue;
      const i = func.section.indexAt[s] as number;
      if (i < 0) continue;
      prog.coreRelos.push({ insn: index + i - first, record: r });
    }
  }
  if (funcs.length > 0) {
    prog.funcInfo = new Uint8Array(Uint32Array.from(funcs).buffer);
    prog.funcInfoRecSize = 8;
  }
  if (lines.length > 0) {
    prog.lineInfo = new Uint8Array(Uint32Array.from(lines).buffer);
    prog.lineInfoRecSize = 16;
  }
}
