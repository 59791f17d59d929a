// A reference interpreter for eBPF with the ISA document's semantics (RFC 9669 plus the v4
// additions): a bounded memory model, helpers with in-memory maps, local calls with their own
// stack frames, and an optional per-step trace.
//
// Registers are two Int32Arrays (low and high halves), not BigInts, chosen by measurement
// (bench/interpreter.ts: two minimal interpreters with identical dispatch, node 20, this 2-core VM,
// medians): on a pure add/compare counting loop BigUint64Array registers are about as fast
// (BigInt 142-198 M instr/s vs halves 133-173 — V8 lowers 64-bit BigInt add), but on a mixed loop
// with multiply, shifts, xor and 32-bit ops halves win by 1.3-1.7x (99 vs 75, 212 vs 127-150),
// because every BigInt truncation and conversion costs. Rare, hard operations (64-bit division of
// 64-bit values, sdiv/smod) fall back to BigInt; everything else stays in 32-bit integers.
//
// The registers, frames and dispatch loop are machine.ts; this file sets a run up and reports it.
// Address model: see memory.ts. callx: a register holding a code address
// (0xa_<pc>, what `lddw rX, func` loads) calls the local function at that pc; a register
// holding a small number n calls helper n, as the conformance suite's runtime does.

import { classify } from '../classify.js';
import { formatInstruction } from '../disassembler.js';
import type { Instruction } from '../instruction.js';
import { Pseudo, STACK_SIZE } from '../opcodes.js';
import { instructionProblem } from '../validity.js';
import { u64 } from './alu.js';
import { PendingFault } from './fault.js';
import { defaultEnv, HelperRegistry, type InterpreterEnv } from './helper-impls.js';
import { type CallContext, formatAddr, Machine } from './machine.js';
import { type AnyInterpMap, createMap } from './maps.js';
import { CTX_REGION, Memory, STACK_REGION, split } from './memory.js';
import type { InterpreterOptions, RunOptions, RunResult } from './options.js';
import { type Decoded, predecode } from './predecode.js';
import { fallOffCheck, StrictChecker } from './strict.js';
import {
  branchOf,
  type MemoryWrite,
  type RegisterChange,
  type RegisterValue,
  type TraceStep,
} from './trace.js';

const DEFAULT_MAX_STEPS = 10_000_000;
/** BPF_MAX_LOOPS in the kernel (include/linux/bpf.h). */
const BPF_MAX_LOOPS = 8 * 1024 * 1024;
/** Words saved per frame: return pc, r6-r9 and r10 (lo, hi). */
const _SAVE = 11;
const _TWO32 = 4294967296;

export class Interpreter {
  readonly maps: ReadonlyMap<string, AnyInterpMap>;
  readonly helpers: HelperRegistry;
  readonly env: InterpreterEnv;
  readonly memory = new Memory();
  /** Every trace_printk line since construction. */
  readonly output: string[] = [];
  readonly #code: Decoded;
  readonly #maxSteps: number;
  readonly #mayGotoBudget: number;
  readonly #strict: boolean;
  #checker: StrictChecker | null = null;
  readonly #texts: (string | undefined)[] = [];
  /** Registers, frames and the dispatch loop. */
  readonly #m: Machine;

