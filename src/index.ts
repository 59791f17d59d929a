// tsbpf: the kernel side (maps, programs, links, events) and file formats, plus the pure cores.
export * from '../isa/index.js';
// Kernel objects: bpf(2) through koffi (issue 4).
export {
  BpfMap,
  fdRef,
  type FdRef,
  type MapOptions,
  type MapInfo,
  type OpenOptions,
  type PercpuMapTypeName,
} from './map.js';
export {
  Program,
  UnresolvedReferenceError,
  type LoadOptions,
  type MapResolver,
  type InfoRecords,
  type TestRunOptions,
  type TestRunResult,
  type ProgramInfo,
} from './program.js';
export { VerifierError, parseVerifierLog, type LogFacts } from './verifier.js';
export { FdObject } from './fd.js';
export * as codecs from './codec.js';
export type { Codec, ValueSpec, LpmKey } from './codec.js';
export { possibleCpus } from './cpus.js';
export { BpfError, SysError, Errno, errnoName } from './sys/errno.js';
export {
  MapType,
  ProgramType,
  AttachType,
  MapFlags,
  UpdateFlags,
  ProgramFlags,
  type MapTypeName,
  type ProgramTypeName,
  type AttachTypeName,
} from './sys/types.js';
export { probeAll, probeBpf, probeMapType, probeProgramType, probeHelper, type Feature } from './features.js';
export * from './elf/index.js';
// BPF objects: ELF + BTF from clang, CO-RE, loading (issue 6).
export {
  BpfObject,
  LoadedObject,
  CoreRelocationError,
  kernelBtf,
  type ObjectLoadOptions,
  type VariableValue,
  type ObjectSpec,
  type MapSpec,
  type ProgramSpec,
  type VariableSpec,
  type ExternSpec,
} from './object.js';
export { sectionInfo, type SectionInfo, type SectionDef, type AttachKind } from './object/sections.js';
export { KconfigError, linuxKernelVersion } from './object/kconfig.js';
// Attaching programs and reading their events (issue 7).
export { Link, AttachError, type LinkKind, type AttachMode, type AttachFailure } from './link/link.js';
export { PerfEvent, type PerfAttachMode } from './link/perf-event.js';
export { attachTracepoint, type TracepointOptions } from './link/tracepoint.js';
export {
  attachKprobe,
  attachKretprobe,
  kprobesUnavailable,
  pmuInfo,
  type KprobeOptions,
} from './link/kprobe.js';
export { attachUprobe, attachUretprobe, type UprobeOptions } from './link/uprobe.js';
export { resolveBinary, symbolFileOffset, parseLdSoCache } from './link/uprobe-symbols.js';
export { attachRawTracepoint } from './link/rawtp.js';
export {
  attachTracing,
  attachTpBtf,
  attachFentry,
  attachFexit,
  loadTracingProgram,
  tracingLoadOptions,
  tracingTargetId,
  type TracingKind,
} from './link/tracing.js';
export {
  attachPerfEventProgram,
  attachPerfEventAllCpus,
  PerfCounter,
  type PerfEventOptions,
  type PerfEventName,
} from './link/perf.js';
export { removeStaleProbes, ownProbes } from './link/tracefs-probes.js';
export {
  tracefsRoot,
  tracepointId,
  tracepointFormat,
  parseTracepointFormat,
  TracepointNotFoundError,
  FormatParseError,
  type TracepointField,
  type TracepointFormat,
} from './tracefs.js';
export {
  kallsyms,
  kernelSymbol,
  parseKallsyms,
  syscallFunction,
  syscallPrefix,
  kprobeBlacklist,
  parseBlacklist,
  type KernelSymbol,
} from './kallsyms.js';
export { onlineCpus, cpuListNumbers } from './online-cpus.js';
export { RingBufReader, type RingBufOptions, type RingBufMap } from './events/ringbuf.js';
export { PerfBufReader, type PerfBufOptions, type PerfEventArrayMap } from './events/perfbuf.js';
export { TracePipeReader, parseTraceLine, type TraceLine } from './events/tracepipe.js';
export { EventReader, type SubscribeOptions, type RecordCallback } from './events/reader.js';
export type { EventCodec, EventDecoder } from './events/decode.js';
export { attachBySection, NotAutoAttachable } from './object/attach.js';
// BTF: files (vmlinux, modules' split BTF) and BPF_BTF_LOAD (issue 5).
export { vmlinuxBtf, moduleBtf, readBtfFile, VMLINUX_BTF_PATH } from './btf-file.js';
export { KernelBtf, BtfLoadError } from './btf-object.js';
export { core, coreRead, type CoreReadOptions } from './object/core-read.js';
export { writeObject, type ObjectWriteInput, type ObjectProgram, type ObjectMap } from './object/writer.js';
// Probes written in TypeScript: the tracer, probe values, aggregations (issue 8).
export * from './probes/index.js';
