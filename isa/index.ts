// tsbpf/isa: the eBPF instruction set. Pure: no Node APIs, no FFI.
export * from './opcodes.js';
export * from './instruction.js';
export * from './classify.js';
export * from './errors.js';
export { assemble, type AssembleOptions, type AssembleResult, type Dialect } from './assembler.js';
export {
  disassemble,
  formatInstruction,
  type DisassembleOptions,
  type FormatOptions,
} from './disassembler.js';
export * from './interpreter.js';
export * from './conformance.js';
export * from './helpers.js';
export * from './builder.js';
export { generateIsaDoc } from './docs.js';
