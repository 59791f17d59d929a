// Turns instructions into the interpreter's dispatch form: parallel typed arrays indexed by slot,
// one internal opcode per slot. Most internal opcodes are the wire opcode itself; the variants
// that share a wire opcode (sdiv/smod, movsx, call kinds, lddw pseudo-sources) and the error
// cases get their own numbers ≥ 0x100, so the hot loop is a single dense switch and never looks
// at `off` or `src` to decide what to do.

import { classify } from '../classify.js';
import { decode, type Instruction, LDDW, slotCount } from '../instruction.js';
import { Pseudo } from '../opcodes.js';

export const Op = {
  SDIV64_X: 0x100,
  SDIV64_K: 0x101,
  SMOD64_X: 0x102,
  SMOD64_K: 0x103,
  SDIV32_X: 0x104,
  SDIV32_K: 0x105,
  SMOD32_X: 0x106,
  SMOD32_K: 0x107,
  MOVSX64_8: 0x108,
  MOVSX64_16: 0x109,
  MOVSX64_32: 0x10a,
  MOVSX32_8: 0x10b,
  MOVSX32_16: 0x10c,
  CALL_LOCAL: 0x10d,
  CALL_KFUNC: 0x10e,
  LDDW_MAP: 0x10f,
  LDDW_MAP_VALUE: 0x110,
  LDDW_FUNC: 0x111,
  /** classify() rejected it, or it is not executable here; `notes[pc]` says why. */
  INVALID: 0x112,
  /** The second slot of an lddw: reaching it means a jump into the middle of lddw. */
  LDDW_TAIL: 0x113,
  /** One past the last slot: the program ran off its end without exit. */
  END: 0x114,
  /** An instruction that would write r10. */
  WRITES_R10: 0x115,
} as const;

export interface Decoded {
  /** Slots (not counting the END sentinel). */
  readonly slots: number;
  readonly op: Int32Array;
  readonly dst: Int32Array;
  readonly src: Int32Array;
  readonly off: Int32Array;
  /** imm, or the low half of an lddw constant, or a map table index. */
  readonly imm: Int32Array;
  /** imm sign-extended (imm >> 31), or the high half of an lddw constant, or a map value offset. */
  readonly immHi: Int32Array;
  /** Jump / local-call target slot, or -1 when it lies outside the program. */
  readonly target: Int32Array;
  /** Slot → index into `instructions` (for the instruction text), -1 for lddw tails. */
  readonly index: Int32Array;
  readonly instructions: readonly Instruction[];
  readonly notes: Map<number, string>;
}

/** Resolves a map reference (by name, or by the fd/index in imm) to a map table index. */
export type MapIndexer = (ins: Instruction) => number | string;

const SDIV: Record<number, number> = {
  63: Op.SDIV64_X,
  55: Op.SDIV64_K,
  159: Op.SMOD64_X,
  151: Op.SMOD64_K,
  60: Op.SDIV32_X,
  52: Op.SDIV32_K,
  156: Op.SMOD32_X,
  148: Op.SMOD32_K,
};

/** Does this instruction write its dst register (so dst = r10 must be refused)? */
function writesDst(kind: string, ins: Instruction): boolean {
  return (
    kind === 'alu' ||
    kind === 'endian' ||
    kind === 'addr_space_cast' ||
    kind === 'load' ||
    kind === 'lddw' ||
    (kind === 'atomic' && ins.imm === 0x100)
  );
}

