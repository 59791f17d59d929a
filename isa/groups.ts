// Conformance groups (RFC 9669 §2.4): which group each encoding belongs to, by the RFC's rules,
// and which encodings are Linux extensions the RFC does not define. docs/isa.md's group column
// and `tsbpf asm --explain` read this one table; test/isa/rfc-tables.test.ts checks it against
// the RFC's opcode list.

import { classify } from './classify.js';
import type { Instruction } from './instruction.js';
import { Size } from './opcodes.js';

export type ConformanceGroup =
  | 'base32'
  | 'base64'
  | 'atomic32'
  | 'atomic64'
  | 'divmul32'
  | 'divmul64'
  | 'packet';

/** A group of RFC 9669, or `linux` for an encoding the RFC does not define (a kernel or LLVM extension). */
export type GroupOrExtension = ConformanceGroup | 'linux';

export const CONFORMANCE_GROUPS: readonly {
  name: ConformanceGroup;
  includes?: ConformanceGroup;
  what: string;
}[] = [
  { name: 'base32', what: 'every instruction not placed in another group (RFC 9669 §2.4)' },
  {
    name: 'base64',
    includes: 'base32',
    what: 'ALU64, JMP (64-bit compares), DW loads/stores, lddw, 64-bit byte swaps',
  },
  { name: 'atomic32', what: '32-bit atomic operations (§5.3)' },
  { name: 'atomic64', includes: 'atomic32', what: '64-bit atomic operations (§5.3)' },
  { name: 'divmul32', what: '32-bit multiply, divide and modulo (§4.1)' },
  { name: 'divmul64', includes: 'divmul32', what: '64-bit multiply, divide and modulo (§4.1)' },
  { name: 'packet', what: 'the legacy packet loads ld_abs/ld_ind (§5.5, historical)' },
];

/** Linux-only encodings: the kernel version that introduced each, for the docs. */
export const LINUX_EXTENSIONS: Readonly<Record<string, string>> = {
  may_goto: 'Linux 6.9: bounded-loop escape (JMP | 0xe0)',
  addr_space_cast: 'Linux 6.9: arena pointer cast (ALU64 MOV X, off 1)',
  load_acquire: 'Linux 6.15: load-acquire (STX | ATOMIC, imm 0x100)',
  store_release: 'Linux 6.15: store-release (STX | ATOMIC, imm 0x110)',
  callx: 'LLVM only: indirect call (JMP | CALL | X); the kernel rejects it (unknown opcode 8d)',
};

/** The conformance group of an encoding, `linux` for an extension, undefined if it is invalid. */
export function groupOf(ins: Instruction): GroupOrExtension | undefined {
  const d = classify(ins);
  switch (d.kind) {
    case 'invalid':
      return undefined;
    case 'alu': {
      const n = d.op.name;
      const divmul = n === 'mul' || n === 'div' || n === 'sdiv' || n === 'mod' || n === 'smod';
      if (divmul) return d.wide ? 'divmul64' : 'divmul32';
      return d.wide ? 'base64' : 'base32';
    }
    case 'endian':
      return d.bits === 64 ? 'base64' : 'base32';
    case 'jcond':
      return d.wide ? 'base64' : 'base32';
    case 'ja':
    case 'call':
    case 'exit':
      // "All CALL and JA instructions belong to the base32 conformance group" (§4.3); EXIT too (Appendix A).
      return 'base32';
    case 'lddw':
      return 'base64';
    case 'ld_packet':
      return 'packet';
    case 'load':
    case 'store':
    case 'store_imm':
      // "Instructions using DW belong to the base64 conformance group" (§5); the rest is base32.
      return d.size === Size.DW ? 'base64' : 'base32';
    case 'atomic':
      if (d.op.name === 'load_acquire' || d.op.name === 'store_release') return 'linux';
      return d.size === Size.DW ? 'atomic64' : 'atomic32';
    case 'may_goto':
    case 'callx':
    case 'addr_space_cast':
      return 'linux';
  }
}
