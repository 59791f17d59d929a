// What a user asks of types: resolve typedefs and modifiers, sizes, alignment, member offsets,
// field paths (`task_struct.mm.arg_start`, through anonymous members and `a[3]`), function prototypes.
// Every walk is bounded, so corrupt BTF with a typedef cycle gives a BtfError, never a hang.
import { BtfError } from './error.js';
import type { Btf } from './parse.js';
import type { BtfType, FuncProtoType, Member, Param, StructType, UnionType } from './types.js';

/** Longest chain of typedefs/modifiers/arrays we follow before calling it a cycle (the kernel allows 32). */
export const MAX_RESOLVE_DEPTH = 64;
const POINTER_SIZE = 8;

const isModifier = (k: string): boolean =>
  k === 'const' || k === 'volatile' || k === 'restrict' || k === 'type_tag';

function cycle(btf: Btf, id: number): BtfError {
  return new BtfError(
    `type [${id}]: chain of typedefs/modifiers is too deep or cyclic`,
    btf.recordOffset(id),
  );
}

/** Follows typedefs and const/volatile/restrict/type_tag to the underlying type. */
export function resolveType(btf: Btf, id: number): BtfType {
  let t = btf.type(id);
  for (let depth = 0; t.kind === 'typedef' || isModifier(t.kind); depth++) {
    if (depth > MAX_RESOLVE_DEPTH) throw cycle(btf, id);
    t = btf.type((t as { type: number }).type);
  }
  return t;
}

/** Follows only const/volatile/restrict/type_tag (keeps typedef names). */
export function skipModifiers(btf: Btf, id: number): BtfType {
  let t = btf.type(id);
  for (let depth = 0; isModifier(t.kind); depth++) {
    if (depth > MAX_RESOLVE_DEPTH) throw cycle(btf, id);
    t = btf.type((t as { type: number }).type);
  }
  return t;
}

/** sizeof(type) in bytes. Throws BtfError for types without a size (void, func, fwd). */
export function sizeOf(btf: Btf, id: number): number {
  let mult = 1;
  let t = btf.type(id);
  for (let depth = 0; ; depth++) {
    if (depth > MAX_RESOLVE_DEPTH) throw cycle(btf, id);
    switch (t.kind) {
      case 'int':
      case 'enum':
      case 'enum64':
      case 'struct':
      case 'union':
      case 'float':
      case 'datasec':
        return mult * t.size;
      case 'ptr':
        return mult * POINTER_SIZE;
      case 'typedef':
      case 'const':
      case 'volatile':
      case 'restrict':
      case 'type_tag':
      case 'var':
        t = btf.type(t.type);
        break;
      case 'array':
        mult *= t.nelems;
        if (mult > 0xffffffff) throw new BtfError(`type [${id}]: array size overflows`, btf.recordOffset(id));
        t = btf.type(t.type);
        break;
      default:
        throw new BtfError(`type [${id}] (${t.kind}) has no size`, btf.recordOffset(t.id));
    }
  }
}

/** Natural alignment in bytes, as libbpf computes it (1 for a struct whose layout shows it packed). */
export function alignOf(btf: Btf, id: number): number {
  return alignWalk(btf, id, new Map(), 0);
}

// `memo` makes shared sub-structures cost once (corrupt BTF can build exponential DAGs); 0 marks
// a type being computed, so an embedding cycle is an error rather than a hang.
function alignWalk(btf: Btf, id: number, memo: Map<number, number>, depth: number): number {
  const known = memo.get(id);
  if (known === 0 || depth > MAX_RESOLVE_DEPTH) throw cycle(btf, id);
  if (known !== undefined) return known;
  memo.set(id, 0);
  const t = btf.type(id);
  let a: number;
  switch (t.kind) {
    case 'int':
    case 'enum':
    case 'enum64':
    case 'float':
      a = Math.max(1, Math.min(POINTER_SIZE, t.size));
      break;
    case 'ptr':
      a = POINTER_SIZE;
      break;
    case 'typedef':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'type_tag':
    case 'array':
      a = alignWalk(btf, t.type, memo, depth + 1);
      break;
    case 'struct':
    case 'union': {
      let max = 1;
      a = 0;
      for (const m of t.members) {
        const ma = alignWalk(btf, m.type, memo, depth + 1);
        max = Math.max(max, ma);
        if (m.bitfieldSize === 0 && m.bitOffset % (8 * ma) !== 0) {
          a = 1;
          break;
        }
      }
      if (a === 0) a = t.size % max === 0 ? max : 1;
      break;
    }
    default:
      throw new BtfError(`type [${id}] (${t.kind}) has no alignment`, btf.recordOffset(id));
  }
  memo.set(id, a);
  return a;
}

/** A struct with a member off its natural alignment, or a size not a multiple of it, was packed. */
export function isPacked(btf: Btf, t: StructType | UnionType): boolean {
  let max = 1;
  for (const m of t.members) {
    let a = 0;
    try {
      a = alignOf(btf, m.type);
    } catch (e) {
      if (!(e instanceof BtfError)) throw e; // a member without alignment (fwd, void): ignore it, as libbpf does
    }
    if (a && m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return true;
    max = Math.max(max, a);
  }
  return t.size % max !== 0;
}

/** A located field: where it is relative to the object that holds it. */
export interface FieldLocation {
  /** The field's type id (unresolved: typedefs kept). */
  type: number;
  /** Byte offset from the start of the last object reached (after the last pointer hop). */
  offset: number;
  /** Bit offset from the same start (differs from offset*8 only for bitfields). */
  bitOffset: number;
  /** Non-zero for a bitfield. */
  bitfieldSize: number;
  /** sizeof the field's type in bytes (0 for types without a size, e.g. flexible arrays of fwd). */
  size: number;
  /**
   * Pointers followed on the way: each names the pointer field's location in its object. A path
   * `task_struct.mm.arg_start` has one hop (`mm` at its offset in task_struct); `offset` is then
   * arg_start's place in mm_struct.
   */
  hops: { path: string; offset: number; type: number }[];
}

type Step = { name: string } | { index: number };

function parsePath(path: string): Step[] {
  const steps: Step[] = [];
  const re = /\s*(?:\.?\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(\d+)\s*\]|(->))/y;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m || re.lastIndex === at) throw new BtfError(`bad field path '${path}' at character ${at + 1}`, -1);
    if (m[1] !== undefined) steps.push({ name: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    at = re.lastIndex;
  }
  return steps;
}

