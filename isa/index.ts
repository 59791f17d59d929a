// tsbpf/isa: the eBPF instruction set. Pure: no Node APIs, no FFI.
export * from './opcodes.js';
export * from './instruction.js';
export * from './classify.js';
export * from './errors.js';
export { assemble, type AssembleOptions, type AssembleResult, type Dialect } from './assembler.js';
export { disassemble, formatInstruction, type DisassembleOptions, type FormatOptions } from './disassembler.js';
