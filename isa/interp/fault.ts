// The one error type the interpreter throws for anything a program does wrong at run time.
// It always names the pc and the instruction, so a learner sees where and what, never a raw
// JS exception from an array.

export type FaultKind =
  /** An access outside every region, or past the end of the one it started in. */
  | 'out_of_bounds'
  /** An access through a null (or small scalar) pointer. */
  | 'null_pointer'
  /** A write into read-only memory (r10 itself, a map handle, code). */
  | 'read_only'
  /** classify() rejects the encoding, or a jump lands in the second slot of an lddw. */
  | 'invalid_instruction'
  | 'step_limit'
  | 'call_depth'
  | 'unknown_helper'
  | 'unknown_map'
  | 'jump_out_of_range'
  /** A helper refused its arguments (wrong map kind, bad buffer …). */
  | 'helper'
  /** Strict mode: a register or stack byte read before anything was written to it. */
  | 'uninitialized'
  /** Strict mode: a stack access not aligned to its size. */
  | 'misaligned'
  /** Strict mode: a form the kernel's verifier always rejects (isa/validity.ts), or a function that falls off its end. */
  | 'kernel_rule';

export interface FaultDetails {
  readonly kind: FaultKind;
  readonly pc: number;
  /** The instruction at pc, as the disassembler prints it. */
  readonly instruction: string;
  /** The faulting address, for memory faults. */
  readonly address?: bigint;
  readonly detail: string;
}

/** A run-time fault: `pc N: <instruction>: <detail>`. */
export class InterpreterFault extends Error {
  override name = 'InterpreterFault';
  readonly kind: FaultKind;
  readonly pc: number;
  readonly instruction: string;
  readonly address?: bigint;
  readonly detail: string;

  constructor(d: FaultDetails) {
    super(`pc ${d.pc}: ${d.instruction}: ${d.detail}`);
    this.kind = d.kind;
    this.pc = d.pc;
    this.instruction = d.instruction;
    this.address = d.address;
    this.detail = d.detail;
  }
}

/** Thrown by memory and helper code that does not know the pc; the interpreter adds it. */
export class PendingFault {
  constructor(
    readonly kind: FaultKind,
    readonly detail: string,
    readonly address?: bigint,
  ) {}
}
