// Source text → instructions, with the map between source lines and slots that the editor, the
// bytes view and the debugger share. Helper names resolve to ids here (`call bpf_map_lookup_elem`
// runs in the interpreter and loads in the kernel as the same bytes the page shows).

import {
  type AssemblerDiagnostic,
  AssemblerError,
  assemble,
  type Dialect,
  encode,
  helperId,
  type Instruction,
  slotCount,
} from '../isa/index.js';

export interface Compiled {
  readonly instructions: Instruction[];
  /** The wire form, 8 bytes a slot. */
  readonly bytes: Uint8Array;
  /** Slot index of each instruction. */
  readonly slotOf: number[];
  /** 1-based source line of each slot (an lddw's second slot has its line too); 0 if none. */
  readonly lineOfSlot: number[];
  readonly errors: readonly AssemblerDiagnostic[];
}

export function compile(source: string, dialect: Dialect): Compiled {
  let instructions: Instruction[] = [];
  let errors: readonly AssemblerDiagnostic[] = [];
  try {
    instructions = assemble(source, { dialect, resolveHelper: helperId }).instructions;
  } catch (e) {
    if (!(e instanceof AssemblerError)) throw e;
    errors = e.diagnostics;
  }
  const slotOf: number[] = [];
  const lineOfSlot: number[] = [];
  for (const ins of instructions) {
    slotOf.push(lineOfSlot.length);
    for (let i = 0; i < slotCount(ins); i++) lineOfSlot.push(ins.source?.line ?? 0);
  }
  return { instructions, bytes: encode(instructions), slotOf, lineOfSlot, errors };
}
