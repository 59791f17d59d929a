// One probe body's actions → one BPF program. Layout: R6 = ctx; the tracer-wide filters; each
// action in the order the body called it; `return 0`. Emits compute every value before they
// reserve ring buffer space (a map miss or filter may still end the probe, and a reservation must
// never be left open), then fill the record in place and submit it.
import { type Builder, program, R0, R1, R2, R3, R4, R6, R9, R10 } from '../../isa/builder/index.js';
import type { Instruction } from '../../isa/instruction.js';
import type { Action, EmitSite } from './actions.js';
import { CodeGen, mapRef } from './codegen.js';
import { recordLayout } from './record.js';
import type { Cond, KeyPart, Node } from './value.js';

/** Builder map reference names. */
export const RINGBUF_REF = 'events';
export const LOST_REF = 'lost';
/** Per-CPU count of map updates the kernel refused (a keyed map full): never lost silently. */
export const DROPPED_REF = 'dropped';
export { mapRef };

const LOAD = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as const;
const NOEXIST = 1;

export interface CompileInput {
  actions: readonly Action[];
  /** Tracer-wide conditions (pid, comm), checked first. */
  filters: readonly Cond[];
  /** Maps with no key are per-CPU arrays of one entry. */
  keyless: (map: string) => boolean;
  /** A keyless counter to bump at each new key of `map` (LRU maps: evictions = inserts - live keys). */
  inserts?: (map: string) => string | undefined;
}

export function compileProbe(input: CompileInput): Instruction[] {
  const b = program({ sourcePositions: false });
  const g = new CodeGen(b, 'probe_exit');
  b.mov(R6, R1);
  for (const f of input.filters) g.branch(f, g.exitLabel, false);
  const loops = new Map<number, { end: string; next: string }>();
  for (const a of input.actions) compileAction(g, a, input, loops);
  b.label(g.exitLabel).mov(R0, 0).exit();
  return b.build().instructions;
}

/** `loops`: the labels of each loop being compiled (its end, its current iteration's end). */
function compileAction(
  g: CodeGen,
  a: Action,
  input: CompileInput,
  loops: Map<number, { end: string; next: string }>,
): void {
  const b = g.b;
  switch (a.op) {
    case 'loop': {
      // Unrolled: straight-line copies of the body, which every verifier accepts.
      const end = b.newLabel('loop_end');
      for (const actions of a.iterations) {
        const next = b.newLabel('loop_next');
        loops.set(a.id, { end, next });
        for (const x of actions) compileAction(g, x, input, loops);
        b.label(next);
      }
      loops.delete(a.id);
      b.label(end);
      return;
    }
    case 'break':
    case 'continue': {
      const at = loops.get(a.loop);
      if (!at) throw new Error(`internal: ${a.op} outside its loop`);
      g.branch(a.cond, a.op === 'break' ? at.end : at.next, true);
      return;
    }
    case 'filter':
      g.branch(a.cond, g.exitLabel, false);
      return;
    case 'emit':
      emit(g, a.site);
      return;
    case 'add':
      if (input.keyless(a.map)) addKeyless(g, mapRef(a.map), a.value);
      else addKeyed(g, mapRef(a.map), a.key, a.value, input.inserts?.(a.map));
      return;
    case 'set': {
      const val = b.stackAlloc(8, 8);
      g.scalar(a.value);
      b.stx('u64', R10, val, R0);
      const key = g.key(a.key);
      b.ldMap(R1, mapRef(a.map)).mov(R2, R10).add(R2, key).mov(R3, R10).add(R3, val).mov(R4, 0);
      b.call('map_update_elem');
      const stored = b.newLabel('set_done');
      b.jeq(R0, 0, stored);
      addKeyless(g, DROPPED_REF, 1);
      b.label(stored);
      return;
    }
    case 'let': {
      const slot = b.stackAlloc(8, 8);
      g.scalar(a.node);
      b.stx('u64', R10, slot, R0);
      g.vars.set(a.id, slot);
      return;
    }
    case 'delete': {
      const key = g.key(a.key);
      b.ldMap(R1, mapRef(a.map)).mov(R2, R10).add(R2, key).call('map_delete_elem');
      return;
    }
  }
}

/** Keeps `value` in R1 or a stack slot; returns how to load it back into R1. */
function amount(g: CodeGen, value: Node | number): (b: Builder) => void {
  if (typeof value === 'number') return (b) => b.mov(R1, value);
  const slot = g.b.stackAlloc(8, 8);
  g.scalar(value);
  g.b.stx('u64', R10, slot, R0);
  return (b) => b.ldx('u64', R1, R10, slot);
}

