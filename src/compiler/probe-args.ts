// What the probe compiler knows of a probe's arguments: for each, its type and the expression that
// reads it. Where those come from (registers, the trampoline's array, a tracepoint record) is the
// attach kind's business (src/probes/args.ts); the compiler only reads these descriptions.
import type { ValueType } from './types.js';
import type { Node, StrNode } from './value.js';

export interface ArgDef {
  name: string;
  type: ValueType;
  /** Scalar (int or pointer) expression; strings have `str` instead. */
  node?: Node;
  str?: StrNode;
  /** A struct pointer a syscall record stands in for: the members it gives (no address). */
  members?: Record<string, ArgDef>;
  /** BTF type id of the declared type (0: none). */
  btfType: number;
  /** The C declaration, for listings (`struct filename *name`). */
  decl: string;
  /** Why this argument cannot be read (the others still can): thrown when a probe uses it. */
  error?: string;
}

export interface ProbeArgs {
  args: ArgDef[];
  ret?: ArgDef;
}
