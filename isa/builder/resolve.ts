// build(): lays the functions out (main, then subprograms in definition order), gives every
// instruction its slot (lddw takes two) and resolves label jumps, local calls and ldFunc into
// pc-relative offsets. Map references stay as `ref` for the loader or interpreter.

import { type Instruction, LDDW } from '../instruction.js';
import { Class, JmpOps } from '../opcodes.js';
import { BuilderError } from './errors.js';
import type { Body, ProgramState } from './program.js';

export interface BuildResult {
  /** The program, main first; jumps and local calls resolved, map references left as `ref`. */
  readonly instructions: Instruction[];
  /** Label → slot. Labels of a subprogram are named `func:label`. */
  readonly labels: ReadonlyMap<string, number>;
  /** Subprogram → slot of its first instruction. */
  readonly funcs: ReadonlyMap<string, number>;
  /** Total slots (8-byte units) of the program. */
  readonly slots: number;
}

const JA = Class.JMP | 0x00;
const GOTOL = Class.JMP32 | 0x00;
const jmpName = new Map(JmpOps.map((j) => [j.op, j.name]));

const bad = (ins: Instruction, message: string): BuilderError =>
  new BuilderError(ins.source?.text ?? 'build', message, ins.source);

function checkEnd(body: Body): void {
  const fn = body.name === '' ? 'main program' : `function '${body.name}'`;
  const last = body.code[body.code.length - 1];
  if (!last) throw new BuilderError('build', `${fn} has no instructions`);
  const isExit = last.code === (Class.JMP | 0x90);
  const isJa = last.code === JA || last.code === GOTOL;
  if (!isExit && !isJa)
    throw bad(last, `${fn} must end in exit or ja (the verifier rejects falling off the end)`);
}

export function build(state: ProgramState): BuildResult {
  // Slots: one pass over every instruction.
  const starts: Int32Array[] = [];
  let slot = 0;
  for (const body of state.bodies) {
    checkEnd(body);
    const at = new Int32Array(body.code.length + 1);
    const code = body.code;
    for (let i = 0; i < code.length; i++) {
      at[i] = slot;
      const ins = code[i] as Instruction;
      slot += ins.code === LDDW && ins.imm2 !== undefined ? 2 : 1;
    }
    at[code.length] = slot;
    starts.push(at);
  }
  const labels = new Map<string, number>();
  const funcs = new Map<string, number>();
  state.bodies.forEach((body, b) => {
    const at = starts[b] as Int32Array;
    if (body.name !== '') funcs.set(body.name, at[0] as number);
    for (const [name, index] of body.labels)
      labels.set(body.name === '' ? name : `${body.name}:${name}`, at[index] as number);
  });

  const out: Instruction[] = [];
  state.bodies.forEach((body, b) => {
    const at = starts[b] as Int32Array;
    const code = body.code;
    for (let i = 0; i < code.length; i++) {
      const ins = code[i] as Instruction;
      const copy: Instruction = { code: ins.code, dst: ins.dst, src: ins.src, off: ins.off, imm: ins.imm };
      if (ins.imm2 !== undefined) copy.imm2 = ins.imm2;
      if (ins.ref !== undefined) copy.ref = ins.ref;
      if (ins.source !== undefined) copy.source = ins.source;
      const ref = ins.ref;
      if (ref?.kind === 'label') resolveJump(copy, body, ref.name, at, i);
      else if (ref?.kind === 'func') {
        const target = state.funcs.get(ref.name);
        if (!target)
          throw bad(
            ins,
            `function '${ref.name}' is not defined (define it with func('${ref.name}', b => …))`,
          );
        copy.imm = (funcs.get(ref.name) as number) - ((at[i] as number) + 1);
      }
      out.push(copy);
    }
  });
  return { instructions: out, labels, funcs, slots: slot };
}

function resolveJump(ins: Instruction, body: Body, label: string, at: Int32Array, i: number): void {
  const index = body.labels.get(label);
  const where = body.name === '' ? 'the main program' : `function '${body.name}'`;
  const name = ins.code === GOTOL ? 'gotol' : (jmpName.get(ins.code & 0xf0) ?? 'jump');
  if (index === undefined) throw bad(ins, `label '${label}' is not defined in ${where}`);
  if (index === body.code.length)
    throw bad(ins, `label '${label}' is at the end of ${where} with no instruction after it`);
  const delta = (at[index] as number) - ((at[i] as number) + 1);
  if (delta >= -0x8000 && delta <= 0x7fff) {
    if (ins.code === GOTOL) ins.imm = delta;
    else ins.off = delta;
    return;
  }
  // ja has a 32-bit form (gotol, cpu v4): switch to it; conditional jumps have none.
  if (ins.code === JA) {
    ins.code = GOTOL;
    ins.off = 0;
    ins.imm = delta;
    return;
  }
  if (ins.code === GOTOL) {
    ins.imm = delta;
    return;
  }
  throw bad(
    ins,
    `${name} at slot ${at[i]} to label '${label}' (slot ${at[index]}) needs offset ${delta}, beyond the 16-bit range -32768..32767; ` +
      'branch over a ja (which widens to gotol) instead',
  );
}
