// tsbpf/isa: the eBPF instruction set. Pure: no Node APIs, no FFI.

export { type AssembleOptions, type AssembleResult, assemble, type Dialect } from './asm/assemble.js';
export * from './builder/index.js';
export * from './classify.js';
export * from './conformance.js';
export {
  type DisassembleOptions,
  disassemble,
  type FormatOptions,
  formatInstruction,
} from './disassembler.js';
export { generateIsaDoc } from './docs.js';
export * from './errors.js';
export {
  CLASS_NAMES,
  explainInstruction,
  explainOpcode,
  explainProgram,
  MODE_NAMES,
  SIZE_NAMES,
} from './explain.js';
export * from './groups.js';
export * from './helper-info.js';
export * from './instruction.js';
export * from './interp/index.js';
export * from './opcodes.js';
export * from './validity.js';
