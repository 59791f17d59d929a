// One instruction's bytes split into their fields (opcode: class, op or mode, source or size;
// registers; offset; immediate), each explained from isa's opcode tables through classify().

import {
  AluOps,
  Class,
  classify,
  classOf,
  encode,
  helperName,
  type Instruction,
  isAluClass,
  isJmpClass,
  JmpOps,
  Mode,
  modeOf,
  opOf,
  PseudoSources,
  Size,
  sizeBytes,
  sizeOf,
  sourceOf,
} from '../isa/index.js';

export type FieldKind = 'code' | 'regs' | 'off' | 'imm' | 'imm2';

export interface Field {
  readonly kind: FieldKind;
  readonly name: string;
  /** Byte range inside the instruction's 8 or 16 bytes. */
  readonly from: number;
  readonly to: number;
  /** The value as the encoding holds it. */
  readonly value: string;
  readonly meaning: string;
}

export interface Explained {
  readonly bytes: Uint8Array;
  readonly fields: readonly Field[];
  /** What the instruction does, from the opcode tables (or why it is invalid). */
  readonly semantics: string;
  readonly valid: boolean;
}

const key = <T extends Record<string, number>>(table: T, v: number): string =>
  Object.entries(table).find(([, n]) => n === v)?.[0] ?? `0x${v.toString(16)}`;
const hex = (v: number, w = 2): string => `0x${(v >>> 0).toString(16).padStart(w, '0')}`;
const bits = (v: number): string =>
  v
    .toString(2)
    .padStart(8, '0')
    .replace(/^(\d{4})/, '$1 ');

/** The opcode byte in words: its class and what the other bits select. */
function opcodeMeaning(code: number, off: number): string {
  const cls = classOf(code);
  const parts = [`class ${key(Class, cls)} (bits 0-2 = ${cls})`];
  if (isAluClass(cls) || isJmpClass(cls)) {
    parts.push(sourceOf(code) ? 'source X: a register (bit 3)' : 'source K: the immediate (bit 3)');
    const op = opOf(code);
    const name = isAluClass(cls)
      ? (AluOps.find((a) => a.op === op && (a.off ?? 0) === off) ?? AluOps.find((a) => a.op === op))?.name
      : JmpOps.find((j) => j.op === op)?.name;
    parts.push(`operation ${name ?? 'unknown'} (bits 4-7 = ${hex(op)})`);
  } else {
    const size = sizeOf(code);
    parts.push(`size ${key(Size, size)}: ${sizeBytes[size as 0]} bytes (bits 3-4)`);
    parts.push(`mode ${key(Mode, modeOf(code))} (bits 5-7)`);
  }
  return parts.join(' · ');
}

function srcMeaning(ins: Instruction): string {
  const cls = classOf(ins.code);
  if (ins.code === 0x18) {
    const p = PseudoSources[ins.src];
    return `dst is the low 4 bits, src the high 4; ${p ? `pseudo-source ${ins.src}: ${p.meaning}` : `pseudo-source ${ins.src}: unknown`}`;
  }
  if (cls === Class.JMP && opOf(ins.code) === 0x80 && !sourceOf(ins.code))
    return (
      ['src 0: a helper call', 'src 1: a local function call', 'src 2: a kfunc call'][ins.src] ?? 'unknown'
    );
  const usesSrc =
    cls === Class.LDX || cls === Class.STX || ((isAluClass(cls) || isJmpClass(cls)) && sourceOf(ins.code));
  const src = usesSrc
    ? `source register r${ins.src}`
    : ins.src
      ? `src r${ins.src} is unused: must be 0`
      : 'src unused';
  return `dst is the low 4 bits, src the high 4; ${src}`;
}

function offMeaning(ins: Instruction): string {
  const cls = classOf(ins.code);
  if (isJmpClass(cls)) {
    if (opOf(ins.code) === 0x80 || opOf(ins.code) === 0x90) return ins.off ? 'must be 0' : 'unused';
    if (cls === Class.JMP32 && opOf(ins.code) === 0) return 'unused (gotol jumps by imm)';
    return `jump distance in slots, from the next instruction (${ins.off >= 0 ? '+' : ''}${ins.off})`;
  }
  if (isAluClass(cls)) {
    const op = opOf(ins.code);
    if ((op === 0x30 || op === 0x90) && ins.off === 1) return '1 selects the signed variant';
    if (op === 0xb0 && ins.off) return `${ins.off} selects a sign-extending move from ${ins.off} bits`;
    return ins.off ? 'must be 0 here' : 'unused';
  }
  if (ins.code === 0x18) return ins.off ? 'must be 0' : 'unused';
  return `memory offset added to the base register (${ins.off})`;
}

