// What an encoding means: classifies a raw Instruction into one semantic form using the opcode
// tables, and checks every field the ISA requires to be zero or in range. The disassembler,
// interpreter, assembler and docs share this, so "is this encoding valid" has one answer.

import { type Instruction, LDDW } from './instruction.js';
import {
  ADDR_SPACE_CAST_OFF,
  type AluOp,
  AluOps,
  type AtomicOp,
  AtomicOpByImm,
  Class,
  classOf,
  type JmpOp,
  JmpOps,
  Mode,
  modeOf,
  opOf,
  type PseudoInfo,
  PseudoSources,
  REGISTER_COUNT,
  Size,
  type SizeCode,
  Source,
  sizeOf,
  sourceOf,
} from './opcodes.js';

export type Decoded =
  /** dst op= src/imm (incl. neg, mov, movsx, sdiv/smod); `wide` is ALU64. */
  | { kind: 'alu'; wide: boolean; op: AluOp; srcReg: boolean }
  /** le/be (ALU class) or bswap (ALU64 class) of `bits` width. */
  | { kind: 'endian'; order: 'le' | 'be' | 'swap'; bits: 16 | 32 | 64 }
  /** Arena pointer cast: dst = addr_space_cast(src, dstAs, srcAs), imm = dstAs << 16 | srcAs. */
  | { kind: 'addr_space_cast'; dstAs: number; srcAs: number }
  /** Unconditional jump: off-relative (JMP) or imm-relative gotol (JMP32). */
  | { kind: 'ja'; long: boolean }
  /** Conditional jump; `wide` is JMP (64-bit compare) rather than JMP32. */
  | { kind: 'jcond'; wide: boolean; op: JmpOp; srcReg: boolean }
  | { kind: 'call'; target: 'helper' | 'local' | 'kfunc' }
  | { kind: 'callx' }
  | { kind: 'exit' }
  | { kind: 'may_goto' }
  | { kind: 'lddw'; pseudo: PseudoInfo }
  /** Legacy packet load into r0 (ABS: skb data + imm; IND: + src + imm). */
  | { kind: 'ld_packet'; indirect: boolean; size: SizeCode }
  /** dst = *(size *)(src + off), sign-extended when `signed`. */
  | { kind: 'load'; size: SizeCode; signed: boolean }
  /** *(size *)(dst + off) = imm */
  | { kind: 'store_imm'; size: SizeCode }
  /** *(size *)(dst + off) = src */
  | { kind: 'store'; size: SizeCode }
  | { kind: 'atomic'; size: SizeCode; op: AtomicOp }
  | { kind: 'invalid'; reason: string };

const aluByOp = new Map<number, AluOp[]>();
for (const a of AluOps) {
  const list = aluByOp.get(a.op) ?? [];
  list.push(a);
  aluByOp.set(a.op, list);
}
const jmpByOp = new Map<number, JmpOp>(JmpOps.map((j) => [j.op, j]));

const invalid = (reason: string): Decoded => ({ kind: 'invalid', reason });
const hex = (n: number): string => `0x${(n >>> 0).toString(16)}`;

function checkRegs(ins: Instruction): string | undefined {
  if (ins.dst >= REGISTER_COUNT) return `dst register r${ins.dst} does not exist`;
  if (ins.src >= REGISTER_COUNT) return `src register r${ins.src} does not exist`;
  return undefined;
}

function classifyAlu(ins: Instruction, wide: boolean): Decoded {
  const op = opOf(ins.code);
  const srcReg = sourceOf(ins.code) === Source.X;
  if (op === 0xd0) {
    if (ins.src !== 0 || ins.off !== 0) return invalid('byte swap uses neither src nor off');
    if (ins.imm !== 16 && ins.imm !== 32 && ins.imm !== 64)
      return invalid(`byte swap width ${ins.imm} is not 16, 32 or 64`);
    if (wide && srcReg) return invalid('ALU64 byte swap must use source K (bswap)');
    const order = wide ? 'swap' : srcReg ? 'be' : 'le';
    return { kind: 'endian', order, bits: ins.imm as 16 | 32 | 64 };
  }
  const variants = aluByOp.get(op);
  if (!variants) return invalid(`ALU operation ${hex(op)} does not exist`);
  if (op === 0xb0 && wide && srcReg && ins.off === ADDR_SPACE_CAST_OFF) {
    return { kind: 'addr_space_cast', dstAs: ins.imm >>> 16, srcAs: ins.imm & 0xffff };
  }
  const variant = variants.find((v) => (v.off ?? 0) === ins.off);
  if (!variant) return invalid(`${variants[0].name} does not take offset ${ins.off}`);
  if (variant.name.startsWith('movsx')) {
    if (!srcReg) return invalid('sign extension (movsx) takes a register source, not an immediate');
    if (variant.off === 32 && !wide)
      return invalid(
        'sign extension from 32 bits (movsx32) exists only in ALU64: its destination is a 64-bit r register',
      );
  }
  if (variant.name === 'neg') {
    if (srcReg) return invalid('neg takes no source register');
    if (ins.imm !== 0 || ins.src !== 0) return invalid('neg uses neither src nor imm');
    return { kind: 'alu', wide, op: variant, srcReg: false };
  }
  if (srcReg && ins.imm !== 0) return invalid('register-source ALU instruction has a non-zero imm');
  if (!srcReg && ins.src !== 0) return invalid('immediate-source ALU instruction has a non-zero src');
  return { kind: 'alu', wide, op: variant, srcReg };
}

