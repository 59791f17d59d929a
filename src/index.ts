// tsbpf: the kernel side (maps, programs, links, events) and file formats, plus the pure cores.
export * from '../isa/index.js';
// Kernel objects: bpf(2) through koffi (issue 4).
export { BpfMap, fdRef, type FdRef, type MapOptions, type MapInfo, type OpenOptions, type PercpuMapTypeName } from './map.js';
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
