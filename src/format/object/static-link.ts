// Linking one program out of an object: its function's instructions, then every subprogram it
// calls (bpf-to-bpf calls and callback references), each appended once, call offsets rewritten
// for the new layout; map and global-data relocations become late-bound references by name.
import { decode, type Instruction, LDDW, slotCount } from '../../../isa/instruction.js';
import { ELF, ElfError, type ElfFile, type ElfRelocation, type ElfSection } from '../elf/types.js';

const CALL = 0x85;
const PSEUDO_CALL = 1;
const PSEUDO_FUNC = 4;

/** A function symbol in an executable section. */
export interface Func {
  name: string;
  section: CodeSection;
  /** Slot range in the section. */
  start: number;
  end: number;
}

/** An executable section decoded once: instructions, the slot each starts at, relocations by slot. */
export interface CodeSection {
  elf: ElfSection;
  insns: Instruction[];
  slotOf: number[];
  /** slot → instruction index (-1 on an lddw's second half). */
  indexAt: Int32Array;
  relocs: Map<number, ElfRelocation>;
  funcs: Func[];
}

export function decodeSection(elf: ElfFile, s: ElfSection): CodeSection {
  if (s.size % 8 !== 0)
    throw new ElfError(`code section ${s.name} is ${s.size} bytes, not a multiple of 8`, s.offset);
  const insns = decode(s.data, elf.littleEndian);
  const slotOf: number[] = [];
  const indexAt = new Int32Array(s.size / 8).fill(-1);
  let slot = 0;
  insns.forEach((ins, i) => {
    slotOf.push(slot);
    indexAt[slot] = i;
    slot += slotCount(ins);
  });
  const relocs = new Map<number, ElfRelocation>();
  for (const r of elf.relocations.get(s.index) ?? []) {
    const off = Number(r.offset);
    if (off % 8 !== 0 || off >= s.size)
      throw new ElfError(
        `relocation at ${off} is outside ${s.name} or not on an instruction`,
        s.offset + Math.min(off, s.size),
      );
    relocs.set(off / 8, r);
  }
  const section: CodeSection = { elf: s, insns, slotOf, indexAt, relocs, funcs: [] };
  for (const sym of elf.symbols) {
    if (sym.shndx !== s.index || sym.type !== ELF.STT_FUNC) continue;
    const start = Number(sym.value) / 8;
    const end = start + Number(sym.size) / 8;
    if (!Number.isInteger(start) || !Number.isInteger(end) || end > s.size / 8 || end <= start)
      throw new ElfError(
        `function '${sym.name}' (${sym.value}+${sym.size}) does not fit ${s.name}`,
        s.offset,
      );
    section.funcs.push({ name: sym.name, section, start, end });
  }
  section.funcs.sort((a, b) => a.start - b.start);
  return section;
}

/** What a data relocation on an lddw refers to, decided by the object (maps, data, externs). */
export type DataTarget =
  | { kind: 'map'; name: string }
  | { kind: 'map_value'; name: string; offset: number }
  | { kind: 'ksym'; name: string };

export interface LinkContext {
  elf: ElfFile;
  sections: Map<number, CodeSection>;
  /** Resolves an lddw's relocation (symbol, addend taken from the instruction's imm). */
  dataTarget(sym: number, imm: number, where: number): DataTarget;
}

export interface LinkedProgram {
  instructions: Instruction[];
  /** Per linked instruction: where it came from. */
  origin: { section: CodeSection; index: number }[];
  /** Each placed function and its first linked slot. */
  placed: { func: Func; slot: number; index: number }[];
  ksymRefs: { insn: number; name: string }[];
}

function funcAt(section: CodeSection, slot: number, where: number): Func {
  const f = section.funcs.find((fn) => fn.start <= slot && slot < fn.end);
  if (!f)
    throw new ElfError(`call target slot ${slot} in ${section.elf.name} is not inside a function`, where);
  return f;
}

export function linkProgram(ctx: LinkContext, main: Func): LinkedProgram {
  const out: Instruction[] = [];
  const origin: LinkedProgram['origin'] = [];
  const placed: LinkedProgram['placed'] = [];
  const placedAt = new Map<Func, number>();
  const ksymRefs: LinkedProgram['ksymRefs'] = [];
  const calls: { insn: number; slot: number; target: Func; targetSlot: number; lddw: boolean }[] = [];
  let slot = 0;
  // Depth-first, in call order, as libbpf appends subprograms (so the result is the same code).
  const place = (f: Func): void => {
    placedAt.set(f, slot);
    placed.push({ func: f, slot, index: out.length });
    const sec = f.section;
    const targets: Func[] = [];
    for (let s = f.start; s < f.end; ) {
      const i = sec.indexAt[s] as number;
      const src = sec.insns[i] as Instruction;
      const ins: Instruction = { ...src };
      const reloc = sec.relocs.get(s);
      const where = sec.elf.offset + s * 8;
      const isCall = ins.code === CALL && ins.src === PSEUDO_CALL;
      const isFuncRef = ins.code === LDDW && ins.src === PSEUDO_FUNC;
      if (isCall || isFuncRef || (reloc && ins.code === LDDW && isCodeSymbol(ctx, reloc))) {
        // The target: relocated against a function/section symbol, or pc-relative in this section.
        let tsec = sec;
        let tslot = s + ins.imm + 1;
        if (reloc) {
          const sym = ctx.elf.symbols[reloc.symbol];
          if (!sym)
            throw new ElfError(`relocation names symbol ${reloc.symbol}, which does not exist`, where);
          const target = ctx.sections.get(sym.shndx);
          if (!target)
            throw new ElfError(
              `call to '${sym.name}', which is not in a code section (extern kfuncs are not supported yet)`,
              where,
            );
          tsec = target;
          // Calls: imm counts slots after the call; lddw func references: imm is a byte offset.
          tslot = Number(sym.value) / 8 + (ins.code === LDDW ? ins.imm / 8 : ins.imm + 1);
        }
        const target = funcAt(tsec, tslot, where);
        calls.push({
          insn: out.length,
          slot,
          target,
          targetSlot: tslot - target.start,
          lddw: ins.code === LDDW,
        });
        if (ins.code === LDDW) ins.src = PSEUDO_FUNC;
        targets.push(target);
      } else if (reloc) {
        if (ins.code !== LDDW)
          throw new ElfError(
            `relocation type ${reloc.type} on a non-lddw instruction (opcode 0x${ins.code.toString(16)})`,
            where,
          );
        const t = ctx.dataTarget(reloc.symbol, ins.imm, where);
        if (t.kind === 'ksym') ksymRefs.push({ insn: out.length, name: t.name });
        else
          ins.ref =
            t.kind === 'map'
              ? { kind: 'map', name: t.name }
              : { kind: 'map_value', name: t.name, offset: t.offset };
      }
      out.push(ins);
      origin.push({ section: sec, index: i });
      const n = slotCount(ins);
      slot += n;
      s += n;
    }
    for (const t of targets) if (!placedAt.has(t)) place(t);
  };
  place(main);
  for (const c of calls) {
    const to = (placedAt.get(c.target) as number) + c.targetSlot;
    const ins = out[c.insn] as Instruction;
    ins.imm = to - c.slot - 1;
    if (c.lddw) ins.imm2 = 0;
  }
  return { instructions: out, origin, placed, ksymRefs };
}

function isCodeSymbol(ctx: LinkContext, r: ElfRelocation): boolean {
  const sym = ctx.elf.symbols[r.symbol];
  return sym !== undefined && ctx.sections.has(sym.shndx);
}
