// A single-section BPF program as a relocatable object, and back: what `tsbpf asm --format elf`
// writes and `tsbpf disasm --format elf` reads. Labels become symbols; map references become
// R_BPF_64_64 relocations against undefined symbols, as clang emits them before libbpf links maps.

import { encode, type Instruction, type Reference, slotCount } from '../../../isa/instruction.js';
import { readElf } from './reader.js';
import { ELF, type ElfFile } from './types.js';
import { type ElfWriteRelocation, type ElfWriteSymbol, writeElf } from './writer.js';

export interface ProgramObjectOptions {
  /** Section name, default `.text`. */
  section?: string;
  /** Label name → slot (from assemble()); the label at slot 0 names the program symbol. */
  labels?: ReadonlyMap<string, number>;
  littleEndian?: boolean;
  /** License string for a `license` section (libbpf/bpftool read it); omitted = no section. */
  license?: string;
}

/** An assembly as writeProgramObject reads it: what assemble() returns. */
export interface AssembledCode {
  readonly instructions: readonly Instruction[];
  /** Little-endian wire form. */
  readonly bytes: Uint8Array;
  /** Slot → late-bound operand. */
  readonly references: ReadonlyMap<number, Reference>;
}

/**
 * Writes a program as a relocatable object: instructions, or an assembly's result, whose
 * little-endian bytes and references are used as they are (no instruction objects are built).
 */
export function writeProgramObject(
  program: readonly Instruction[] | AssembledCode,
  opts: ProgramObjectOptions = {},
): Uint8Array {
  const section = opts.section ?? '.text';
  const littleEndian = opts.littleEndian ?? true;
  // An assembly's bytes are little-endian; big-endian output encodes its instructions instead.
  const fromBytes = 'bytes' in program && littleEndian;
  // Read only when needed: an assembly builds its instruction objects on first read.
  const instructions = (): readonly Instruction[] => ('bytes' in program ? program.instructions : program);
  const code = fromBytes ? program.bytes : encode(instructions(), littleEndian);
  const references = fromBytes ? program.references : referencesBySlot(instructions());
  const symbols: ElfWriteSymbol[] = [];
  const relocations: ElfWriteRelocation[] = [];
  const labels = [...(opts.labels ?? new Map<string, number>())].sort((a, b) => a[1] - b[1]);
  const entry = labels.find(([, slot]) => slot === 0)?.[0] ?? 'prog';
  symbols.push({
    name: entry,
    section,
    value: 0,
    size: code.byteLength,
    bind: ELF.STB_GLOBAL,
    type: ELF.STT_FUNC,
  });
  for (const [name, slot] of labels) {
    if (name !== entry)
      symbols.push({ name, section, value: slot * 8, bind: ELF.STB_LOCAL, type: ELF.STT_NOTYPE });
  }
  const undefinedNames = new Set<string>();
  for (const [slot, ref] of references) {
    if (ref.kind === 'map' || ref.kind === 'map_value') {
      relocations.push({ section, offset: slot * 8, symbol: ref.name, type: ELF.R_BPF_64_64 });
      undefinedNames.add(ref.name);
    }
  }
  for (const name of undefinedNames)
    if (!symbols.some((s) => s.name === name)) symbols.push({ name, bind: ELF.STB_GLOBAL });
  const sections = [{ name: section, flags: ELF.SHF_ALLOC | ELF.SHF_EXECINSTR, data: code, addralign: 8 }];
  if (opts.license !== undefined) {
    sections.push({
      name: 'license',
      flags: ELF.SHF_ALLOC | ELF.SHF_WRITE,
      data: new TextEncoder().encode(`${opts.license}\0`),
      addralign: 1,
    });
  }
  return writeElf({ littleEndian, sections, symbols, relocations });
}

/** The executable sections of a BPF object: name and code bytes. */
export function programSections(file: ElfFile): { name: string; code: Uint8Array }[] {
  return file.sections
    .filter((s) => s.type === ELF.SHT_PROGBITS && (s.flags & BigInt(ELF.SHF_EXECINSTR)) !== 0n)
    .map((s) => ({ name: s.name, code: s.data }));
}

export { readElf };

function referencesBySlot(instructions: readonly Instruction[]): Map<number, Reference> {
  const out = new Map<number, Reference>();
  let slot = 0;
  for (const ins of instructions) {
    if (ins.ref) out.set(slot, ins.ref);
    slot += slotCount(ins);
  }
  return out;
}
