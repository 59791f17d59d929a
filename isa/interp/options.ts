// The Interpreter's constructor and run options and its run result.

import type { HelperRegistry, InterpreterEnv } from './helper-impls.js';
import type { InterpMapSpec } from './maps.js';

export interface InterpreterOptions {
  /**
   * Named maps. Their order is the map table: `lddw rX, map_fd N` / `map_idx N` (and the
   * `_value` forms) take map N; a `ref: {kind: 'map', name}` takes the map of that name.
   */
  maps?: Record<string, InterpMapSpec>;
  /** Helpers by id; default HelperRegistry.defaults(). */
  helpers?: HelperRegistry;
  /** The "current task" the helpers report, and the clock/PRNG. */
  env?: Partial<InterpreterEnv>;
  /** Instructions one run may execute before a step_limit fault. Default 10,000,000. */
  maxSteps?: number;
  /** may_goto budget per run; default the kernel's BPF_MAX_LOOPS (8 Mi). */
  mayGotoBudget?: number;
  /**
   * Stop, in the kernel verifier's words, at what RFC 9669 allows but the verifier refuses:
   * reads of unset registers or stack bytes, misaligned stack accesses, out-of-range shift
   * immediates, division by the constant 0, callx, a function that falls off its end (see
   * interp/strict.ts). r1, r10 and (with `mem`) r2 start set. Slower: it checks every step.
   */
  strict?: boolean;
}

export interface RunOptions {
  /** Context / packet bytes: r1 = their address, r2 = their length. Without: r1 = r2 = 0. */
  mem?: Uint8Array;
  maxSteps?: number;
}

export interface RunResult {
  /** r0 at exit, unsigned 64-bit. */
  r0: bigint;
  /** Instructions executed. */
  steps: number;
  /** The context bytes after the run (the program may write them). */
  mem: Uint8Array;
  /** trace_printk lines printed during this run. */
  output: string[];
}