  constructor(program: readonly Instruction[] | Uint8Array, options: InterpreterOptions = {}) {
    const table: AnyInterpMap[] = [];
    const byName = new Map<string, AnyInterpMap>();
    for (const [name, spec] of Object.entries(options.maps ?? {})) {
      const m = createMap(name, spec, this.memory);
      table.push(m);
      byName.set(name, m);
    }
    this.maps = byName;
    this.helpers = options.helpers ?? HelperRegistry.defaults();
    this.env = { ...defaultEnv(), ...options.env };
    this.#maxSteps = options.maxSteps ?? DEFAULT_MAX_STEPS;
    this.#mayGotoBudget = options.mayGotoBudget ?? BPF_MAX_LOOPS;
    this.#strict = options.strict ?? false;
    // `call name` the assembler could not bind (no resolveHelper) binds here, by our registry's names.
    const bound =
      program instanceof Uint8Array
        ? program
        : program.map((ins) => {
            if (ins.ref?.kind !== 'helper' || ins.imm !== 0) return ins;
            const h = this.helpers.byName(ins.ref.name);
            return h ? { ...ins, imm: h.id } : ins;
          });
    this.#code = predecode(bound, (ins) => {
      const ref = ins.ref;
      if (ref?.kind === 'map' || ref?.kind === 'map_value') {
        const m = byName.get(ref.name);
        return m ? table.indexOf(m) : `no map named '${ref.name}' was given to the interpreter`;
      }
      if (
        ins.src === Pseudo.MAP_FD ||
        ins.src === Pseudo.MAP_VALUE ||
        ins.src === Pseudo.MAP_IDX ||
        ins.src === Pseudo.MAP_IDX_VALUE
      )
        return ins.imm >= 0 && ins.imm < table.length
          ? ins.imm
          : `map ${ins.imm} is not in the interpreter's map table (${table.length} maps)`;
      return 'not a map reference';
    });
    const self = this;
    const helperCtx: CallContext = {
      args: [],
      memory: this.memory,
      env: this.env,
      maps: table,
      map(addr: bigint): AnyInterpMap {
        const { hi, lo } = split(addr);
        const m = table.find((t) => t.handleRegion === hi);
        if (!m || lo !== 0) throw new PendingFault('unknown_map', `${formatAddr(addr)} is not a map`, addr);
        return m;
      },
      print(line: string) {
        self.output.push(line);
        self.#runOutput?.push(line);
      },
    };
    this.#m = new Machine(this.#code, table, this.memory, this.helpers, helperCtx, (pc) => this.textAt(pc));
  }

  #runOutput: string[] | null = null;

  /** Slots in the program (lddw counts two). */
  get slots(): number {
    return this.#code.slots;
  }

  /** The instruction text at a slot, as faults and traces print it. */
  textAt(pc: number): string {
    let t = this.#texts[pc];
    if (t === undefined) {
      const i = this.#code.index[pc];
      t =
        i >= 0
          ? formatInstruction(this.#code.instructions[i], { rfc: true })
              .split('\n')[0]
              .replace(/ ; invalid: .*$/, '')
          : pc === this.#code.slots
            ? '<end of program>'
            : '<second slot of lddw>';
      this.#texts[pc] = t;
    }
    return t;
  }

  /** Runs the program to exit; throws InterpreterFault. */
  run(options: RunOptions = {}): RunResult {
    const output = this.#begin(options);
    if (this.#checker) while (!this.#m.done) this.#strictStep();
    else this.#m.exec(Number.POSITIVE_INFINITY);
    return this.#result(output);
  }

  /** One step with the strict checks around it. */
  #strictStep(): void {
    const checker = this.#checker as StrictChecker;
    const pc = this.#m.pc;
    const depth = this.#m.depth;
    const view = { lo: this.#m.lo, hi: this.#m.hi, depth };
    try {
      const i = this.#code.index[pc];
      const problem = i >= 0 ? instructionProblem(this.#code.instructions[i]) : undefined;
      if (problem?.severity === 'kernel') throw new PendingFault('kernel_rule', problem.message);
      checker.before(pc, view);
    } catch (e) {
      if (e instanceof PendingFault) throw this.#m.fault(e.kind, pc, e.detail, e.address);
      throw e;
    }
    this.#m.exec(1);
    checker.after(pc, depth, { lo: this.#m.lo, hi: this.#m.hi, depth: this.#m.depth });
  }

  /**
   * Runs step by step, yielding what each instruction did; returns the result at exit.
   * Tracing costs only here: `run` never builds these records.
   */
  *trace(options: RunOptions = {}): Generator<TraceStep, RunResult, void> {
    const output = this.#begin(options);
    const lo = this.#m.lo;
    const hi = this.#m.hi;
    const beforeLo = new Int32Array(11);
    const beforeHi = new Int32Array(11);
    // The registers the program starts with, reported once, on the first step.
    let initial: RegisterValue[] | undefined = [];
    for (let r = 0; r < 11; r++)
      if (lo[r] !== 0 || hi[r] !== 0) initial.push({ reg: r, value: u64(hi[r], lo[r]) });
    while (!this.#m.done) {
      beforeLo.set(lo);
      beforeHi.set(hi);
      const pc = this.#m.pc;
      const frame = this.#m.depth;
      const writes: MemoryWrite[] = [];
      this.#m.writes = writes;
      try {
        if (this.#checker) this.#strictStep();
        else this.#m.exec(1);
      } finally {
        this.#m.writes = null;
      }
      const registers: RegisterChange[] = [];
      const ins = this.#code.index[pc] >= 0 ? this.#code.instructions[this.#code.index[pc]] : undefined;
      const d = ins ? classify(ins) : undefined;
      // cmpxchg always reports r0: the old value lands there even when it equals what r0 held.
      const cmpxchg = d?.kind === 'atomic' && d.op.name === 'cmpxchg';
      for (let r = 0; r < 11; r++)
        if (lo[r] !== beforeLo[r] || hi[r] !== beforeHi[r] || (cmpxchg && r === 0))
          registers.push({ reg: r, before: u64(beforeHi[r], beforeLo[r]), after: u64(hi[r], lo[r]) });
      const step: TraceStep = { pc, frame, text: this.textAt(pc), registers, writes };
      if (d?.kind === 'jcond' && ins)
        step.branch = branchOf(ins, d.wide, d.srcReg, d.op.llvm ?? '', beforeLo, beforeHi);
      if (initial) step.initial = initial;
      initial = undefined;
      yield step;
    }
    return this.#result(output);
  }

  #begin(options: RunOptions): string[] {
    const mem = options.mem ? Uint8Array.from(options.mem) : new Uint8Array(0);
    this.memory.setContext(mem);
    this.#m.lo.fill(0);
    this.#m.hi.fill(0);
    if (options.mem) {
      this.#m.hi[1] = CTX_REGION;
      this.#m.lo[2] = mem.byteLength;
    }
    this.memory.regions[STACK_REGION].bytes.fill(0);
    this.#m.hi[10] = STACK_REGION;
    this.#m.lo[10] = STACK_SIZE;
    this.#m.pc = 0;
    this.#m.depth = 0;
    this.#m.steps = 0;
    this.#m.stepLimit = options.maxSteps ?? this.#maxSteps;
    this.#m.mayGoto = this.#mayGotoBudget;
    this.#m.done = false;
    const output: string[] = [];
    this.#runOutput = output;
    this.#checker = null;
    if (this.#strict) {
      const code = this.#code;
      const fallOff = fallOffCheck(code.instructions);
      if (fallOff) throw this.#m.fault('kernel_rule', fallOff.pc, fallOff.message);
      const at = (pc: number) => (code.index[pc] >= 0 ? code.instructions[code.index[pc]] : undefined);
      this.#checker = new StrictChecker(at, options.mem ? [1, 2, 10] : [1, 10]);
    }
    return output;
  }

  #result(output: string[]): RunResult {
    this.#runOutput = null;
    return {
      r0: u64(this.#m.hi[0], this.#m.lo[0]),
      steps: this.#m.steps,
      mem: this.memory.regions[CTX_REGION].bytes,
      output,
    };
  }
}
