// The debugger over the interpreter: steps forward by pulling the interpreter's trace, and
// backward by replaying the recorded steps onto the initial state (the interpreter itself only
// runs forward). The recorded history is what makes "back" exact: registers and every byte of
// the context and stacks at any earlier step.

import {
  type Instruction,
  type InterpMapSpec,
  Interpreter,
  InterpreterFault,
  MAX_CALL_FRAMES,
  type RunResult,
  STACK_SIZE,
  type TraceStep,
} from '../isa/index.js';

/** The interpreter's address regions (isa/interp/memory.ts): context is 1, stack frame f is 2 + f. */
const CTX_REGION = 1;
const STACK_REGION = 2;
/** Steps kept for "back"; a longer run stops here (run again continues). */
export const HISTORY_LIMIT = 200_000;

export interface MachineState {
  /** r0-r10, unsigned 64-bit. */
  readonly regs: bigint[];
  readonly ctx: Uint8Array;
  /** One 512-byte stack per call frame. */
  readonly stacks: Uint8Array[];
}

export type Outcome =
  | { kind: 'running' }
  | { kind: 'exit'; result: RunResult }
  | { kind: 'fault'; fault: InterpreterFault }
  | { kind: 'error'; message: string };

export class Session {
  readonly interpreter: Interpreter;
  readonly #initial: MachineState;
  readonly #steps: TraceStep[] = [];
  readonly #trace: Generator<TraceStep, RunResult, void>;
  #end: Outcome = { kind: 'running' };
  /** Steps executed in the current view (0 = before the first instruction). */
  #at = 0;
  #state: MachineState;

  constructor(program: readonly Instruction[], mem: Uint8Array, maps: Record<string, InterpMapSpec> = {}) {
    this.interpreter = new Interpreter(program, { maps });
    const regs = new Array<bigint>(11).fill(0n);
    if (mem.length > 0) {
      regs[1] = BigInt(CTX_REGION) << 32n;
      regs[2] = BigInt(mem.length);
    }
    regs[10] = (BigInt(STACK_REGION) << 32n) | BigInt(STACK_SIZE);
    this.#initial = {
      regs,
      ctx: Uint8Array.from(mem),
      stacks: Array.from({ length: MAX_CALL_FRAMES }, () => new Uint8Array(STACK_SIZE)),
    };
    this.#state = clone(this.#initial);
    this.#trace = this.interpreter.trace(mem.length > 0 ? { mem } : {});
    this.#pull();
  }

  /** Steps executed so far in the view. */
  get position(): number {
    return this.#at;
  }
  get state(): MachineState {
    return this.#state;
  }
  /** The step just executed (what changed), if any. */
  get last(): TraceStep | undefined {
    return this.#steps[this.#at - 1];
  }
  /** Where the program ends, once the view reached the end. */
  get outcome(): Outcome {
    return this.#at === this.#steps.length ? this.#end : { kind: 'running' };
  }
  /** The pc about to execute, or undefined at the end. */
  get pc(): number | undefined {
    return this.#steps[this.#at]?.pc;
  }
  get frame(): number {
    return this.#steps[this.#at]?.frame ?? this.last?.frame ?? 0;
  }
  get finished(): boolean {
    return this.#at === this.#steps.length;
  }

  /** Executes one more step ahead of the view, so the next pc is always known. */
  #pull(): void {
    if (this.#end.kind !== 'running' || this.#steps.length >= HISTORY_LIMIT) return;
    try {
      const next = this.#trace.next();
      if (next.done) this.#end = { kind: 'exit', result: next.value };
      else this.#steps.push(next.value);
    } catch (e) {
      this.#end =
        e instanceof InterpreterFault
          ? { kind: 'fault', fault: e }
          : { kind: 'error', message: e instanceof Error ? e.message : String(e) };
    }
  }

  /** Executes one instruction; false at the end. */
  step(): boolean {
    if (this.#at >= this.#steps.length) return false;
    apply(this.#state, this.#steps[this.#at]);
    this.#at++;
    if (this.#at === this.#steps.length) this.#pull();
    return true;
  }

  /** Undoes one instruction: replays the history up to the step before. */
  back(): boolean {
    if (this.#at === 0) return false;
    this.goto(this.#at - 1);
    return true;
  }

  /** Moves the view to `n` steps executed (replaying from the start when going back). */
  goto(n: number): void {
    if (n < this.#at) {
      this.#state = clone(this.#initial);
      this.#at = 0;
    }
    while (this.#at < n && this.step()) {}
  }

  /**
   * Runs until a breakpoint line is about to execute (after at least one step), the end, or the
   * history limit. `lineOf` maps a pc to its source line.
   */
  run(breakpoints: ReadonlySet<number>, lineOf: (pc: number) => number): void {
    let first = true;
    while (!this.finished) {
      const pc = this.pc;
      if (!first && pc !== undefined && breakpoints.has(lineOf(pc))) return;
      first = false;
      this.step();
    }
  }

  /** True if the history limit stopped the run before the program ended. */
  get truncated(): boolean {
    return this.finished && this.#end.kind === 'running';
  }

  /** Bytes changed by the step just executed: region → offsets. */
  lastWrites(): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    for (const w of this.last?.writes ?? []) {
      const region = Number(w.address >> 32n);
      const off = Number(w.address & 0xffffffffn);
      const set = out.get(region) ?? new Set<number>();
      for (let i = 0; i < w.bytes.length; i++) set.add(off + i);
      out.set(region, set);
    }
    return out;
  }

  /** Bytes that differ from the start: region → offsets. */
  changedSinceStart(): Map<number, Set<number>> {
    const out = new Map<number, Set<number>>();
    const diff = (region: number, a: Uint8Array, b: Uint8Array) => {
      const set = new Set<number>();
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) set.add(i);
      if (set.size) out.set(region, set);
    };
    diff(CTX_REGION, this.#initial.ctx, this.#state.ctx);
    for (const [f, s] of this.#state.stacks.entries()) diff(STACK_REGION + f, this.#initial.stacks[f], s);
    return out;
  }
}

function clone(s: MachineState): MachineState {
  return { regs: [...s.regs], ctx: Uint8Array.from(s.ctx), stacks: s.stacks.map((x) => Uint8Array.from(x)) };
}

/** Applies what one step did; writes outside the context and stacks (map values) are not kept. */
function apply(s: MachineState, step: TraceStep): void {
  for (const r of step.registers) s.regs[r.reg] = r.after;
  for (const w of step.writes) {
    const region = Number(w.address >> 32n);
    const off = Number(w.address & 0xffffffffn);
    const target =
      region === CTX_REGION
        ? s.ctx
        : region >= STACK_REGION && region < STACK_REGION + MAX_CALL_FRAMES
          ? s.stacks[region - STACK_REGION]
          : undefined;
    if (target && off + w.bytes.length <= target.length) target.set(w.bytes, off);
  }
}

export { CTX_REGION, STACK_REGION };
