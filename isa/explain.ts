// An instruction taken apart field by field, the way docs/isa.md's encoding section teaches it:
// the 8 bytes of each slot, the opcode split into class / source / operation (ALU and jumps) or
// class / size / mode (loads and stores), the registers' nibbles, off and imm with what they mean
// here. `tsbpf asm --explain`, `tsbpf disasm --explain` and the docs use this; pure.

import { classify } from './classify.js';
import { formatInstruction } from './disassembler.js';
import { groupOf } from './groups.js';
import { encode, type Instruction, slotCount } from './instruction.js';
import {
  AluOps,
  Class,
  classOf,
  JmpOps,
  Mode,
  modeOf,
  opOf,
  Size,
  type SizeCode,
  Source,
  sizeBytes,
  sizeOf,
  sourceOf,
} from './opcodes.js';

export const CLASS_NAMES: Readonly<Record<number, string>> = {
  [Class.LD]: 'LD',
  [Class.LDX]: 'LDX',
  [Class.ST]: 'ST',
  [Class.STX]: 'STX',
  [Class.ALU]: 'ALU',
  [Class.JMP]: 'JMP',
  [Class.JMP32]: 'JMP32',
  [Class.ALU64]: 'ALU64',
};
export const SIZE_NAMES: Readonly<Record<number, string>> = {
  [Size.W]: 'W',
  [Size.H]: 'H',
  [Size.B]: 'B',
  [Size.DW]: 'DW',
};
export const MODE_NAMES: Readonly<Record<number, string>> = {
  [Mode.IMM]: 'IMM',
  [Mode.ABS]: 'ABS',
  [Mode.IND]: 'IND',
  [Mode.MEM]: 'MEM',
  [Mode.MEMSX]: 'MEMSX',
  [Mode.ATOMIC]: 'ATOMIC',
};

const hex = (v: number, digits: number): string => `0x${(v >>> 0).toString(16).padStart(digits, '0')}`;
const bytesOf = (b: Uint8Array, from: number): string =>
  Array.from(b.subarray(from, from + 8), (x) => x.toString(16).padStart(2, '0')).join(' ');

/** The opcode byte split into its fields, with names. */
export function explainOpcode(code: number): string {
  const cls = classOf(code);
  const c = `class ${hex(cls, 2)} ${CLASS_NAMES[cls]}`;
  if (cls === Class.ALU || cls === Class.ALU64 || cls === Class.JMP || cls === Class.JMP32) {
    const src = sourceOf(code) === Source.X ? 'X (src register)' : 'K (imm)';
    const op = opOf(code);
    const alu = cls === Class.ALU || cls === Class.ALU64;
    const names = alu
      ? [...new Set(AluOps.filter((a) => a.op === op).map((a) => a.name))]
      : JmpOps.filter((j) => j.op === op).map((j) => j.name);
    return `${c} | source ${hex(sourceOf(code), 2)} ${src} | op ${hex(op, 2)} ${names.join('/') || '(none)'}`;
  }
  const size = sizeOf(code) as SizeCode;
  return `${c} | size ${hex(size, 2)} ${SIZE_NAMES[size]} (${sizeBytes[size]} bytes) | mode ${hex(modeOf(code), 2)} ${MODE_NAMES[modeOf(code)] ?? '(none)'}`;
}

