// The one answer to "may this instruction be written?", shared by the assembler, the builder, the
// disassembler and the interpreter, so what one rejects all reject with the same words.
//
// Two levels:
//  - 'invalid': the encoding breaks RFC 9669 (or a kernel extension's) field rules — classify()
//    says which. No tool produces or runs it.
//  - 'kernel': a valid RFC 9669 encoding that the Linux verifier rejects in every program, whatever
//    the register state (out-of-range shift immediates, division by the constant 0, callx). The
//    message starts with the verifier's own words. The interpreter still runs these by the RFC's
//    rules (the conformance suite tests them) unless asked to be strict.

import { classify, type Decoded } from './classify.js';
import type { Instruction } from './instruction.js';
import { Source, sourceOf } from './opcodes.js';

export interface InstructionProblem {
  readonly severity: 'invalid' | 'kernel';
  /** What is wrong; for 'kernel', the verifier's words first, then why. */
  readonly message: string;
  /**
   * For 'kernel' problems: true when the LLVM toolchain itself writes the form (callx), so the
   * LLVM-syntax assembler and the disassembler keep it, with a warning, instead of refusing it.
   */
  readonly llvmForm?: boolean;
}

/** The verifier's message for an atomic of a size it does not allow (kernel/bpf/verifier.c). */
export const KERNEL_ATOMIC_SIZE = 'invalid atomic operand size';

/** The problem with one instruction, or undefined if every tool accepts it. */
export function instructionProblem(
  ins: Instruction,
  d: Decoded = classify(ins),
): InstructionProblem | undefined {
  if (d.kind === 'invalid') return { severity: 'invalid', message: d.reason };
  return kernelRule(ins, d);
}

/** The verifier's per-instruction rules that do not depend on register state. */
function kernelRule(ins: Instruction, d: Decoded): InstructionProblem | undefined {
  if (d.kind === 'callx')
    return {
      severity: 'kernel',
      message: 'unknown opcode 8d: callx is not in RFC 9669 and the kernel does not implement it',
      llvmForm: true,
    };
  if (d.kind !== 'alu' || d.srcReg || sourceOf(ins.code) === Source.X) return undefined;
  const width = d.wide ? 64 : 32;
  const name = d.op.name;
  if ((name === 'lsh' || name === 'rsh' || name === 'arsh') && (ins.imm < 0 || ins.imm >= width))
    return {
      severity: 'kernel',
      message: `invalid shift ${ins.imm}: a ${width}-bit shift takes 0..${width - 1} (RFC 9669 masks the amount, the kernel rejects it)`,
    };
  if ((name === 'div' || name === 'sdiv' || name === 'mod' || name === 'smod') && ins.imm === 0)
    return {
      severity: 'kernel',
      message: `div by zero: ${name} by the constant 0 (RFC 9669 defines the result, the kernel rejects it)`,
    };
  return undefined;
}