/** A per-CPU array of one u64: no atomics, no hashing (what bpftrace's `@ = count()` costs). */
function addKeyless(g: CodeGen, ref: string, value: Node | number): void {
  const b = g.b;
  const load = amount(g, value);
  const key = b.stackAlloc(4, 4);
  const skip = b.newLabel('add_done');
  b.st('u32', R10, key, 0).ldMap(R1, ref).mov(R2, R10).add(R2, key).call('map_lookup_elem');
  b.jeq(R0, 0, skip);
  if (typeof value === 'number') b.ldx('u64', R1, R0, 0).add(R1, value).stx('u64', R0, 0, R1);
  else {
    load(b);
    b.ldx('u64', R2, R0, 0).add(R2, R1).stx('u64', R0, 0, R2);
  }
  b.label(skip);
}

/** A hash of u64: atomic add to an existing entry, else insert (and add after losing a race). */
function addKeyed(g: CodeGen, ref: string, key: KeyPart[], value: Node | number, insertsRef?: string): void {
  const b = g.b;
  const load = amount(g, value);
  const at = g.key(key);
  const done = b.newLabel('add_done');
  const insert = b.newLabel('add_insert');
  const add = (b: Builder) => {
    load(b);
    b.atomic('add', 'u64', R0, 0, R1).ja(done);
  };
  b.ldMap(R1, ref).mov(R2, R10).add(R2, at).call('map_lookup_elem').jeq(R0, 0, insert);
  add(b);
  b.label(insert);
  const val = b.stackAlloc(8, 8);
  load(b);
  b.stx('u64', R10, val, R1);
  b.ldMap(R1, ref)
    .mov(R2, R10)
    .add(R2, at)
    .mov(R3, R10)
    .add(R3, val)
    .mov(R4, NOEXIST)
    .call('map_update_elem');
  if (insertsRef) {
    const raced = b.newLabel('add_raced');
    b.jne(R0, 0, raced);
    addKeyless(g, insertsRef, 1);
    b.ja(done).label(raced);
  } else b.jeq(R0, 0, done);
  // Another CPU inserted the key first: add to its entry. Not there either: the map is full.
  const found = b.newLabel('add_found');
  b.ldMap(R1, ref).mov(R2, R10).add(R2, at).call('map_lookup_elem').jne(R0, 0, found);
  addKeyless(g, DROPPED_REF, 1);
  b.ja(done);
  b.label(found);
  add(b);
  b.label(done);
}

function emit(g: CodeGen, site: EmitSite): void {
  const b = g.b;
  site.layout ??= recordLayout(site.fields.map((f) => ({ name: f.name, type: f.value.type as never })));
  const layout = site.layout;
  // 1. Every scalar (and every string's address) into a stack slot, while nothing is reserved.
  const slots = site.fields.map((f) => {
    const s = f.value.str;
    const node = s ? ('addr' in s ? s.addr : undefined) : f.value.node;
    if (!node) return undefined;
    const slot = b.stackAlloc(8, 8);
    g.scalar(node);
    b.stx('u64', R10, slot, R0);
    return slot;
  });
  // 2. Reserve; when the ring is full, count the loss and end.
  const reserved = b.newLabel('reserved');
  b.ldMap(R1, RINGBUF_REF).mov(R2, layout.size).mov(R3, 0).call('ringbuf_reserve');
  b.jne(R0, 0, reserved);
  addKeyless(g, LOST_REF, 1);
  b.ja(g.exitLabel);
  // 3. Fill in place and submit.
  b.label(reserved).mov(R9, R0).st('u32', R9, 0, site.id);
  layout.fields.forEach((f, i) => {
    const v = site.fields[i]?.value;
    const slot = slots[i];
    if (v?.str) {
      const str =
        'addr' in v.str && slot !== undefined
          ? { ...v.str, addr: { op: 'stack', off: slot } as Node }
          : v.str;
      g.stringInto(str, R9, f.offset, f.size);
    } else if (slot !== undefined) {
      b.ldx('u64', R0, R10, slot).stx(LOAD[f.size as 1 | 2 | 4 | 8], R9, f.offset, R0);
    }
  });
  b.mov(R1, R9).mov(R2, 0).call('ringbuf_submit');
}
