// Probes in TypeScript: the tracer session, probe contexts and values, aggregations.

export { Aggregation, type Bucket, type Histogram } from './aggregation.js';
export { type ArgDef, type ProbeArgs, probeArgs } from './args.js';
export { type CompileInput, compileProbe } from './compile.js';
export {
  type Amount,
  type Emit,
  type Emitted,
  type KeyInput,
  type KeyOf,
  type NoMaps,
  ProbeContext,
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
export {
  Condition,
  type IntValue,
  type PtrValue,
  type StructValue,
  type StrValue,
  type TypedValue,
  Value,
} from './value.js';
