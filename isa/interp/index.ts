// tsbpf/isa's reference interpreter: the Interpreter and what its callers see (options, faults,
// helpers, maps, trace records).

export { type FaultDetails, type FaultKind, InterpreterFault } from './fault.js';
export {
  formatPrintk,
  type Helper,
  type HelperContext,
  type HelperEntry,
  HelperId,
  HelperRegistry,
  type InterpreterEnv,
} from './helper-impls.js';
export { Interpreter } from './interpreter.js';
export {
  type AnyInterpMap,
  InterpMap,
  type InterpMapSpec,
  type InterpMapType,
  InterpRingBuf,
} from './maps.js';
export { MAX_CALL_FRAMES, type Memory } from './memory.js';
export type { InterpreterOptions, RunOptions, RunResult } from './options.js';
export {
  type BranchTaken,
  formatInitialRegisters,
  formatTraceStep,
  type MemoryWrite,
  type RegisterChange,
  type RegisterValue,
  type TraceStep,
} from './trace.js';
