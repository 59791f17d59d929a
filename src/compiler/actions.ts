// What a probe body asked for, as the compiler reads it: the probe context (src/probes/context.ts)
// records these in order, and compile.ts turns them into one BPF program.
import type { RecordLayout } from './record.js';
import type { Cond, KeyPart, Node, Value } from './value.js';

/** What a probe body asked for, in order. */
export type Action =
  | { op: 'filter'; cond: Cond }
  | { op: 'emit'; site: EmitSite }
  | { op: 'add'; map: string; key: KeyPart[]; value: Node | number }
  | { op: 'set'; map: string; key: KeyPart[]; value: Node }
  | { op: 'delete'; map: string; key: KeyPart[] }
  /** Computes `node` here and keeps it for later uses (`{ op: 'var', id }`). */
  | { op: 'let'; id: number; node: Node }
  /** `p.loop()`: the body's actions once per iteration, unrolled. */
  | { op: 'loop'; id: number; iterations: Action[][] }
  /** Leaves loop `loop` (break) or goes on to its next iteration (continue) when `cond` holds. */
  | { op: 'break' | 'continue'; loop: number; cond: Cond };

/** One `emit()` call: its record layout and the values to fill it with. */
export interface EmitSite {
  id: number;
  fields: { name: string; value: Value<unknown> }[];
  layout?: RecordLayout;
}
