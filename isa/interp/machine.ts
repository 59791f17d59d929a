// The interpreter's machine: register halves, call frames and counters, the dispatch loop, and
// the memory, call and atomic operations the loop performs. Interpreter (interpreter.ts) owns one,
// resets it per run and reads its state for results and traces. The loop and the operations it
// calls stay in one class so the hot path reads plain fields and calls private methods
// (bench/interpreter.ts measures it).

import { STACK_SIZE } from '../opcodes.js';
import {
  arsh64,
  atomicRmw,
  div32,
  div64,
  lsh64,
  mul64,
  rsh64,
  scmp32,
  scmp64,
  scond,
  sdiv32,
  sdiv64,
  swap,
  toLittle,
  u64,
  ucmp32,
  ucmp64,
  ucond,
  write,
} from './alu.js';
import { type FaultKind, InterpreterFault, PendingFault } from './fault.js';
import type { HelperContext, HelperRegistry } from './helper-impls.js';
import type { AnyInterpMap } from './maps.js';
import {
  address,
  CODE_REGION,
  CTX_REGION,
  MAX_CALL_FRAMES,
  type Memory,
  type Region,
  STACK_REGION,
  split,
} from './memory.js';
import { type Decoded, Op } from './predecode.js';
import type { MemoryWrite } from './trace.js';

/** Words saved per frame: return pc, r6-r9 and r10 (lo, hi). */
const SAVE = 11;
const TWO32 = 4294967296;

/** The context every helper call gets; its `args` are rewritten per call. */
export type CallContext = Omit<HelperContext, 'args'> & { args: readonly bigint[] };

export class Machine {
  readonly lo = new Int32Array(11);
  readonly hi = new Int32Array(11);
  readonly #saved = new Int32Array(MAX_CALL_FRAMES * SAVE);
  pc = 0;
  depth = 0;
  steps = 0;
  stepLimit = 0;
  mayGoto = 0;
  done = false;
  /** Non-null only while tracing: memory writes of the current step. */
  writes: MemoryWrite[] | null = null;

  constructor(
    readonly code: Decoded,
    readonly mapTable: readonly AnyInterpMap[],
    readonly memory: Memory,
    readonly helpers: HelperRegistry,
    readonly helperCtx: CallContext,
    /** The instruction text at a pc, for faults. */
    readonly textAt: (pc: number) => string,
  ) {}

  /** A fault at `pc`; the run is over. */
  fault(kind: FaultKind, pc: number, detail: string, addr?: bigint): InterpreterFault {
    this.done = true;
    return new InterpreterFault({ kind, pc, instruction: this.textAt(pc), detail, address: addr });
  }

