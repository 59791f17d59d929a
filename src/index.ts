// tsbpf: the kernel side (maps, programs, links, events) and file formats, plus the pure cores.
// Of the instruction set, what kernel programs are made of (instructions, the builder, helpers,
// the disassembler for verifier logs); the assembler, interpreter, conformance runner and ISA
// explainer are in 'tsbpf/isa', so that importing the package does not load them.
export * from '../isa/builder/index.js';
export * from '../isa/classify.js';
export {
  type DisassembleOptions,
  disassemble,
  type FormatOptions,
  formatInstruction,
} from '../isa/disassembler.js';
export * from '../isa/errors.js';
export * from '../isa/groups.js';
export * from '../isa/helper-info.js';
export * from '../isa/instruction.js';
export * from '../isa/opcodes.js';
export * from '../isa/validity.js';
// Pinning: the bpffs mount at /sys/fs/bpf (mounted when missing).
export { BPFFS_ROOT, ensureBpffs } from './bpffs.js';
// BTF: files (vmlinux, modules' split BTF) and BPF_BTF_LOAD.
export { moduleBtf, readBtfFile, VMLINUX_BTF_PATH, vmlinuxBtf } from './btf-file.js';
export { BtfLoadError, KernelBtf } from './btf-object.js';
export type { BinarySchema, Codec, LpmKey, ValueSpec } from './codec.js';
export * as codecs from './codec.js';
export { onlineCpus, possibleCpus } from './cpus.js';
export type { EventCodec, EventDecoder } from './events/decode.js';
export { type PerfBufOptions, PerfBufReader, type PerfEventArrayMap } from './events/perfbuf.js';
export { EventReader, type RecordCallback, type SubscribeOptions } from './events/reader.js';
export { type RawCallback, type RingBufMap, type RingBufOptions, RingBufReader } from './events/ringbuf.js';
export { parseTraceLine, type TraceLine, TracePipeReader } from './events/tracepipe.js';
export { FdObject } from './fd.js';
export {
  type Feature,
  probeAll,
  probeBpf,
  probeFentry,
  probeHelper,
  probeKprobeMulti,
  probeMapType,
  probeProgramType,
  probeTpBtf,
  probeUprobeMulti,
} from './features.js';
export * from './format/elf/index.js';
export { KconfigError } from './format/object/kconfig.js';
export { type RecordType, recordTypes } from './format/object/record-type.js';
export { type AttachKind, type SectionDef, type SectionInfo, sectionInfo } from './format/object/sections.js';
export {
  type ObjectMap,
  type ObjectProgram,
  type ObjectWriteInput,
  writeObject,
} from './format/object/writer.js';
export {
  FormatParseError,
  parseTracepointFormat,
  type TracepointField,
  type TracepointFormat,
} from './format/tracepoint-format.js';
export type { RegisterPart, UsdtArg, UsdtLocation, UsdtProbe, X86Register } from './format/usdt.js';
export {
  type KernelSymbol,
  kallsyms,
  kernelSymbol,
  kprobeBlacklist,
  syscallFunction,
  syscallPrefix,
} from './kallsyms.js';
export {
  attachKprobe,
  attachKretprobe,
  type KprobeOptions,
  kprobesUnavailable,
} from './link/kprobe.js';
// Attaching programs and reading their events.
export {
  AttachError,
  type AttachFailure,
  type AttachMode,
  Link,
  type LinkInfo,
  type LinkKind,
} from './link/link.js';
export { type PerfAttachMode, PerfEvent } from './link/perf-attach.js';
export {
  attachPerfEventAllCpus,
  attachPerfEventProgram,
  PerfCounter,
  type PerfEventName,
  type PerfEventOptions,
} from './link/perf-counters.js';
export { attachRawTracepoint } from './link/raw-tracepoint.js';
export { ownProbes, removeStaleProbes } from './link/tracefs-probes.js';
export { attachTracepoint, type TracepointOptions } from './link/tracepoint.js';
export {
  attachFentry,
  attachFexit,
  attachTpBtf,
  attachTracing,
  loadTracingProgram,
  type TracingKind,
} from './link/tracing.js';
export { attachUprobe, attachUretprobe, type UprobeOptions } from './link/uprobe.js';
export { resolveBinary, symbolFileOffset } from './link/uprobe-symbols.js';
export { attachUsdt, type UsdtOptions, usdtProbes } from './link/usdt.js';
// Kernel objects: bpf(2) through koffi.
export {
  BpfMap,
  type FdRef,
  fdRef,
  type MapInfo,
  type MapOptions,
  type OpenOptions,
  type PercpuMapTypeName,
} from './map.js';
export type { MetricFamily, Sample } from './metrics/family.js';
export { type OtelMeterLike, openTelemetryHistograms, openTelemetryMetrics } from './metrics/otel.js';
export type { PromRegistryLike } from './metrics/prom-client.js';
export type { TracerMetricsOptions } from './metrics/tracer-families.js';
export { attachBySection, NotAutoAttachable } from './object/attach.js';
export { type CoreReadOptions, core, coreRead } from './object/core-read.js';
export { linuxKernelVersion } from './object/kernel-config.js';
// BPF objects: ELF + BTF from clang, CO-RE, loading.
export {
  BpfObject,
  CoreRelocationError,
  type ExternSpec,
  LoadedObject,
  type MapSpec,
  type ObjectLoadOptions,
  type ObjectSpec,
  type ProgramSpec,
  ReadonlyVariableError,
  Variable,
  type VariableData,
  type VariableSpec,
  type Variables,
  type VariableValue,
} from './object.js';
// Probes written in TypeScript: the tracer, probe values, aggregations.
export * from './probes/index.js';
export {
  type InfoRecords,
  type LoadOptions,
  type MapResolver,
  Program,
  type ProgramInfo,
  type TestRunOptions,
  type TestRunResult,
  UnresolvedReferenceError,
} from './program.js';
export { BpfError, Errno, errnoName, SysError } from './sys/errno.js';
export {
  AttachType,
  type AttachTypeName,
  MapFlags,
  MapType,
  type MapTypeName,
  ProgramFlags,
  ProgramType,
  type ProgramTypeName,
  UpdateFlags,
} from './sys/types.js';
export {
  TracepointNotFoundError,
  tracefsRoot,
  tracepointFormat,
  tracepointId,
} from './tracefs.js';
export { type LogFacts, parseVerifierLog, VerifierError } from './verifier.js';
