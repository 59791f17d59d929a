// What one executed instruction did, for learners: the registers it changed and the memory it
// wrote. Produced only when tracing is on; the fast path never builds these.

import type { Instruction } from '../instruction.js';
import { u64 } from './alu.js';

export interface RegisterChange {
  readonly reg: number;
  /** Unsigned 64-bit values. */
  readonly before: bigint;
  readonly after: bigint;
}

export interface MemoryWrite {
  readonly address: bigint;
  readonly bytes: Uint8Array;
}

export interface RegisterValue {
  readonly reg: number;
  /** Unsigned 64-bit value. */
  readonly value: bigint;
}

/** A conditional jump: the two values it compared (low halves for JMP32), and whether it jumped. */
export interface BranchTaken {
  readonly taken: boolean;
  readonly left: bigint;
  readonly right: bigint;
  /** The comparison as LLVM writes it: `==`, `s<` … */
  readonly op: string;
  /** 64-bit compare (JMP) rather than 32-bit (JMP32). */
  readonly wide: boolean;
}

export interface TraceStep {
  /** Slot of the instruction (jump offsets count slots). */
  readonly pc: number;
  /** Call depth: 0 in the main program, 1 in a function it called … */
  readonly frame: number;
  /** The instruction as the disassembler prints it. */
  readonly text: string;
  readonly registers: readonly RegisterChange[];
  readonly writes: readonly MemoryWrite[];
  /** Conditional jumps: what was compared and whether the branch was taken. */
  branch?: BranchTaken;
  /** First step only: the non-zero registers the program started with. */
  initial?: readonly RegisterValue[];
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/**
 * One aligned line: `   3: r0 += r1          r0 0x1 → 0x3`. `width` pads the instruction text so
 * the effects line up (use the widest text of the program).
 */
export function formatTraceStep(step: TraceStep, width = 24): string {
  const effects: string[] = [];
  if (step.branch) {
    const b = step.branch;
    const signed = b.op.startsWith('s');
    const show = (v: bigint) => {
      const s = signed ? BigInt.asIntN(b.wide ? 64 : 32, v) : v;
      return s < 0n ? `-0x${(-s).toString(16)}` : hex(s);
    };
    effects.push(
      `${b.taken ? 'taken' : 'not taken'}: ${show(b.left)} ${b.op} ${show(b.right)}${b.taken ? '' : ' is false'}`,
    );
  }
  for (const r of step.registers) effects.push(`r${r.reg} ${hex(r.before)} → ${hex(r.after)}`);
  for (const w of step.writes) {
    const bytes = Array.from(w.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
    effects.push(`[${hex(w.address)}] ← ${bytes}`);
  }
  const indent = '  '.repeat(step.frame);
  const head = `${String(step.pc).padStart(4)}: ${indent}${step.text}`;
  return effects.length === 0 ? head : `${head.padEnd(width + 6)}  ${effects.join(', ')}`;
}

/** The registers a run starts with: `start: r1 = 0x100000000, r2 = 0x3, r10 = 0x200000200`. */
export function formatInitialRegisters(regs: readonly RegisterValue[]): string {
  return `start: ${regs.map((r) => `r${r.reg} = ${hex(r.value)}`).join(', ')}`;
}

/** The two values a conditional jump compared (low halves for JMP32) and whether it jumped. */
export function branchOf(
  ins: Instruction,
  wide: boolean,
  srcReg: boolean,
  op: string,
  lo: Int32Array,
  hi: Int32Array,
): BranchTaken {
  const left = wide ? u64(hi[ins.dst], lo[ins.dst]) : BigInt(lo[ins.dst] >>> 0);
  const right = srcReg
    ? wide
      ? u64(hi[ins.src], lo[ins.src])
      : BigInt(lo[ins.src] >>> 0)
    : wide
      ? BigInt.asUintN(64, BigInt(ins.imm))
      : BigInt(ins.imm >>> 0);
  const bits = wide ? 64 : 32;
  const signed = op.startsWith('s');
  const a = signed ? BigInt.asIntN(bits, left) : left;
  const b = signed ? BigInt.asIntN(bits, right) : right;
  // Evaluated from the values, not from where the pc went: `goto +0` lands in the same place either way.
  const outcome: Record<string, boolean> = {
    '==': a === b,
    '!=': a !== b,
    '>': a > b,
    '>=': a >= b,
    '<': a < b,
    '<=': a <= b,
    '&': (left & right) !== 0n,
  };
  return { taken: outcome[signed ? op.slice(1) : op] ?? false, left, right, op, wide };
}
