// Probes in TypeScript: the tracer session, probe contexts and values, aggregations.
export { Tracer, Probe, ProbeError, type TracerOptions, type ProbeBody } from './tracer.js';
export { ProbeContext, type Emit, type Emitted, type KeyInput, type Amount } from './context.js';
export { Value, Condition } from './value.js';
export { Aggregation, type Bucket, type Histogram } from './aggregation.js';
export { parseProbeSpec, formatProbeSpec, ProbeSpecError, type ProbeSpec, type ProbeKind } from './spec.js';
export { fallbackChain, syscallOf } from './fallback.js';
export { compileProbe, type CompileInput } from './compile.js';
export { probeArgs, type ArgDef, type ProbeArgs } from './args.js';
export { formatHistogram } from './histogram-text.js';