function classifyJmp(ins: Instruction, wide: boolean): Decoded {
  const op = opOf(ins.code);
  const srcReg = sourceOf(ins.code) === Source.X;
  const j = jmpByOp.get(op);
  if (!j) return invalid(`jump operation ${hex(op)} does not exist`);
  switch (j.name) {
    case 'ja':
      if (srcReg || ins.dst !== 0 || ins.src !== 0) return invalid('ja uses neither registers nor source X');
      if (wide)
        return ins.imm !== 0 ? invalid('ja (16-bit offset) has a non-zero imm') : { kind: 'ja', long: false };
      return ins.off !== 0 ? invalid('gotol (32-bit offset) has a non-zero off') : { kind: 'ja', long: true };
    case 'call':
      if (!wide) return invalid('call exists only in the JMP class');
      if (srcReg) {
        if (ins.src !== 0 || ins.off !== 0 || ins.imm !== 0)
          return invalid('callx takes only a dst register');
        return { kind: 'callx' };
      }
      if (ins.dst !== 0) return invalid('call has a non-zero dst');
      if (ins.src === 0 || ins.src === 1) {
        if (ins.off !== 0) return invalid('call has a non-zero off');
        return { kind: 'call', target: ins.src === 0 ? 'helper' : 'local' };
      }
      // A kfunc call's off selects the module BTF in fd_array (0 = vmlinux).
      if (ins.src === 2) return { kind: 'call', target: 'kfunc' };
      return invalid(`call src ${ins.src} is not helper (0), local (1) or kfunc (2)`);
    case 'exit':
      if (!wide) return invalid('exit exists only in the JMP class');
      if (srcReg || ins.dst || ins.src || ins.off || ins.imm) return invalid('exit uses no operands');
      return { kind: 'exit' };
    case 'may_goto':
      if (!wide) return invalid('may_goto exists only in the JMP class');
      if (srcReg || ins.dst || ins.src || ins.imm) return invalid('may_goto takes only an offset');
      return { kind: 'may_goto' };
    default:
      if (srcReg && ins.imm !== 0) return invalid('register-compare jump has a non-zero imm');
      if (!srcReg && ins.src !== 0) return invalid('immediate-compare jump has a non-zero src');
      return { kind: 'jcond', wide, op: j, srcReg };
  }
}

function classifyMemory(ins: Instruction): Decoded {
  const cls = classOf(ins.code);
  const mode = modeOf(ins.code);
  const size = sizeOf(ins.code) as SizeCode;
  if (cls === Class.LD) {
    if (ins.code === LDDW) {
      if (ins.off !== 0) return invalid('lddw has a non-zero off');
      if (ins.imm2 === undefined) return invalid('lddw without its second slot');
      const pseudo = PseudoSources[ins.src];
      if (!pseudo) return invalid(`lddw pseudo-source ${ins.src} does not exist`);
      return { kind: 'lddw', pseudo };
    }
    if ((mode === Mode.ABS || mode === Mode.IND) && size !== Size.DW) {
      const indirect = mode === Mode.IND;
      if (ins.dst !== 0 || ins.off !== 0) return invalid('legacy packet load uses neither dst nor off');
      if (!indirect && ins.src !== 0) return invalid('absolute packet load has a non-zero src');
      return { kind: 'ld_packet', indirect, size };
    }
    return invalid(`LD opcode ${hex(ins.code)} does not exist`);
  }
  if (cls === Class.LDX) {
    if (mode !== Mode.MEM && mode !== Mode.MEMSX) return invalid(`LDX mode ${hex(mode)} does not exist`);
    if (mode === Mode.MEMSX && size === Size.DW)
      return invalid('sign-extending load of 8 bytes does not exist');
    if (ins.imm !== 0) return invalid('load has a non-zero imm');
    return { kind: 'load', size, signed: mode === Mode.MEMSX };
  }
  if (cls === Class.ST) {
    if (mode !== Mode.MEM) return invalid(`ST mode ${hex(mode)} does not exist`);
    if (ins.src !== 0) return invalid('store of an immediate has a non-zero src');
    return { kind: 'store_imm', size };
  }
  // STX
  if (mode === Mode.MEM) {
    if (ins.imm !== 0) return invalid('store of a register has a non-zero imm');
    return { kind: 'store', size };
  }
  if (mode !== Mode.ATOMIC) return invalid(`STX mode ${hex(mode)} does not exist`);
  const op = AtomicOpByImm.get(ins.imm);
  if (!op) return invalid(`atomic operation ${hex(ins.imm)} does not exist`);
  const ordered = op.name === 'load_acquire' || op.name === 'store_release';
  if (!ordered && size !== Size.W && size !== Size.DW)
    return invalid(`atomic ${op.name} needs a 4- or 8-byte access (the kernel: invalid atomic operand size)`);
  return { kind: 'atomic', size, op };
}

/** Classifies an encoding; an invalid one says which field breaks which rule. */
export function classify(ins: Instruction): Decoded {
  const bad = checkRegs(ins);
  if (bad) return invalid(bad);
  const cls = classOf(ins.code);
  switch (cls) {
    case Class.ALU:
      return classifyAlu(ins, false);
    case Class.ALU64:
      return classifyAlu(ins, true);
    case Class.JMP:
      return classifyJmp(ins, true);
    case Class.JMP32:
      return classifyJmp(ins, false);
    default:
      return classifyMemory(ins);
  }
}
