// ELF64 reading and writing (pure data; no file system access here).
export * from './types.js';
export { readElf } from './reader.js';
export { writeElf, type ElfWriteInput, type ElfWriteRelocation, type ElfWriteSection, type ElfWriteSymbol } from './writer.js';
export { writeProgramObject, programSections, type ProgramObjectOptions } from './program.js';
