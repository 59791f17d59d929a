// The state a builder and its subprogram builders share: one body per function (main first,
// subprograms in definition order), each with its own instructions, labels, stack and registers.

import type { Instruction } from '../instruction.js';

export interface Body {
  /** '' for the main program. */
  readonly name: string;
  readonly code: Instruction[];
  /** Label → index into `code` of the instruction it names. */
  readonly labels: Map<string, number>;
  /** Bytes handed out by stackAlloc. */
  stack: number;
  /** Registers (indices) currently lent out by withRegs. */
  readonly lent: Set<number>;
}

export interface BuilderOptions {
  /** Record the user's call site on every instruction (default true). */
  sourcePositions?: boolean;
}

export class ProgramState {
  readonly bodies: Body[] = [];
  readonly funcs = new Map<string, Body>();
  readonly positions: boolean;
  labelSeq = 0;

  constructor(options: BuilderOptions) {
    this.positions = options.sourcePositions !== false;
  }

  addBody(name: string): Body {
    const body: Body = { name, code: [], labels: new Map(), stack: 0, lent: new Set() };
    this.bodies.push(body);
    if (name !== '') this.funcs.set(name, body);
    return body;
  }
}
