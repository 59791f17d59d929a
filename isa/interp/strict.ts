// Strict mode: the interpreter runs by RFC 9669, which defines some things the Linux verifier
// refuses. In strict mode each of those stops the run with the verifier's own words, at the pc
// where the kernel would complain:
//   - reading a register never written ("R5 !read_ok"; helper and local calls clobber r1-r5,
//     a called function starts with r6-r9 unset), and exit with r0 unset ("R0 !read_ok");
//   - reading stack bytes never written ("invalid read from stack off -8+0 size 8"; the kernel
//     lets root read them, every other loader gets this error);
//   - a stack access not aligned to its size ("misaligned stack access off 0+-8+1 size 4");
//   - the static rules of isa/validity.ts (out-of-range shifts, division by the constant 0,
//     callx), checked by predecode in strict mode;
//   - a function whose last instruction is neither exit nor a jump ("last insn is not an exit
//     or jmp"), checked before the run.
// The checker keeps its own state (which registers and stack bytes are set) beside the machine's.

import { classify, type Decoded } from '../classify.js';
import type { Instruction } from '../instruction.js';
import { CallKind, Pseudo, STACK_SIZE, sizeBytes } from '../opcodes.js';
import { PendingFault } from './fault.js';
import { CODE_REGION, STACK_REGION } from './memory.js';

/** The register and stack facts one step needs, taken from the machine before the step. */
export interface MachineView {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly depth: number;
}

/** Slots that start a function: 0 and every local-call / lddw-func target. */
export function functionStarts(instructions: readonly Instruction[]): number[] {
  const starts = new Set([0]);
  let slot = 0;
  for (const ins of instructions) {
    const d = classify(ins);
    if ((d.kind === 'call' && d.target === 'local') || (d.kind === 'lddw' && d.pseudo.src === Pseudo.FUNC))
      starts.add(slot + 1 + ins.imm);
    slot += ins.code === 0x18 && ins.imm2 !== undefined ? 2 : 1;
  }
  return [...starts].sort((a, b) => a - b);
}

/** "last insn is not an exit or jmp": the kernel's check of every function's last slot. */
export function fallOffCheck(
  instructions: readonly Instruction[],
): { pc: number; message: string } | undefined {
  const bySlot = new Map<number, Instruction>();
  let slot = 0;
  for (const ins of instructions) {
    bySlot.set(slot, ins);
    slot += ins.code === 0x18 && ins.imm2 !== undefined ? 2 : 1;
  }
  const starts = functionStarts(instructions).filter((s) => s >= 0 && s < slot);
  for (let f = 0; f < starts.length; f++) {
    const end = (starts[f + 1] ?? slot) - 1;
    // The last slot of a function; an lddw's second slot belongs to the lddw before it.
    const last = bySlot.get(end) ?? bySlot.get(end - 1);
    const d = last ? classify(last) : undefined;
    if (d && (d.kind === 'exit' || d.kind === 'ja')) continue;
    const where = f === 0 ? 'the main program' : `the function at pc ${starts[f]}`;
    return {
      pc: bySlot.has(end) ? end : end - 1,
      message: `last insn is not an exit or jmp: ${where} would run on into ${f + 1 < starts.length ? `the function at pc ${starts[f + 1]}` : 'the end of the program'}`,
    };
  }
  return undefined;
}

export class StrictChecker {
  /** Bit r set: register r holds a value (per frame, the current one). */
  #set = 0;
  /** Saved `#set` of each caller frame (r6-r9 come back on return). */
  readonly #saved: number[] = [];
  /** Stack bytes written, per frame region. */
  readonly #stack = new Map<number, Uint8Array>();
  readonly #decoded: (Decoded | undefined)[] = [];

  constructor(
    private readonly instructionAt: (pc: number) => Instruction | undefined,
    initial: readonly number[],
  ) {
    for (const r of initial) this.#set |= 1 << r;
  }

