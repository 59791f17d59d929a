// tsbpf/isa: the eBPF instruction set. Pure: no Node APIs, no FFI.
export * from './opcodes.js';
export * from './instruction.js';
export * from './classify.js';
