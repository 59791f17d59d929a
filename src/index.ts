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
// Ids and names only: the table with prototypes and docs (HELPERS, helperInfo) is in 'tsbpf/isa'.
export { helperId, helperName } from '../isa/helper-id.js';
export * from '../isa/instruction.js';
export * from '../isa/opcodes.js';
export * from '../isa/validity.js';
// Pinning: the bpffs mount at /sys/fs/bpf (mounted when missing).
export { BPFFS_ROOT, ensureBpffs } from './bpffs.js';
// BTF: files (vmlinux, modules' split BTF) and BPF_BTF_LOAD.
export { moduleBtf, readBtfFile, VMLINUX_BTF_PATH, vmlinuxBtf } from './btf-file.js';
export { BtfLoadError, KernelBtf } from './btf-object.js';
export { cgroup2Mount, cgroup2Mounts, cgroupId, resolveCgroup } from './cgroup.js';
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
// Profiles: on-CPU samples and off-CPU time per stack, counted in the kernel, and their outputs.
export {
  type FlameGraphOptions,
  flameGraphSvg,
} from './format/profile/flamegraph.js';
export { type SpeedscopeFile, speedscopeProfile } from './format/profile/speedscope.js';
export {
  FoldedSyntaxError,
  foldedText,
  parseFolded,
  type StackNode,
  type StackSample,
  stackTree,
} from './format/profile/stacks.js';
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
  attachCgroup,
  CGROUP_HOOKS,
  type CgroupAttachOptions,
  type CgroupHook,
  type CgroupProgramType,
  type CgroupTarget,
} from './link/cgroup.js';
export type { XdpMode } from './link/kinds/kind.js';
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
  type ProgramRef,
} from './link/link.js';
export {
  attachNetfilter,
  type NetfilterOptions,
  NF_FAMILY,
  NF_HOOK,
  NF_IP_DEFRAG,
} from './link/netfilter.js';
export { attachFlowDissector, attachSkLookup, type NetnsRef, OWN_NETNS } from './link/netns.js';
export { type PerfAttachMode, PerfEvent } from './link/perf-attach.js';
export {
  attachPerfEventAllCpus,
  attachPerfEventProgram,
  PerfCounter,
  type PerfEventName,
  type PerfEventOptions,
} from './link/perf-counters.js';
export { attachRawTracepoint } from './link/raw-tracepoint.js';
export { attachSocketFilter } from './link/socket-filter.js';
export { attachSkMsg, attachSockmap, type SockmapAttachType } from './link/sockmap.js';
export { attachTc, type TcDirection, TcFilterLink, type TcOptions } from './link/tc.js';
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
export {
  attachXdp,
  detachXdp,
  type XdpAttached,
  XdpLink,
  type XdpOptions,
  xdpAttached,
} from './link/xdp.js';
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
export { enterNetns, type NetnsScope } from './net/netns.js';
export { attachBySection, NotAutoAttachable, type SectionAttachOptions } from './object/attach.js';
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
export type { StackHalves, UserFrameNamer } from './profile/join.js';
export { PROFILE_FORMATS, type ProfileFormat, ProfileResult } from './profile/result.js';
export {
  type OffCpuOptions,
  offCpu,
  type ProfileOptions,
  type ProfileRunOptions,
  profile,
} from './profile/run.js';
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
export { type NodeSocket, type SocketTarget, socketFd } from './socket-fd.js';
export {
  type Binary,
  BinaryCache,
  type BinaryCacheOptions,
  demangle,
  type Frame,
  type FrameKind,
  frameName,
  frameText,
  kernelFrames,
  ProcessSymbols,
  UserSymbolizer,
  type UserSymbolizerOptions,
} from './symbols/index.js';
export { BpfError, Errno, errnoName, SysError } from './sys/errno.js';
export { NetlinkError } from './sys/netlink.js';
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
