// Text → instructions: the assembler's entry point. Two dialects share the line loop, labels,
// directives, ranges and error collection (core.ts); each parses its own statements:
//  - 'llvm' (llvm.ts): the C-like syntax llvm-objdump, llvm-mc, bpftool and the verifier log print;
//  - 'ubpf' (ubpf.ts): the mnemonic syntax of the BPF conformance suite.

import type { AssembleOptions, AssembleResult } from './core.js';
import { LlvmAssembler } from './llvm.js';
import { UbpfAssembler } from './ubpf.js';

export type { AssembleOptions, AssembleResult, Dialect } from './core.js';

/** Assembles eBPF text. Throws AssemblerError listing every bad line. */
export function assemble(text: string, options: AssembleOptions = {}): AssembleResult {
  const assembler =
    options.dialect === 'ubpf' ? new UbpfAssembler(text, options) : new LlvmAssembler(text, options);
  return assembler.run();
}