  /**
   * The dispatch loop: executes until exit, or until `budget` more instructions ran (tracing
   * runs one at a time). Locals mirror the fields; the pc is written back on every way out.
   */
  exec(budget: number): void {
    const { op: OP, dst: DST, src: SRC, off: OFF, imm: IMM, immHi: IMMHI, target: TGT } = this.code;
    const lo = this.lo;
    const hi = this.hi;
    let pc = this.pc;
    let steps = this.steps;
    const stop = Math.min(this.stepLimit, steps + budget);
    try {
      for (;;) {
        if (steps >= stop) {
          this.pc = pc;
          this.steps = steps;
          if (steps >= this.stepLimit)
            throw this.fault('step_limit', pc, `step limit of ${this.stepLimit} instructions reached`);
          return;
        }
        steps++;
        const d = DST[pc];
        switch (OP[pc]) {
          // ---- ALU64, immediate ----
          case 0x07: {
            const a = lo[d] >>> 0;
            const s = a + (IMM[pc] >>> 0);
            lo[d] = s | 0;
            hi[d] = (hi[d] + IMMHI[pc] + (s >= TWO32 ? 1 : 0)) | 0;
            pc++;
            break;
          }
          case 0x17: {
            const a = lo[d] >>> 0;
            const b = IMM[pc] >>> 0;
            lo[d] = (a - b) | 0;
            hi[d] = (hi[d] - IMMHI[pc] - (a < b ? 1 : 0)) | 0;
            pc++;
            break;
          }
          case 0x27:
            mul64(lo, hi, d, IMM[pc], IMMHI[pc]);
            pc++;
            break;
          case 0x37:
            div64(lo, hi, d, IMM[pc], IMMHI[pc], false);
            pc++;
            break;
          case 0x47:
            lo[d] |= IMM[pc];
            hi[d] |= IMMHI[pc];
            pc++;
            break;
          case 0x57:
            lo[d] &= IMM[pc];
            hi[d] &= IMMHI[pc];
            pc++;
            break;
          case 0x67:
            lsh64(lo, hi, d, IMM[pc] & 63);
            pc++;
            break;
          case 0x77:
            rsh64(lo, hi, d, IMM[pc] & 63);
            pc++;
            break;
          case 0x87: {
            const l = lo[d];
            lo[d] = -l | 0;
            hi[d] = (~hi[d] + (l === 0 ? 1 : 0)) | 0;
            pc++;
            break;
          }
          case 0x97:
            div64(lo, hi, d, IMM[pc], IMMHI[pc], true);
            pc++;
            break;
          case 0xa7:
            lo[d] ^= IMM[pc];
            hi[d] ^= IMMHI[pc];
            pc++;
            break;
          case 0xb7:
            lo[d] = IMM[pc];
            hi[d] = IMMHI[pc];
            pc++;
            break;
          case 0xc7:
            arsh64(lo, hi, d, IMM[pc] & 63);
            pc++;
            break;
          case 0xd7:
            swap(lo, hi, d, IMM[pc]);
            pc++;
            break;
          // ---- ALU64, register ----
          case 0x0f: {
            const s = SRC[pc];
            const a = lo[d] >>> 0;
            const r = a + (lo[s] >>> 0);
            lo[d] = r | 0;
            hi[d] = (hi[d] + hi[s] + (r >= TWO32 ? 1 : 0)) | 0;
            pc++;
            break;
          }
          case 0x1f: {
            const s = SRC[pc];
            const a = lo[d] >>> 0;
            const b = lo[s] >>> 0;
            lo[d] = (a - b) | 0;
            hi[d] = (hi[d] - hi[s] - (a < b ? 1 : 0)) | 0;
            pc++;
            break;
          }
          case 0x2f:
            mul64(lo, hi, d, lo[SRC[pc]], hi[SRC[pc]]);
            pc++;
            break;
          case 0x3f:
            div64(lo, hi, d, lo[SRC[pc]], hi[SRC[pc]], false);
            pc++;
            break;
          case 0x4f:
            lo[d] |= lo[SRC[pc]];
            hi[d] |= hi[SRC[pc]];
            pc++;
            break;
          case 0x5f:
            lo[d] &= lo[SRC[pc]];
            hi[d] &= hi[SRC[pc]];
            pc++;
            break;
          case 0x6f:
            lsh64(lo, hi, d, lo[SRC[pc]] & 63);
            pc++;
            break;
          case 0x7f:
            rsh64(lo, hi, d, lo[SRC[pc]] & 63);
            pc++;
            break;
          case 0x9f:
            div64(lo, hi, d, lo[SRC[pc]], hi[SRC[pc]], true);
            pc++;
            break;
          case 0xaf:
            lo[d] ^= lo[SRC[pc]];
            hi[d] ^= hi[SRC[pc]];
            pc++;
            break;
          case 0xbf:
            lo[d] = lo[SRC[pc]];
            hi[d] = hi[SRC[pc]];
            pc++;
            break;
          case 0xcf:
            arsh64(lo, hi, d, lo[SRC[pc]] & 63);
            pc++;
            break;
          // ---- ALU32: every result zero-extends into the high half ----
          case 0x04:
            lo[d] = (lo[d] + IMM[pc]) | 0;
            hi[d] = 0;
            pc++;
            break;
          case 0x0c:
            lo[d] = (lo[d] + lo[SRC[pc]]) | 0;
            hi[d] = 0;
            pc++;
            break;
          case 0x14:
            lo[d] = (lo[d] - IMM[pc]) | 0;
            hi[d] = 0;
            pc++;
            break;
          case 0x1c:
            lo[d] = (lo[d] - lo[SRC[pc]]) | 0;
            hi[d] = 0;
            pc++;
            break;
          case 0x24:
            lo[d] = Math.imul(lo[d], IMM[pc]);
            hi[d] = 0;
            pc++;
            break;
          case 0x2c:
            lo[d] = Math.imul(lo[d], lo[SRC[pc]]);
            hi[d] = 0;
            pc++;
            break;
          case 0x34:
            div32(lo, hi, d, IMM[pc], false);
            pc++;
            break;
          case 0x3c:
            div32(lo, hi, d, lo[SRC[pc]], false);
            pc++;
            break;
          case 0x44:
            lo[d] |= IMM[pc];
            hi[d] = 0;
            pc++;
            break;
          case 0x4c:
            lo[d] |= lo[SRC[pc]];
            hi[d] = 0;
            pc++;
            break;
          case 0x54:
            lo[d] &= IMM[pc];
            hi[d] = 0;
            pc++;
            break;
          case 0x5c:
            lo[d] &= lo[SRC[pc]];
            hi[d] = 0;
            pc++;
            break;
          case 0x64:
            lo[d] <<= IMM[pc] & 31;
            hi[d] = 0;
            pc++;
            break;
          case 0x6c:
            lo[d] <<= lo[SRC[pc]] & 31;
            hi[d] = 0;
            pc++;
            break;
          case 0x74:
            lo[d] = lo[d] >>> (IMM[pc] & 31);
            hi[d] = 0;
            pc++;
            break;
          case 0x7c:
            lo[d] = lo[d] >>> (lo[SRC[pc]] & 31);
            hi[d] = 0;
            pc++;
            break;
          case 0x84:
            lo[d] = -lo[d] | 0;
            hi[d] = 0;
            pc++;
            break;
          case 0x94:
            div32(lo, hi, d, IMM[pc], true);
            pc++;
            break;
          case 0x9c:
            div32(lo, hi, d, lo[SRC[pc]], true);
            pc++;
            break;
          case 0xa4:
            lo[d] ^= IMM[pc];
            hi[d] = 0;
            pc++;
            break;
          case 0xac:
            lo[d] ^= lo[SRC[pc]];
            hi[d] = 0;
            pc++;
            break;
          case 0xb4:
            lo[d] = IMM[pc];
            hi[d] = 0;
            pc++;
            break;
          case 0xbc:
            lo[d] = lo[SRC[pc]];
            hi[d] = 0;
            pc++;
            break;
          case 0xc4:
            lo[d] >>= IMM[pc] & 31;
            hi[d] = 0;
            pc++;
            break;
          case 0xcc:
            lo[d] >>= lo[SRC[pc]] & 31;
            hi[d] = 0;
            pc++;
            break;
          case 0xd4:
            toLittle(lo, hi, d, IMM[pc]);
            pc++;
            break;
          case 0xdc:
            swap(lo, hi, d, IMM[pc]);
            pc++;
            break;
          // ---- signed division and sign-extending moves (v4) ----
          case Op.SDIV64_K:
            sdiv64(lo, hi, d, IMM[pc], IMMHI[pc], false);
            pc++;
            break;
          case Op.SDIV64_X:
            sdiv64(lo, hi, d, lo[SRC[pc]], hi[SRC[pc]], false);
            pc++;
            break;
          case Op.SMOD64_K:
            sdiv64(lo, hi, d, IMM[pc], IMMHI[pc], true);
            pc++;
            break;
          case Op.SMOD64_X:
            sdiv64(lo, hi, d, lo[SRC[pc]], hi[SRC[pc]], true);
            pc++;
            break;
          case Op.SDIV32_K:
            sdiv32(lo, hi, d, IMM[pc], false);
            pc++;
            break;
          case Op.SDIV32_X:
            sdiv32(lo, hi, d, lo[SRC[pc]], false);
            pc++;
            break;
          case Op.SMOD32_K:
            sdiv32(lo, hi, d, IMM[pc], true);
            pc++;
            break;
          case Op.SMOD32_X:
            sdiv32(lo, hi, d, lo[SRC[pc]], true);
            pc++;
            break;
          case Op.MOVSX64_8:
            lo[d] = (lo[SRC[pc]] << 24) >> 24;
            hi[d] = lo[d] >> 31;
            pc++;
            break;
          case Op.MOVSX64_16:
            lo[d] = (lo[SRC[pc]] << 16) >> 16;
            hi[d] = lo[d] >> 31;
            pc++;
            break;
          case Op.MOVSX64_32:
            lo[d] = lo[SRC[pc]];
            hi[d] = lo[d] >> 31;
            pc++;
            break;
          case Op.MOVSX32_8:
            lo[d] = (lo[SRC[pc]] << 24) >> 24;
            hi[d] = 0;
            pc++;
            break;
          case Op.MOVSX32_16:
            lo[d] = (lo[SRC[pc]] << 16) >> 16;
            hi[d] = 0;
            pc++;
            break;
          // ---- jumps: 64-bit compares (JMP), immediate then register ----
          case 0x05:
          case 0x06:
            pc = this.#jump(pc, TGT[pc]);
            break;
          case 0x15:
            pc = hi[d] === IMMHI[pc] && lo[d] === IMM[pc] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x1d: {
            const s = SRC[pc];
            pc = hi[d] === hi[s] && lo[d] === lo[s] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          }
          case 0x55:
            pc = hi[d] !== IMMHI[pc] || lo[d] !== IMM[pc] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x5d: {
            const s = SRC[pc];
            pc = hi[d] !== hi[s] || lo[d] !== lo[s] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          }
          case 0x45:
            pc = (lo[d] & IMM[pc]) !== 0 || (hi[d] & IMMHI[pc]) !== 0 ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x4d: {
            const s = SRC[pc];
            pc = (lo[d] & lo[s]) !== 0 || (hi[d] & hi[s]) !== 0 ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          }
          case 0x25:
          case 0x35:
          case 0xa5:
          case 0xb5:
            pc = ucond(OP[pc], ucmp64(hi[d], lo[d], IMMHI[pc], IMM[pc])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x2d:
          case 0x3d:
          case 0xad:
          case 0xbd: {
            const s = SRC[pc];
            pc = ucond(OP[pc], ucmp64(hi[d], lo[d], hi[s], lo[s])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          }
          case 0x65:
          case 0x75:
          case 0xc5:
          case 0xd5:
            pc = scond(OP[pc], scmp64(hi[d], lo[d], IMMHI[pc], IMM[pc])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x6d:
          case 0x7d:
          case 0xcd:
          case 0xdd: {
            const s = SRC[pc];
            pc = scond(OP[pc], scmp64(hi[d], lo[d], hi[s], lo[s])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          }
          // ---- jumps: 32-bit compares (JMP32) on the low halves ----
          case 0x16:
            pc = lo[d] === IMM[pc] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x1e:
            pc = lo[d] === lo[SRC[pc]] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x56:
            pc = lo[d] !== IMM[pc] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x5e:
            pc = lo[d] !== lo[SRC[pc]] ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x46:
            pc = (lo[d] & IMM[pc]) !== 0 ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x4e:
            pc = (lo[d] & lo[SRC[pc]]) !== 0 ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x26:
          case 0x36:
          case 0xa6:
          case 0xb6:
            pc = ucond(OP[pc], ucmp32(lo[d], IMM[pc])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x2e:
          case 0x3e:
          case 0xae:
          case 0xbe:
            pc = ucond(OP[pc], ucmp32(lo[d], lo[SRC[pc]])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x66:
          case 0x76:
          case 0xc6:
          case 0xd6:
            pc = scond(OP[pc], scmp32(lo[d], IMM[pc])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0x6e:
          case 0x7e:
          case 0xce:
          case 0xde:
            pc = scond(OP[pc], scmp32(lo[d], lo[SRC[pc]])) ? this.#jump(pc, TGT[pc]) : pc + 1;
            break;
          case 0xe5:
            // may_goto: fall through while budget remains, take the branch once it is spent.
            if (this.mayGoto === 0) pc = this.#jump(pc, TGT[pc]);
            else {
              this.mayGoto--;
              pc++;
            }
            break;
          // ---- calls and exit ----
          case 0x85:
            this.#callHelper(pc, IMM[pc]);
            pc++;
            break;
          case Op.CALL_LOCAL:
            pc = this.#callLocal(pc, TGT[pc]);
            break;
          case 0x8d:
            if (hi[d] === CODE_REGION) pc = this.#callLocal(pc, lo[d] < this.code.slots ? lo[d] : -1);
            else if (hi[d] === 0) {
              this.#callHelper(pc, lo[d]);
              pc++;
            } else
              throw this.fault(
                'jump_out_of_range',
                pc,
                `callx target ${formatAddr(u64(hi[d], lo[d]))} is not a code address`,
              );
            break;
          case 0x95:
            if (this.depth === 0) {
              this.pc = pc;
              this.steps = steps;
              this.done = true;
              return;
            }
            pc = this.#return();
            break;
          // ---- memory ----
          case 0x61:
          case 0x69:
          case 0x71:
          case 0x79:
          case 0x81:
          case 0x89:
          case 0x91:
            this.#load(OP[pc], d, SRC[pc], OFF[pc]);
            pc++;
            break;
          case 0x62:
          case 0x6a:
          case 0x72:
          case 0x7a:
            this.#store(OP[pc] & 0x18, d, OFF[pc], IMM[pc], IMMHI[pc]);
            pc++;
            break;
          case 0x63:
          case 0x6b:
          case 0x73:
          case 0x7b:
            this.#store(OP[pc] & 0x18, d, OFF[pc], lo[SRC[pc]], hi[SRC[pc]]);
            pc++;
            break;
          case 0xc3:
          case 0xcb:
          case 0xd3:
          case 0xdb:
            this.#atomic(OP[pc] & 0x18, d, SRC[pc], OFF[pc], IMM[pc]);
            pc++;
            break;
          case 0x18:
            lo[d] = IMM[pc];
            hi[d] = IMMHI[pc];
            pc += 2;
            break;
          case Op.LDDW_MAP: {
            lo[d] = 0;
            hi[d] = this.mapTable[IMM[pc]].handleRegion;
            pc += 2;
            break;
          }
          case Op.LDDW_MAP_VALUE: {
            const m = this.mapTable[IMM[pc]];
            if (!('lookupAddress' in m) || !m.isArray)
              throw this.fault(
                'unknown_map',
                pc,
                `map ${m.name} is not an array map; direct value access needs one`,
              );
            const a = split(m.lookupAddress(new Uint8Array(4)));
            lo[d] = (a.lo + IMMHI[pc]) | 0;
            hi[d] = a.hi;
            pc += 2;
            break;
          }
          case Op.LDDW_FUNC:
            if (TGT[pc] < 0)
              throw this.fault('jump_out_of_range', pc, 'function address outside the program');
            lo[d] = TGT[pc];
            hi[d] = CODE_REGION;
            pc += 2;
            break;
          case 0x20:
          case 0x28:
          case 0x30:
          case 0x40:
          case 0x48:
          case 0x50:
            if (!this.#loadPacket(OP[pc], SRC[pc], IMM[pc])) {
              // Legacy packet loads end the program with r0 = 0 when out of bounds (the kernel's rule).
              lo[0] = 0;
              hi[0] = 0;
              this.depth = 0;
              this.pc = pc;
              this.steps = steps;
              this.done = true;
              return;
            }
            pc++;
            break;
          case Op.WRITES_R10:
            throw this.fault('read_only', pc, this.code.notes.get(pc) ?? 'r10 is read-only');
          case Op.LDDW_TAIL:
          case Op.INVALID:
          case Op.END:
            throw this.fault('invalid_instruction', pc, this.code.notes.get(pc) ?? 'invalid instruction');
          default:
            throw this.fault('invalid_instruction', pc, `opcode 0x${OP[pc].toString(16)} is not executable`);
        }
      }
    } catch (e) {
      this.pc = pc;
      this.steps = steps;
      this.done = true;
      if (e instanceof PendingFault) throw this.fault(e.kind, pc, e.detail, e.address);
      throw e;
    }
  }

  #jump(pc: number, target: number): number {
    if (target < 0) throw this.fault('jump_out_of_range', pc, 'jump target outside the program');
    return target;
  }

  #callLocal(pc: number, target: number): number {
    if (target < 0) throw this.fault('jump_out_of_range', pc, 'call target outside the program');
    if (this.depth + 1 >= MAX_CALL_FRAMES)
      throw this.fault(
        'call_depth',
        pc,
        `call depth exceeds ${MAX_CALL_FRAMES} frames (the kernel's MAX_CALL_FRAMES)`,
      );
    const s = this.#saved;
    const at = this.depth * SAVE;
    s[at] = pc + 1;
    for (let r = 6; r <= 10; r++) {
      s[at + 1 + (r - 6) * 2] = this.lo[r];
      s[at + 2 + (r - 6) * 2] = this.hi[r];
    }
    this.depth++;
    this.memory.regions[STACK_REGION + this.depth].bytes.fill(0);
    this.hi[10] = STACK_REGION + this.depth;
    this.lo[10] = STACK_SIZE;
    return target;
  }

  /** exit from a local function: restores r6-r10 and returns the caller's next pc. */
  #return(): number {
    this.depth--;
    const s = this.#saved;
    const at = this.depth * SAVE;
    for (let r = 6; r <= 10; r++) {
      this.lo[r] = s[at + 1 + (r - 6) * 2];
      this.hi[r] = s[at + 2 + (r - 6) * 2];
    }
    return s[at];
  }

  #callHelper(pc: number, id: number): void {
    const entry = this.helpers.get(id);
    if (!entry) throw this.fault('unknown_helper', pc, `helper ${id} is not registered in the interpreter`);
    this.helperCtx.args = [1, 2, 3, 4, 5].map((r) => u64(this.hi[r], this.lo[r]));
    const out = BigInt.asUintN(64, BigInt(entry.fn(this.helperCtx)));
    this.lo[0] = Number(out & 0xffffffffn) | 0;
    this.hi[0] = Number(out >> 32n) | 0;
  }

  /** Resolves base register + off to a region; returns the offset inside it (region in #region). */
  #region: Region | undefined;
  #addr(base: number, off: number, size: number, write: boolean): number {
    let elo = (this.lo[base] >>> 0) + off;
    let ehi = this.hi[base];
    if (ehi >= STACK_REGION && ehi < CODE_REGION && (elo < 0 || elo + size > STACK_SIZE)) {
      // A stack pointer that leaves its frame: say "stack", in the verifier's words, not the
      // name of whichever region the address wrapped into.
      throw new PendingFault(
        'out_of_bounds',
        `invalid ${write ? 'write to' : 'read from'} stack R${base} off=${elo - STACK_SIZE} size=${size}`,
        (BigInt(ehi) << 32n) + BigInt(elo),
      );
    }
    if (elo >= TWO32) {
      elo -= TWO32;
      ehi = (ehi + 1) | 0;
    } else if (elo < 0) {
      elo += TWO32;
      ehi = (ehi - 1) | 0;
    }
    this.#region = this.memory.resolve(ehi, elo | 0, size, write);
    this.#lastHi = ehi;
    return elo;
  }
  /** Region number of the last resolved access (for trace records). */
  #lastHi = 0;

  #load(code: number, d: number, s: number, off: number): void {
    const size = code & 0x18;
    const signed = (code & 0xe0) === 0x80;
    const n = size === 0x18 ? 8 : size === 0x00 ? 4 : size === 0x08 ? 2 : 1;
    const at = this.#addr(s, off, n, false);
    const v = (this.#region as Region).view;
    this.#read(v, at, n, signed, d);
  }

  #read(v: DataView, at: number, n: number, signed: boolean, d: number): void {
    const lo = this.lo;
    const hi = this.hi;
    switch (n) {
      case 1:
        lo[d] = signed ? v.getInt8(at) : v.getUint8(at);
        break;
      case 2:
        lo[d] = signed ? v.getInt16(at, true) : v.getUint16(at, true);
        break;
      case 4:
        lo[d] = v.getInt32(at, true);
        break;
      default:
        lo[d] = v.getInt32(at, true);
        hi[d] = v.getInt32(at + 4, true);
        return;
    }
    hi[d] = signed ? lo[d] >> 31 : 0;
  }

  #store(size: number, base: number, off: number, vlo: number, vhi: number): void {
    const n = size === 0x18 ? 8 : size === 0x00 ? 4 : size === 0x08 ? 2 : 1;
    const at = this.#addr(base, off, n, true);
    const r = this.#region as Region;
    write(r.view, at, n, vlo, vhi);
    if (this.writes)
      this.writes.push({ address: address(this.#lastHi, at), bytes: r.bytes.slice(at, at + n) });
  }

  #atomic(size: number, base: number, s: number, off: number, imm: number): void {
    const n = size === 0x18 ? 8 : size === 0x00 ? 4 : size === 0x08 ? 2 : 1;
    const lo = this.lo;
    const hi = this.hi;
    if (imm === 0x100) {
      // load_acquire: dst is `base` here (the dst field), src the address register.
      const at = this.#addr(s, off, n, false);
      this.#read((this.#region as Region).view, at, n, false, base);
      return;
    }
    if (imm === 0x110) {
      this.#store(size, base, off, lo[s], hi[s]);
      return;
    }
    const at = this.#addr(base, off, n, true);
    const r = this.#region as Region;
    if (atomicRmw(r.view, at, n, imm, lo, hi, s) && this.writes)
      this.writes.push({ address: address(this.#lastHi, at), bytes: r.bytes.slice(at, at + n) });
  }

  /** ld_abs / ld_ind: big-endian load from the context packet into r0; false when out of bounds. */
  #loadPacket(code: number, s: number, imm: number): boolean {
    const size = code & 0x18;
    const n = size === 0x00 ? 4 : size === 0x08 ? 2 : 1;
    const at = (code & 0xe0) === 0x40 ? (this.lo[s] + imm) | 0 : imm;
    const pkt = this.memory.regions[CTX_REGION];
    if (at < 0 || at + n > pkt.bytes.byteLength) return false;
    this.lo[0] =
      n === 4
        ? pkt.view.getInt32(at, false)
        : n === 2
          ? pkt.view.getUint16(at, false)
          : pkt.view.getUint8(at);
    this.hi[0] = 0;
    return true;
  }
}

/** An address as faults print it. */
export function formatAddr(a: bigint): string {
  return `0x${BigInt.asUintN(64, a).toString(16)}`;
}
