// tsbpf/btf: BTF types, parsing, encoding, CO-RE. Pure: no Node APIs, no FFI.

export { BtfBuilder, type BuilderOptions } from './builder.js';
export { cDeclaration } from './cdecl.js';
export { type CDumpOptions, dumpC, writeC } from './cdump.js';
export {
  applyCoreRelocations,
  CORE_POISON,
  CoreError,
  type CoreInstruction,
  CoreKind,
  type CoreRelocation,
  type CoreResult,
  computeRelocation,
  coreKindName,
  essentialName,
} from './core.js';
export { BtfError } from './error.js';
export {
  type BtfExt,
  CORE_RELO_KINDS,
  type CoreRelo,
  type CoreReloKind,
  type FuncInfo,
  type LineInfo,
  parseBtfExt,
  type SectionRecords,
} from './ext.js';
export { KIND_NAMES, Kind, type KindName } from './kinds.js';
export {
  alignOf,
  type FieldLocation,
  type FunctionSignature,
  fieldPath,
  findMember,
  functionSignature,
  isPacked,
  MAX_RESOLVE_DEPTH,
  resolveType,
  sizeOf,
  skipModifiers,
} from './layout.js';
export { BTF_MAGIC, Btf, type ParseOptions, type RawRecords } from './parse.js';
export { formatRaw, formatRawType } from './raw.js';
export * from './types.js';
export { type BtfValue, type BtfValueCodec, btfTsType, btfTypeName, btfValueCodec } from './value.js';
