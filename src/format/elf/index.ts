// ELF64 reading and writing (pure data; no file system access here).

export {
  type AssembledCode,
  type ProgramObjectOptions,
  programSections,
  writeProgramObject,
} from './program.js';
export { readElf } from './reader.js';
export * from './types.js';
export {
  type ElfWriteInput,
  type ElfWriteRelocation,
  type ElfWriteSection,
  type ElfWriteSymbol,
  writeElf,
} from './writer.js';
