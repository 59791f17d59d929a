// tsbpf/btf: BTF types, parsing, encoding, CO-RE. Pure: no Node APIs, no FFI.
export {
  CoreKind,
  CORE_POISON,
  CoreError,
  applyCoreRelocations,
  computeRelocation,
  coreKindName,
  essentialName,
  type CoreRelocation,
  type CoreResult,
  type CoreInstruction,
} from './core.js';
export { Btf } from './parse.js';
export { BtfError } from './error.js';
export { Kind, KIND_NAMES, type KindName } from './kinds.js';
export * from './types.js';
export { BTF_MAGIC, type ParseOptions } from './parse.js';
export {
  resolveType,
  skipModifiers,
  sizeOf,
  alignOf,
  isPacked,
  findMember,
  fieldPath,
  functionSignature,
  MAX_RESOLVE_DEPTH,
  type FieldLocation,
  type FunctionSignature,
} from './layout.js';
export { formatRaw, formatRawType } from './raw.js';
export { dumpC, cDeclaration, type CDumpOptions } from './cdump.js';
export { BtfBuilder, type BuilderOptions } from './builder.js';
export {
  parseBtfExt,
  CORE_RELO_KINDS,
  type BtfExt,
  type FuncInfo,
  type LineInfo,
  type CoreRelo,
  type CoreReloKind,
  type SectionRecords,
} from './ext.js';