function immMeaning(ins: Instruction): string {
  const cls = classOf(ins.code);
  if (ins.code === 0x18) return `low 32 bits of the 64-bit constant`;
  if (cls === Class.JMP && opOf(ins.code) === 0x80 && !sourceOf(ins.code)) {
    if (ins.src === 0)
      return `helper id ${ins.imm}${helperName(ins.imm) ? ` (bpf_${helperName(ins.imm)})` : ''}`;
    if (ins.src === 1) return `distance to the function in slots (${ins.imm})`;
    return `BTF id of the kernel function (${ins.imm})`;
  }
  if (cls === Class.STX && modeOf(ins.code) === Mode.ATOMIC) return `atomic operation ${hex(ins.imm)}`;
  if (isAluClass(cls) && opOf(ins.code) === 0xd0) return `byte-swap width ${ins.imm}`;
  if (cls === Class.JMP32 && opOf(ins.code) === 0) return `jump distance in slots (${ins.imm})`;
  const usesImm = cls === Class.ST || ((isAluClass(cls) || isJmpClass(cls)) && !sourceOf(ins.code));
  return usesImm ? `immediate operand ${ins.imm}` : ins.imm ? 'must be 0 here' : 'unused';
}

function describe(ins: Instruction): { semantics: string; valid: boolean } {
  const d = classify(ins);
  switch (d.kind) {
    case 'invalid':
      return { semantics: `invalid encoding: ${d.reason}`, valid: false };
    case 'alu':
      return { semantics: `${d.wide ? '64' : '32'}-bit ${d.op.name}: ${d.op.semantics}`, valid: true };
    case 'jcond':
      return {
        semantics: `${d.wide ? '64' : '32'}-bit compare, ${d.op.name}: ${d.op.semantics}`,
        valid: true,
      };
    case 'atomic':
      return { semantics: `atomic ${d.op.name}, ${sizeBytes[d.size]} bytes: ${d.op.semantics}`, valid: true };
    case 'lddw':
      return { semantics: `load a 64-bit immediate (two slots): ${d.pseudo.meaning}`, valid: true };
    case 'load':
      return {
        semantics: `dst = *(${d.signed ? 's' : 'u'}${sizeBytes[d.size] * 8} *)(src + off)${d.signed ? ', sign-extended' : ''}`,
        valid: true,
      };
    case 'store':
      return { semantics: `*(u${sizeBytes[d.size] * 8} *)(dst + off) = src`, valid: true };
    case 'store_imm':
      return { semantics: `*(u${sizeBytes[d.size] * 8} *)(dst + off) = imm`, valid: true };
    case 'endian':
      return { semantics: `byte swap (${d.order}) of the low ${d.bits} bits`, valid: true };
    case 'call':
      return { semantics: JmpOps.find((j) => j.name === 'call')?.semantics ?? 'call', valid: true };
    case 'ja':
      return { semantics: d.long ? 'gotol: PC += imm' : 'goto: PC += off', valid: true };
    default:
      return { semantics: JmpOps.find((j) => j.name === d.kind)?.semantics ?? d.kind, valid: true };
  }
}

export function explain(ins: Instruction): Explained {
  const bytes = encode([ins]);
  const fields: Field[] = [
    {
      kind: 'code',
      name: 'opcode',
      from: 0,
      to: 1,
      value: `${hex(ins.code)} = ${bits(ins.code)}`,
      meaning: opcodeMeaning(ins.code, ins.off),
    },
    {
      kind: 'regs',
      name: 'dst · src',
      from: 1,
      to: 2,
      value: `dst r${ins.dst} · src ${ins.src}`,
      meaning: srcMeaning(ins),
    },
    { kind: 'off', name: 'off (s16)', from: 2, to: 4, value: String(ins.off), meaning: offMeaning(ins) },
    { kind: 'imm', name: 'imm (s32)', from: 4, to: 8, value: String(ins.imm), meaning: immMeaning(ins) },
  ];
  if (bytes.length === 16)
    fields.push({
      kind: 'imm2',
      name: 'second slot imm',
      from: 12,
      to: 16,
      value: String(ins.imm2 ?? 0),
      meaning: 'high 32 bits of the 64-bit constant (the rest of the second slot is zero)',
    });
  return { bytes, fields, ...describe(ins) };
}

/** The opcode's bit groups, high bits first: op·source·class, or mode·size·class. */
export function opcodeBits(
  code: number,
): { bits: string; part: 'op' | 'source' | 'mode' | 'size' | 'class' }[] {
  const b = code.toString(2).padStart(8, '0');
  const cls = classOf(code);
  return isAluClass(cls) || isJmpClass(cls)
    ? [
        { bits: b.slice(0, 4), part: 'op' },
        { bits: b.slice(4, 5), part: 'source' },
        { bits: b.slice(5), part: 'class' },
      ]
    : [
        { bits: b.slice(0, 3), part: 'mode' },
        { bits: b.slice(3, 5), part: 'size' },
        { bits: b.slice(5), part: 'class' },
      ];
}

/** The field a byte belongs to, for colouring. */
export function fieldOfByte(i: number): FieldKind | 'pad' {
  if (i === 0) return 'code';
  if (i === 1) return 'regs';
  if (i < 4) return 'off';
  if (i < 8) return 'imm';
  return i >= 12 ? 'imm2' : 'pad';
}