export function predecode(program: readonly Instruction[] | Uint8Array, mapIndex: MapIndexer): Decoded {
  const instructions = program instanceof Uint8Array ? decode(program) : program;
  let slots = 0;
  for (const ins of instructions) slots += slotCount(ins);
  const n = slots + 1;
  const d = {
    slots,
    op: new Int32Array(n),
    dst: new Int32Array(n),
    src: new Int32Array(n),
    off: new Int32Array(n),
    imm: new Int32Array(n),
    immHi: new Int32Array(n),
    target: new Int32Array(n).fill(-1),
    index: new Int32Array(n).fill(-1),
    instructions,
    notes: new Map<number, string>(),
  };
  const jump = (pc: number, rel: number): number => {
    const t = pc + 1 + rel;
    return t >= 0 && t < slots ? t : -1;
  };
  let pc = 0;
  instructions.forEach((ins, i) => {
    d.index[pc] = i;
    d.dst[pc] = ins.dst;
    d.src[pc] = ins.src;
    d.off[pc] = ins.off;
    d.imm[pc] = ins.imm;
    d.immHi[pc] = ins.imm >> 31;
    const c = classify(ins);
    let op: number = ins.code;
    switch (c.kind) {
      case 'invalid':
        op = Op.INVALID;
        d.notes.set(pc, `invalid instruction: ${c.reason}`);
        break;
      case 'alu':
        if (c.op.name === 'sdiv' || c.op.name === 'smod') op = SDIV[ins.code];
        else if (c.op.name.startsWith('movsx'))
          op = c.wide
            ? c.op.off === 8
              ? Op.MOVSX64_8
              : c.op.off === 16
                ? Op.MOVSX64_16
                : Op.MOVSX64_32
            : c.op.off === 8
              ? Op.MOVSX32_8
              : Op.MOVSX32_16;
        break;
      case 'addr_space_cast':
        // Arena casts are plain moves in a model without arenas.
        d.off[pc] = 0;
        break;
      case 'ja':
        d.target[pc] = jump(pc, c.long ? ins.imm : ins.off);
        break;
      case 'jcond':
      case 'may_goto':
        d.target[pc] = jump(pc, ins.off);
        break;
      case 'call':
        if (c.target === 'local') {
          op = Op.CALL_LOCAL;
          d.target[pc] = jump(pc, ins.imm);
        } else if (c.target === 'kfunc') {
          op = Op.INVALID;
          d.notes.set(pc, 'kfunc calls are not supported by the interpreter');
        }
        break;
      case 'lddw': {
        d.immHi[pc] = ins.imm2 ?? 0;
        const src = c.pseudo.src;
        const ref = ins.ref;
        if (
          ref?.kind === 'map' ||
          ref?.kind === 'map_value' ||
          (src !== Pseudo.NONE && src !== Pseudo.FUNC)
        ) {
          if (src === Pseudo.BTF_ID) {
            op = Op.INVALID;
            d.notes.set(pc, 'ksym (btf_id) loads are not supported by the interpreter');
            break;
          }
          const m = mapIndex(ins);
          if (typeof m === 'string') {
            op = Op.INVALID;
            d.notes.set(pc, m);
            break;
          }
          const value = ref?.kind === 'map_value' || src === Pseudo.MAP_VALUE || src === Pseudo.MAP_IDX_VALUE;
          op = value ? Op.LDDW_MAP_VALUE : Op.LDDW_MAP;
          d.imm[pc] = m;
          d.immHi[pc] = ref?.kind === 'map_value' ? ref.offset : value ? (ins.imm2 ?? 0) : 0;
        } else if (src === Pseudo.FUNC) {
          op = Op.LDDW_FUNC;
          d.target[pc] = jump(pc, ins.imm); // the kernel: target = pc + 1 + imm
        }
        break;
      }
      default:
        break;
    }
    if (op !== Op.INVALID && ins.dst === 10 && writesDst(c.kind, ins)) {
      op = Op.WRITES_R10;
      d.notes.set(pc, 'r10 is the read-only frame pointer');
    }
    if (op !== Op.INVALID && c.kind === 'atomic' && ins.src === 10 && c.op.fetch && c.op.name !== 'cmpxchg') {
      op = Op.WRITES_R10;
      d.notes.set(pc, 'r10 is the read-only frame pointer (a fetch writes the old value into src)');
    }
    d.op[pc] = op;
    if (ins.code === LDDW && ins.imm2 !== undefined) {
      d.op[pc + 1] = Op.LDDW_TAIL;
      d.notes.set(pc + 1, 'jump into the second slot of an lddw');
    }
    pc += slotCount(ins);
  });
  d.op[slots] = Op.END;
  d.notes.set(slots, 'ran past the last instruction without exit');
  markSubprogramEnds(d);
  return d;
}

/**
 * A subprogram (a local call's or a callback's target) must end in exit or ja, or the kernel
 * refuses the program ("last insn is not an exit or jmp"). The instruction before each one is
 * marked so, rather than run into the next subprogram.
 */
function markSubprogramEnds(d: Decoded & { op: Int32Array }): void {
  const starts = new Set<number>();
  for (let pc = 0; pc < d.slots; pc++)
    if ((d.op[pc] === Op.CALL_LOCAL || d.op[pc] === Op.LDDW_FUNC) && (d.target[pc] as number) > 0)
      starts.add(d.target[pc] as number);
  for (const start of starts) {
    let last = start - 1;
    if (d.op[last] === Op.LDDW_TAIL) last--;
    const code = d.op[last] as number;
    // BPF_JMP|BPF_EXIT, BPF_JMP|BPF_JA, BPF_JMP32|BPF_JA.
    if (code === 0x95 || code === 0x05 || code === 0x06 || code === Op.INVALID) continue;
    d.op[last] = Op.INVALID;
    d.notes.set(last, 'last insn is not an exit or jmp');
  }
}
