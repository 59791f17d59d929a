// Probes in TypeScript: the tracer session, probe contexts and values, aggregations.

export { type CompileInput, compileProbe } from '../compiler/compile.js';
export type { ArgDef, ProbeArgs } from '../compiler/probe-args.js';
export {
  Condition,
  type IntValue,
  type PtrValue,
  type StructValue,
  type StrValue,
  type TypedValue,
  Value,
} from '../compiler/value.js';
export { Aggregation, type Bucket, type Histogram } from './aggregation.js';
export { probeArgs } from './args.js';
export {
  type Amount,
  type Emit,
  type Emitted,
  type KeyInput,
  type KeyOf,
  LOOP_MAX,
  type LoopControl,
  type NoMaps,
  ProbeContext,
  type ProbePoints,
  type WithMap,
} from './context.js';
export { type FallbackStep, fallbackChain, syscallOf } from './fallback.js';
export { formatHistogram } from './histogram-text.js';
export {
  globRegExp,
  kernelFunctions,
  type ListOptions,
  listProbePoints,
  type ProbeList,
  type ProbePoint,
  tracepoints,
} from './list.js';
export { capabilityName, signalName, syscallName, syscallNames } from './names.js';
export { Probe, type ProbeBody } from './probe.js';
export {
  formatProbeSpec,
  isWildcard,
  type ProbeKind,
  type ProbeSpec,
  ProbeSpecError,
  parseProbeSpec,
  probeKindOf,
} from './spec.js';
export {
  ProbeError,
  type TraceRunOptions,
  Tracer,
  type TracerOptions,
} from './tracer.js';
export { DEFAULT_MAX_PROBES, WildcardError, type WildcardOutcome } from './wildcard.js';