  #d(pc: number): Decoded | undefined {
    let d = this.#decoded[pc];
    if (d === undefined) {
      const ins = this.instructionAt(pc);
      if (!ins) return undefined;
      d = classify(ins);
      this.#decoded[pc] = d;
    }
    return d;
  }

  #need(r: number): void {
    if (!(this.#set & (1 << r))) throw new PendingFault('uninitialized', `R${r} !read_ok`);
  }

  /** Checks the instruction at pc before it runs; throws a PendingFault in the verifier's words. */
  before(pc: number, m: MachineView): void {
    const ins = this.instructionAt(pc);
    const d = this.#d(pc);
    if (!ins || !d) return;
    switch (d.kind) {
      case 'alu':
        if (d.srcReg) this.#need(ins.src);
        if (d.op.name !== 'mov' && !d.op.name.startsWith('movsx')) this.#need(ins.dst);
        return;
      case 'endian':
        this.#need(ins.dst);
        return;
      case 'addr_space_cast':
        this.#need(ins.src);
        return;
      case 'jcond':
        this.#need(ins.dst);
        if (d.srcReg) this.#need(ins.src);
        return;
      case 'callx':
        this.#need(ins.dst);
        return;
      case 'exit':
        this.#need(0);
        return;
      case 'ld_packet':
        this.#need(6);
        if (d.indirect) this.#need(ins.src);
        return;
      case 'load':
        this.#need(ins.src);
        this.#stackAccess(ins.src, ins.off, sizeBytes[d.size], false, m);
        return;
      case 'store_imm':
        this.#need(ins.dst);
        this.#stackAccess(ins.dst, ins.off, sizeBytes[d.size], true, m);
        return;
      case 'store':
        this.#need(ins.dst);
        this.#need(ins.src);
        this.#stackAccess(ins.dst, ins.off, sizeBytes[d.size], true, m);
        return;
      case 'atomic': {
        const n = sizeBytes[d.size];
        if (d.op.name === 'load_acquire') {
          this.#need(ins.src);
          this.#stackAccess(ins.src, ins.off, n, false, m);
          return;
        }
        this.#need(ins.dst);
        this.#need(ins.src);
        if (d.op.name === 'cmpxchg') this.#need(0);
        if (d.op.name === 'store_release') {
          this.#stackAccess(ins.dst, ins.off, n, true, m);
          return;
        }
        // a read-modify-write reads the old value first
        this.#stackAccess(ins.dst, ins.off, n, false, m);
        this.#stackAccess(ins.dst, ins.off, n, true, m);
        return;
      }
      default:
        return;
    }
  }

  /** Records what the instruction at pc set, once it ran (`depthBefore` is the frame it ran in). */
  after(pc: number, depthBefore: number, m: MachineView): void {
    const ins = this.instructionAt(pc);
    const d = this.#d(pc);
    if (!ins || !d) return;
    const set = (r: number) => {
      this.#set |= 1 << r;
    };
    switch (d.kind) {
      case 'alu':
      case 'endian':
      case 'addr_space_cast':
      case 'load':
      case 'lddw':
        set(ins.dst);
        return;
      case 'ld_packet':
        this.#clobber();
        set(0);
        return;
      case 'atomic':
        if (d.op.name === 'load_acquire') set(ins.dst);
        else if (d.op.name === 'cmpxchg') set(0);
        else if (d.op.fetch) set(ins.src);
        return;
      case 'call':
        if (d.target === 'local' || ins.src === CallKind.LOCAL) {
          if (m.depth > depthBefore) this.#enter(m.depth);
          return;
        }
        this.#clobber();
        set(0);
        return;
      case 'callx':
        if (m.depth > depthBefore) this.#enter(m.depth);
        else {
          this.#clobber();
          set(0);
        }
        return;
      case 'exit':
        if (m.depth < depthBefore) {
          // back in the caller: r6-r9 as they were, r1-r5 clobbered, r0 the result
          const saved = this.#saved.pop() ?? 0;
          this.#set = (saved & ~0b111110) | 1;
          this.#stack.delete(STACK_REGION + depthBefore);
        }
        return;
      default:
        return;
    }
  }

  /** A local call: the callee sees r1-r5 and r10 as the caller had them, r6-r9 unset, a fresh stack. */
  #enter(depth: number): void {
    this.#saved.push(this.#set);
    this.#set &= 0b100_0011_1111; // r0-r5 and r10
    this.#stack.delete(STACK_REGION + depth);
  }

  #clobber(): void {
    this.#set &= ~0b111110;
  }

  #stackAccess(base: number, off: number, size: number, write: boolean, m: MachineView): void {
    const region = m.hi[base];
    if (region < STACK_REGION || region >= CODE_REGION) return;
    const regOff = (m.lo[base] >>> 0) - STACK_SIZE;
    const at = regOff + off;
    // The verifier checks alignment first (it always wants the stack aligned), then bounds.
    if (at % size !== 0)
      throw new PendingFault('misaligned', `misaligned stack access off 0+${regOff}+${off} size ${size}`);
    if (at < -STACK_SIZE || at + size > 0) return; // the interpreter's own bounds fault says it
    let bytes = this.#stack.get(region);
    if (!bytes) {
      bytes = new Uint8Array(STACK_SIZE);
      this.#stack.set(region, bytes);
    }
    const from = STACK_SIZE + at;
    if (write) {
      bytes.fill(1, from, from + size);
      return;
    }
    for (let i = 0; i < size; i++)
      if (!bytes[from + i])
        throw new PendingFault(
          'uninitialized',
          `invalid read from stack off ${at}+${i} size ${size} (the kernel allows this only to privileged loaders)`,
        );
  }
}