/** What off and imm mean for this instruction. */
function meaning(ins: Instruction): { off: string; imm: string; src: string } {
  const d = classify(ins);
  const unused = '(unused: 0)';
  switch (d.kind) {
    case 'alu':
      return {
        src: d.srcReg ? `r${ins.src}` : unused,
        off: ins.off ? `${ins.off}: selects ${d.op.name}` : unused,
        imm:
          d.srcReg || d.op.name === 'neg'
            ? unused
            : d.wide
              ? `${ins.imm} (sign-extended to 64 bits)`
              : `${ins.imm} (as 32 bits)`,
      };
    case 'endian':
      return { src: unused, off: unused, imm: `${ins.imm}: the width in bits (16, 32 or 64)` };
    case 'addr_space_cast':
      return {
        src: `r${ins.src}`,
        off: '1: selects addr_space_cast',
        imm: `dst space ${d.dstAs} << 16 | src space ${d.srcAs}`,
      };
    case 'ja':
      return d.long
        ? { src: unused, off: unused, imm: `${ins.imm}: jump distance in slots, from the next slot (gotol)` }
        : { src: unused, off: `${ins.off}: jump distance in slots, from the next slot`, imm: unused };
    case 'jcond':
      return {
        src: d.srcReg ? `r${ins.src}` : unused,
        off: `${ins.off}: jump distance in slots, from the next slot`,
        imm: d.srcReg
          ? unused
          : d.wide
            ? `${ins.imm} (compared sign-extended to 64 bits)`
            : `${ins.imm} (compared as 32 bits)`,
      };
    case 'may_goto':
      return { src: unused, off: `${ins.off}: where to go once the loop budget is spent`, imm: unused };
    case 'call': {
      const src = {
        helper: '0: a helper, imm is its id',
        local: '1: a local function, imm is its distance in slots',
        kfunc: '2: a kernel function, imm is its BTF id',
      }[d.target];
      return {
        src,
        off: d.target === 'kfunc' ? `${ins.off}: module BTF slot in fd_array (0 = vmlinux)` : unused,
        imm: String(ins.imm),
      };
    }
    case 'callx':
      return { src: unused, off: unused, imm: unused };
    case 'exit':
      return { src: unused, off: unused, imm: unused };
    case 'lddw':
      return {
        src: `${ins.src}: ${d.pseudo.meaning}`,
        off: unused,
        imm: 'the lower 32 bits of the 64-bit value',
      };
    case 'ld_packet':
      return { src: d.indirect ? `r${ins.src}` : unused, off: unused, imm: `${ins.imm}: packet offset` };
    case 'load':
      return { src: `r${ins.src}: the address`, off: `${ins.off}: added to the address`, imm: unused };
    case 'store_imm':
      return {
        src: unused,
        off: `${ins.off}: added to the address in dst`,
        imm: `${ins.imm}: the value stored${d.size === Size.DW ? ' (sign-extended to 64 bits)' : ''}`,
      };
    case 'store':
      return { src: `r${ins.src}: the value`, off: `${ins.off}: added to the address in dst`, imm: unused };
    case 'atomic': {
      const fetch = d.op.fetch ? ` (${hex(ins.imm & ~1, 2)} | FETCH 0x01)` : '';
      return {
        src: `r${ins.src}`,
        off: `${ins.off}: added to the address`,
        imm: `${hex(ins.imm, 2)}: atomic operation ${d.op.name}${fetch}`,
      };
    }
    case 'invalid':
      return { src: String(ins.src), off: String(ins.off), imm: String(ins.imm) };
  }
}

/** One instruction (one or two slots) explained field by field; `slot` numbers the first slot. */
export function explainInstruction(ins: Instruction, slot = 0): string[] {
  const bytes = encode([ins]);
  const text = formatInstruction(ins, { rfc: true });
  const m = meaning(ins);
  const group = groupOf(ins);
  const out = [
    `${String(slot).padStart(4)}: ${bytesOf(bytes, 0)}  ${text.split('\n')[0]}`,
    `      opcode ${hex(ins.code, 2)}: ${explainOpcode(ins.code)}`,
    `      regs   ${hex((ins.src << 4) | ins.dst, 2)}: dst ${ins.dst} (low nibble), src ${ins.src} (high nibble): ${m.src}`,
    `      off    ${hex(ins.off & 0xffff, 4)}: ${m.off}`,
    `      imm    ${hex(ins.imm, 8)}: ${m.imm}`,
  ];
  if (slotCount(ins) === 2)
    out.push(
      `${String(slot + 1).padStart(4)}: ${bytesOf(bytes, 8)}  (second slot of lddw)`,
      `      opcode, regs and off 0; imm ${hex(ins.imm2 ?? 0, 8)}: the upper 32 bits`,
    );
  const d = classify(ins);
  if (d.kind === 'invalid') out.push(`      invalid: ${d.reason}`);
  else out.push(`      group ${group === 'linux' ? 'none (a Linux extension, not in RFC 9669)' : group}`);
  return out;
}

/** A whole program explained, slot numbers counting lddw's two slots. */
export function explainProgram(instructions: readonly Instruction[]): string[] {
  const out: string[] = [];
  let slot = 0;
  for (const ins of instructions) {
    out.push(...explainInstruction(ins, slot));
    slot += slotCount(ins);
  }
  return out;
}
