// tsbpf/isa program builder: typed registers, labels, subprograms, helper calls by name and
// late-bound map references. The guide is docs/builder.md.
export { type AtomicName, Builder, type CompareOp, program } from './builder.js';
export { BuilderError } from './errors.js';
export type { LoadSize, Operand, StoreSize } from './operands.js';
export type { BuilderOptions } from './program.js';
export {
  type AnyRegister,
  FP,
  isRegister,
  R0,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R8,
  R9,
  R10,
  type Register,
  type Register32,
  type RegisterIndex,
  reg,
  W0,
  W1,
  W2,
  W3,
  W4,
  W5,
  W6,
  W7,
  W8,
  W9,
  W10,
} from './registers.js';
export type { BuildResult } from './resolve.js';