/** The member called `name` of a struct/union, searching inside anonymous members; with its bit offset. */
export function findMember(
  btf: Btf,
  t: StructType | UnionType,
  name: string,
  depth = 0,
  searched = new Set<number>(),
): { member: Member; bitOffset: number } | undefined {
  if (depth > MAX_RESOLVE_DEPTH) throw cycle(btf, t.id);
  searched.add(t.id); // a type searched once without success never has it (keeps corrupt DAGs linear)
  for (const m of t.members) if (m.name === name) return { member: m, bitOffset: m.bitOffset };
  for (const m of t.members) {
    if (m.name !== '') continue;
    const inner = resolveType(btf, m.type);
    if ((inner.kind !== 'struct' && inner.kind !== 'union') || searched.has(inner.id)) continue;
    const found = findMember(btf, inner, name, depth + 1, searched);
    if (found) return { member: found.member, bitOffset: m.bitOffset + found.bitOffset };
  }
  return undefined;
}

/**
 * Walks `path` from a root type: `'task_struct.mm.arg_start'` (root named first) or, with `root`
 * given, `'mm.arg_start'`. Pointers are followed (recorded as hops); `[n]` indexes arrays.
 */
export function fieldPath(btf: Btf, path: string, root?: number): FieldLocation {
  const steps = parsePath(path);
  let id: number;
  if (root === undefined) {
    const first = steps.shift();
    if (!first || !('name' in first))
      throw new BtfError(`field path '${path}' must start with a type name`, -1);
    const found =
      btf.find(first.name, 'struct') ?? btf.find(first.name, 'union') ?? btf.find(first.name, 'typedef');
    if (!found) throw new BtfError(`no struct, union or typedef named '${first.name}'`, -1);
    id = found.id;
  } else {
    id = root;
  }
  let bitOffset = 0;
  let bitfieldSize = 0;
  const hops: FieldLocation['hops'] = [];
  let walked = '';
  for (const step of steps) {
    let t = resolveType(btf, id);
    if (t.kind === 'ptr' && 'name' in step) {
      hops.push({ path: walked, offset: bitOffset >>> 3, type: id });
      bitOffset = 0;
      t = resolveType(btf, t.type);
    }
    if ('name' in step) {
      if (t.kind !== 'struct' && t.kind !== 'union')
        throw new BtfError(
          `'${walked || path}' is ${describe(t)}, not a struct or union: no member '${step.name}'`,
          -1,
        );
      const found = findMember(btf, t, step.name);
      if (!found) throw new BtfError(`${t.kind} ${t.name || '(anon)'} has no member '${step.name}'`, -1);
      bitOffset += found.bitOffset;
      bitfieldSize = found.member.bitfieldSize;
      id = found.member.type;
      walked += walked ? `.${step.name}` : step.name;
    } else {
      if (t.kind !== 'array')
        throw new BtfError(`'${walked}' is ${describe(t)}, not an array: cannot index [${step.index}]`, -1);
      if (t.nelems !== 0 && step.index >= t.nelems)
        throw new BtfError(`index [${step.index}] out of bounds: '${walked}' has ${t.nelems} elements`, -1);
      bitOffset += step.index * sizeOf(btf, t.type) * 8;
      bitfieldSize = 0;
      id = t.type;
      walked += `[${step.index}]`;
    }
  }
  let size = 0;
  try {
    size = sizeOf(btf, id);
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
  }
  return { type: id, offset: bitOffset >>> 3, bitOffset, bitfieldSize, size, hops };
}

function describe(t: BtfType): string {
  return t.name ? `${t.kind} ${t.name}` : `an anonymous ${t.kind}`;
}

/** A function's signature from its FUNC record. */
export interface FunctionSignature {
  id: number;
  name: string;
  linkage: string;
  returnType: number;
  params: Param[];
  /** True when the last parameter is `...`. */
  variadic: boolean;
}

/** `do_unlinkat` → FUNC → FUNC_PROTO → return type and named parameters. */
export function functionSignature(btf: Btf, name: string): FunctionSignature {
  const fn = btf.find(name, 'func');
  if (fn?.kind !== 'func') throw new BtfError(`no function named '${name}'`, -1);
  const proto = btf.type(fn.type);
  if (proto.kind !== 'func_proto')
    throw new BtfError(`func ${name} points at ${proto.kind}, not a func_proto`, btf.recordOffset(fn.id));
  return signatureOf(fn.id, fn.name, fn.linkage, proto);
}

function signatureOf(id: number, name: string, linkage: string, proto: FuncProtoType): FunctionSignature {
  const last = proto.params[proto.params.length - 1];
  const variadic = last !== undefined && last.type === 0;
  return {
    id,
    name,
    linkage,
    returnType: proto.returnType,
    params: variadic ? proto.params.slice(0, -1) : proto.params,
    variadic,
  };
}
