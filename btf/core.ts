// CO-RE: relocating a program compiled against one set of type layouts (its own BTF) to the
// layouts of the kernel it runs on (the target BTF), as libbpf's relo_core does. Pure.
import { findMember as memberIn, resolveType, sizeOf } from './layout.js';
import type { Btf } from './parse.js';
import type { BtfType, Member } from './types.js';

/** Follows typedefs and modifiers to the underlying type's id. */
function skipMods(btf: Btf, id: number): number {
  return resolveType(btf, id).id;
}

/** bpf_core_relo_kind (include/uapi/linux/bpf.h). */
export const CoreKind = Object.freeze({
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
});
const KIND_NAMES = [
  'byte_off',
  'byte_sz',
  'field_exists',
  'signed',
  'lshift_u64',
  'rshift_u64',
  'local_type_id',
  'target_type_id',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
];
export function coreKindName(kind: number): string {
  return KIND_NAMES[kind] ?? `kind ${kind}`;
}

/** The call libbpf plants where a relocation cannot be resolved (the verifier then rejects it). */
export const CORE_POISON = 0xbad2310;

/** One relocation record: the instruction it patches, the local root type, the access string. */
export interface CoreRelocation {
  insn: number;
  typeId: number;
  access: string;
  kind: number;
}

/** What became of a relocation: the value written, or why the instruction was poisoned. */
export interface CoreResult {
  relocation: CoreRelocation;
  /** The value under the program's own BTF (what the compiler wrote). */
  local: bigint;
  /** The value for the target; undefined when poisoned. */
  target?: bigint;
  /** The target type id the relocation matched (0: none). */
  targetTypeId: number;
  /** Human description: kind, local type, access path, and the reason when poisoned. */
  description: string;
  /** The local type and access path, e.g. `struct point.y`, `enum color::BLUE`. */
  path: string;
  /** Field relocations: the field's byte size locally and in the target (0 for bitfields). */
  localSize?: number;
  targetSize?: number;
  /** Bitfield relocations are not checked against the compiler's value (its window may differ). */
  validate: boolean;
  poisoned: boolean;
}

/** A relocation that cannot be applied at all (bad record, instruction of the wrong shape). */
export class CoreError extends Error {
  override name = 'CoreError';
  constructor(
    message: string,
    readonly relocation?: CoreRelocation,
  ) {
    super(message);
  }
}

/** Strips a `___flavour` suffix: `task_struct___v2` → `task_struct`. */
export function essentialName(name: string): string {
  const i = name.indexOf('___');
  return i > 0 ? name.slice(0, i) : name;
}

const isField = (k: number) => k <= CoreKind.FIELD_RSHIFT_U64;
const isEnumval = (k: number) => k === CoreKind.ENUMVAL_EXISTS || k === CoreKind.ENUMVAL_VALUE;

interface Access {
  /** Member or element index. */
  idx: number;
  /** Member name for struct/union steps ('' for array steps and anonymous members). */
  name: string;
  /** Type the step lands on. */
  typeId: number;
  array: boolean;
}

interface Spec {
  btf: Btf;
  rootId: number;
  access: Access[];
  /** Bit offset of the field from the pointer's target (field relos). */
  bitOffset: number;
  /** Bitfield size (0 when not a bitfield). */
  bitSize: number;
  /** Enum relos: the enumerator's value. */
  enumValue?: bigint;
  /** Path as text, for messages: `struct point.y`. */
  path: string;
}

function typeLabel(btf: Btf, id: number): string {
  const t = btf.type(id);
  return t.name ? `${t.kind} ${t.name}` : `anonymous ${t.kind} [${id}]`;
}

/** The local spec: walks the access string over the program's own BTF. */
function localSpec(btf: Btf, r: CoreRelocation): Spec {
  const parts = r.access.split(':');
  if (parts.length === 0 || parts.some((p) => !/^\d+$/.test(p)))
    throw new CoreError(`bad access string '${r.access}'`, r);
  const nums = parts.map(Number);
  const spec: Spec = {
    btf,
    rootId: r.typeId,
    access: [],
    bitOffset: 0,
    bitSize: 0,
    path: typeLabel(btf, r.typeId),
  };
  if (isEnumval(r.kind)) {
    const e = btf.type(skipMods(btf, r.typeId));
    if ((e.kind !== 'enum' && e.kind !== 'enum64') || nums.length !== 1)
      throw new CoreError(`enum relocation on ${typeLabel(btf, r.typeId)} with access '${r.access}'`, r);
    const v = e.values[nums[0] as number];
    if (!v) throw new CoreError(`enumerator #${nums[0]} does not exist in ${typeLabel(btf, r.typeId)}`, r);
    spec.access.push({ idx: nums[0] as number, name: v.name, typeId: r.typeId, array: false });
    spec.enumValue = BigInt(v.value);
    spec.path += `::${v.name}`;
    return spec;
  }
  if (!isField(r.kind)) {
    if (r.access !== '0') throw new CoreError(`type relocation with access '${r.access}' (want '0')`, r);
    return spec;
  }
  // First number: index into an array of the root type (a pointer step).
  let bits = (nums[0] as number) * sizeOf(btf, r.typeId) * 8;
  let cur = r.typeId;
  spec.access.push({ idx: nums[0] as number, name: '', typeId: cur, array: true });
  if (nums[0] !== 0) spec.path += `[${nums[0]}]`;
  for (const n of nums.slice(1)) {
    const t = btf.type(skipMods(btf, cur));
    if (t.kind === 'struct' || t.kind === 'union') {
      const m = t.members[n];
      if (!m) throw new CoreError(`member #${n} does not exist in ${typeLabel(btf, t.id)}`, r);
      bits += m.bitOffset;
      spec.bitSize = m.bitfieldSize;
      cur = m.type;
      spec.access.push({ idx: n, name: m.name, typeId: cur, array: false });
      if (m.name) spec.path += `.${m.name}`;
    } else if (t.kind === 'array') {
      bits += n * sizeOf(btf, t.type) * 8;
      spec.bitSize = 0;
      cur = t.type;
      spec.access.push({ idx: n, name: '', typeId: cur, array: true });
      spec.path += `[${n}]`;
    } else {
      throw new CoreError(`access '${r.access}' steps into ${t.kind} ${typeLabel(btf, t.id)}`, r);
    }
  }
  spec.bitOffset = bits;
  return spec;
}

/** Are two field types compatible (libbpf's bpf_core_fields_are_compat)? */
function fieldsCompatible(lb: Btf, lid: number, tb: Btf, tid: number, depth = 0): boolean {
  if (depth > 32) return false;
  const l = lb.type(skipMods(lb, lid));
  const t = tb.type(skipMods(tb, tid));
  const composite = (k: string) => k === 'struct' || k === 'union';
  const enumLike = (k: string) => k === 'enum' || k === 'enum64';
  if (composite(l.kind) && composite(t.kind)) return true;
  if (enumLike(l.kind) && enumLike(t.kind)) return true;
  if (l.kind !== t.kind) {
    if ((l.kind === 'fwd' && composite(t.kind)) || (t.kind === 'fwd' && composite(l.kind))) return true;
    return false;
  }
  switch (l.kind) {
    case 'ptr':
    case 'float':
    case 'fwd':
    case 'int':
      return true;
    case 'array':
      return fieldsCompatible(lb, l.type, tb, (t as typeof l).type, depth + 1);
    default:
      return false;
  }
}

/** libbpf's bpf_core_types_are_compat: kinds agree through pointers, arrays and prototypes. */
function typesCompatible(lb: Btf, lid: number, tb: Btf, tid: number, depth = 0): boolean {
  if (depth > 32) return false;
  const l = lb.type(skipMods(lb, lid));
  const t = tb.type(skipMods(tb, tid));
  const enumLike = (k: string) => k === 'enum' || k === 'enum64';
  if (enumLike(l.kind) && enumLike(t.kind)) return true;
  if (l.kind !== t.kind) return false;
  switch (l.kind) {
    case 'void':
    case 'struct':
    case 'union':
    case 'fwd':
    case 'int':
    case 'float':
      return true;
    case 'ptr':
      return typesCompatible(lb, l.type, tb, (t as typeof l).type, depth + 1);
    case 'array':
      return typesCompatible(lb, l.type, tb, (t as typeof l).type, depth + 1);
    case 'func_proto': {
      const tp = t as typeof l;
      if (l.params.length !== tp.params.length) return false;
      if (!typesCompatible(lb, l.returnType, tb, tp.returnType, depth + 1)) return false;
      return l.params.every((p, i) =>
        typesCompatible(lb, p.type, tb, (tp.params[i] as typeof p).type, depth + 1),
      );
    }
    default:
      return false;
  }
}

/** libbpf's bpf_core_types_match (TYPE_MATCHES): a stricter, name-aware structural match. */
function typesMatch(lb: Btf, lid: number, tb: Btf, tid: number, depth = 0): boolean {
  if (depth > 32) return false;
  const l = lb.type(skipMods(lb, lid));
  const t = tb.type(skipMods(tb, tid));
  if (l.name && t.name && essentialName(l.name) !== essentialName(t.name)) return false;
  const enumLike = (k: string) => k === 'enum' || k === 'enum64';
  if (enumLike(l.kind) && enumLike(t.kind)) {
    const lv = (l as { values: { name: string }[] }).values;
    const tv = (t as { values: { name: string }[] }).values;
    return lv.every((v) => tv.some((w) => essentialName(w.name) === essentialName(v.name)));
  }
  if (l.kind !== t.kind) return l.kind === 'fwd' || t.kind === 'fwd';
  switch (l.kind) {
    case 'void':
    case 'fwd':
      return true;
    case 'int': {
      const ti = t as typeof l;
      return l.size === ti.size && l.signed === ti.signed;
    }
    case 'float':
      return l.size === (t as typeof l).size;
    case 'ptr':
      return typesMatch(lb, l.type, tb, (t as typeof l).type, depth + 1);
    case 'array': {
      const ta = t as typeof l;
      return l.nelems === ta.nelems && typesMatch(lb, l.type, tb, ta.type, depth + 1);
    }
    case 'struct':
    case 'union': {
      const tm = (t as typeof l).members;
      return l.members.every((m) => {
        const other = tm.find((x) => x.name === m.name);
        return (
          other !== undefined &&
          other.bitfieldSize === m.bitfieldSize &&
          typesMatch(lb, m.type, tb, other.type, depth + 1)
        );
      });
    }
    case 'func_proto': {
      const tp = t as typeof l;
      return (
        l.params.length === tp.params.length &&
        typesMatch(lb, l.returnType, tb, tp.returnType, depth + 1) &&
        l.params.every((p, i) => typesMatch(lb, p.type, tb, (tp.params[i] as typeof p).type, depth + 1))
      );
    }
    default:
      return false;
  }
}

function findMember(
  btf: Btf,
  typeId: number,
  name: string,
): { member: Member; bitOffset: number } | undefined {
  const t = resolveType(btf, typeId);
  return t.kind === 'struct' || t.kind === 'union' ? memberIn(btf, t, name) : undefined;
}

/** Matches a local field spec against one target candidate; undefined (with why) if it does not fit. */
function matchField(local: Spec, target: Btf, candId: number): { spec: Spec } | { why: string } {
  const spec: Spec = {
    btf: target,
    rootId: candId,
    access: [],
    bitOffset: 0,
    bitSize: 0,
    path: typeLabel(target, candId),
  };
  const first = local.access[0] as Access;
  let bits = first.idx * sizeOf(target, candId) * 8;
  let cur = candId;
  spec.access.push({ ...first, typeId: cur });
  for (const a of local.access.slice(1)) {
    const t = target.type(skipMods(target, cur));
    if (!a.array) {
      if (t.kind !== 'struct' && t.kind !== 'union')
        return { why: `${spec.path} is ${t.kind}, not a struct or union` };
      if (a.name === '') {
        // Anonymous member on the local side: libbpf matches by position only within the same
        // anonymous nesting; we descend by the next named access instead.
        continue;
      }
      const found = findMember(target, t.id, a.name);
      if (!found) return { why: `${spec.path} has no member '${a.name}'` };
      if (!fieldsCompatible(local.btf, a.typeId, target, found.member.type))
        return { why: `${spec.path}.${a.name} has an incompatible type` };
      bits += found.bitOffset;
      spec.bitSize = found.member.bitfieldSize;
      cur = found.member.type;
      spec.access.push({ idx: 0, name: a.name, typeId: cur, array: false });
      spec.path += `.${a.name}`;
    } else {
      if (t.kind !== 'array') return { why: `${spec.path} is ${t.kind}, not an array` };
      if (a.idx >= t.nelems && t.nelems !== 0)
        return { why: `${spec.path}[${a.idx}] is past the array's ${t.nelems} elements` };
      bits += a.idx * sizeOf(target, t.type) * 8;
      spec.bitSize = 0;
      cur = t.type;
      spec.access.push({ ...a, typeId: cur });
      spec.path += `[${a.idx}]`;
    }
  }
  spec.bitOffset = bits;
  return { spec };
}

/** The value of a field relocation under one spec (libbpf's bpf_core_calc_field_relo). */
function fieldValue(kind: number, spec: Spec): { value: bigint; byteSize: number } {
  const btf = spec.btf;
  const last = spec.access[spec.access.length - 1] as Access;
  const fieldType = last.typeId;
  const bitOff = spec.bitOffset;
  let byteSize: number;
  let byteOff: number;
  let bitSize: number;
  if (spec.bitSize === 0) {
    byteSize = sizeOf(btf, fieldType);
    byteOff = bitOff / 8;
    bitSize = byteSize * 8;
  } else {
    bitSize = spec.bitSize;
    byteSize = sizeOf(btf, fieldType);
    byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
      if (byteSize >= 8) throw new Error(`bitfield at bit ${bitOff} straddles 8 bytes`);
      byteSize *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSize) * byteSize;
    }
  }
  switch (kind) {
    case CoreKind.FIELD_BYTE_OFFSET:
      return { value: BigInt(byteOff), byteSize };
    case CoreKind.FIELD_BYTE_SIZE:
      return { value: BigInt(byteSize), byteSize };
    case CoreKind.FIELD_EXISTS:
      return { value: 1n, byteSize };
    case CoreKind.FIELD_SIGNED: {
      const t = btf.type(skipMods(btf, fieldType));
      const signed =
        (t.kind === 'int' && t.signed) || ((t.kind === 'enum' || t.kind === 'enum64') && t.signed);
      return { value: signed ? 1n : 0n, byteSize };
    }
    case CoreKind.FIELD_LSHIFT_U64:
      return { value: BigInt(64 - (bitOff + bitSize - byteOff * 8)), byteSize };
    case CoreKind.FIELD_RSHIFT_U64:
      return { value: BigInt(64 - bitSize), byteSize };
    default:
      throw new Error(`not a field relocation: ${kind}`);
  }
}

const flavourIndex = new WeakMap<Btf, Map<string, number[]>>();
function flavoured(btf: Btf): Map<string, number[]> {
  let index = flavourIndex.get(btf);
  if (!index) {
    index = new Map();
    for (let id = 1; id < btf.typeCount; id++) {
      const name = btf.nameOf(id);
      if (name.indexOf('___') <= 0) continue;
      const ess = essentialName(name);
      const list = index.get(ess) ?? [];
      list.push(id);
      index.set(ess, list);
    }
    flavourIndex.set(btf, index);
  }
  return index;
}

/** Target candidates: same kind family and same essential name. */
function candidates(local: Btf, localId: number, target: Btf): number[] {
  const t = local.type(skipMods(local, localId));
  const name = essentialName(local.type(localId).name || t.name);
  if (!name) return [];
  const kinds = t.kind === 'enum' || t.kind === 'enum64' ? ['enum', 'enum64'] : [t.kind];
  const out: number[] = [];
  for (const k of kinds) for (const c of target.findAll(name, k as BtfType['kind'])) out.push(c.id);
  // Target types with a flavour of their own (`point___v2`): rare (kernel BTF has none), so they
  // are indexed once per target BTF and only consulted when no exact name matched.
  if (out.length === 0)
    for (const id of flavoured(target).get(name) ?? [])
      if (kinds.includes(target.type(id).kind)) out.push(id);
  return out;
}

/** Computes one relocation (no patching). */
export function computeRelocation(r: CoreRelocation, local: Btf, target: Btf): CoreResult {
  const ls = localSpec(local, r);
  const name = coreKindName(r.kind);
  const base = `CO-RE ${name} relocation of ${ls.path}${isField(r.kind) ? ` (access ${r.access})` : ''}`;
  const localValue = (() => {
    if (isField(r.kind)) return fieldValue(r.kind, ls).value;
    switch (r.kind) {
      case CoreKind.TYPE_ID_LOCAL:
      case CoreKind.TYPE_ID_TARGET:
        return BigInt(r.typeId);
      case CoreKind.TYPE_EXISTS:
      case CoreKind.TYPE_MATCHES:
      case CoreKind.ENUMVAL_EXISTS:
        return 1n;
      case CoreKind.TYPE_SIZE:
        return BigInt(sizeOf(local, r.typeId));
      case CoreKind.ENUMVAL_VALUE:
        return ls.enumValue as bigint;
      default:
        throw new CoreError(`unknown CO-RE relocation kind ${r.kind}`, r);
    }
  })();
  const common = {
    relocation: r,
    local: localValue,
    path: ls.path,
    validate: !(isField(r.kind) && ls.bitSize > 0),
    ...(isField(r.kind) ? { localSize: Number(computeFieldSize(ls)) } : {}),
  };
  if (r.kind === CoreKind.TYPE_ID_LOCAL)
    return { ...common, target: localValue, targetTypeId: r.typeId, description: base, poisoned: false };

  const results: { value: bigint; id: number; size?: number }[] = [];
  const misses: string[] = [];
  const cands = candidates(local, r.typeId, target);
  for (const id of cands) {
    if (isField(r.kind)) {
      const m = matchField(ls, target, id);
      if ('why' in m) {
        misses.push(m.why);
        continue;
      }
      results.push({ value: fieldValue(r.kind, m.spec).value, id, size: Number(computeFieldSize(m.spec)) });
    } else if (isEnumval(r.kind)) {
      const e = target.type(skipMods(target, id));
      const want = essentialName((ls.access[0] as Access).name);
      const v =
        e.kind === 'enum' || e.kind === 'enum64'
          ? e.values.find((x) => essentialName(x.name) === want)
          : undefined;
      if (!v) {
        misses.push(`${typeLabel(target, id)} has no enumerator ${want}`);
        continue;
      }
      results.push({ value: r.kind === CoreKind.ENUMVAL_EXISTS ? 1n : BigInt(v.value), id });
    } else {
      const ok =
        r.kind === CoreKind.TYPE_MATCHES
          ? typesMatch(local, r.typeId, target, id)
          : typesCompatible(local, r.typeId, target, id);
      if (!ok) {
        misses.push(
          `${typeLabel(target, id)} is not ${r.kind === CoreKind.TYPE_MATCHES ? 'a match' : 'compatible'}`,
        );
        continue;
      }
      const value =
        r.kind === CoreKind.TYPE_SIZE
          ? BigInt(sizeOf(target, id))
          : r.kind === CoreKind.TYPE_ID_TARGET
            ? BigInt(id)
            : 1n;
      results.push({ value, id });
    }
  }
  if (results.length === 0) {
    const existence =
      r.kind === CoreKind.FIELD_EXISTS ||
      r.kind === CoreKind.TYPE_EXISTS ||
      r.kind === CoreKind.ENUMVAL_EXISTS ||
      r.kind === CoreKind.TYPE_MATCHES;
    const why =
      cands.length === 0
        ? `the target has no type named '${essentialName(local.type(r.typeId).name)}'`
        : misses.join('; ');
    if (existence)
      return { ...common, target: 0n, targetTypeId: 0, description: `${base}: ${why}`, poisoned: false };
    return { ...common, targetTypeId: 0, description: `${base}: ${why}`, poisoned: true };
  }
  const first = results[0] as { value: bigint; id: number; size?: number };
  const conflict = results.find((x) => x.value !== first.value && r.kind !== CoreKind.TYPE_ID_TARGET);
  if (conflict) {
    return {
      ...common,
      targetTypeId: 0,
      description: `${base}: ambiguous: candidates [${first.id}] and [${conflict.id}] give ${first.value} and ${conflict.value}`,
      poisoned: true,
    };
  }
  return {
    ...common,
    target: first.value,
    targetTypeId: first.id,
    ...(first.size !== undefined ? { targetSize: first.size } : {}),
    description: base,
    poisoned: false,
  };
}

/** The instruction fields CO-RE patches (structurally the isa Instruction; btf/ stays independent). */
export interface CoreInstruction {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  imm2?: number;
  source?: unknown;
}

const CLASS_MASK = 0x07;
const LDX = 0x01;
const ST = 0x02;
const STX = 0x03;
const ALU = 0x04;
const ALU64 = 0x07;
const MEM = 0x60;
const MEMSX = 0x80;
const SIZE_BYTES: Record<number, number> = { 0: 4, 8: 2, 16: 1, 24: 8 };
const SIZE_CODE: Record<number, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };

/**
 * Applies CO-RE relocations to `instructions` in place (libbpf's bpf_core_patch_insn): ALU
 * immediates, load/store offsets (and load sizes when the target field is narrower or wider),
 * lddw constants. An unresolvable relocation poisons its instruction with `call 0xbad2310`
 * (an lddw becomes two such calls, keeping the slot layout), and its result says why.
 */
export function applyCoreRelocations(
  instructions: CoreInstruction[],
  relocations: readonly CoreRelocation[],
  local: Btf,
  target: Btf,
): CoreResult[] {
  const results: CoreResult[] = [];
  const poison: number[] = [];
  for (const r of relocations) {
    const ins = instructions[r.insn];
    if (!ins) throw new CoreError(`relocation for instruction ${r.insn}, which does not exist`, r);
    const res = computeRelocation(r, local, target);
    results.push(res);
    if (res.poisoned) {
      poison.push(r.insn);
      continue;
    }
    const value = res.target as bigint;
    const cls = ins.code & CLASS_MASK;
    if (ins.code === 0x18) {
      const cur = (BigInt(ins.imm2 ?? 0) << 32n) | BigInt(ins.imm >>> 0);
      if (res.validate && BigInt.asUintN(64, cur) !== BigInt.asUintN(64, res.local))
        throw new CoreError(`${res.description}: lddw holds ${cur}, expected ${res.local}`, r);
      const v = BigInt.asUintN(64, value);
      ins.imm = Number(BigInt.asIntN(32, v & 0xffffffffn));
      ins.imm2 = Number(BigInt.asIntN(32, v >> 32n));
    } else if ((cls === ALU || cls === ALU64) && (ins.code & 0x08) === 0) {
      if (
        res.validate &&
        BigInt(ins.imm) !== BigInt.asIntN(32, res.local) &&
        BigInt(ins.imm >>> 0) !== res.local
      )
        throw new CoreError(`${res.description}: instruction has imm ${ins.imm}, expected ${res.local}`, r);
      if (value > 0xffffffffn || value < -0x80000000n)
        throw new CoreError(`${res.description}: value ${value} does not fit a 32-bit immediate`, r);
      ins.imm = Number(BigInt.asIntN(32, value));
    } else if (
      (cls === LDX || cls === ST || cls === STX) &&
      ((ins.code & 0xe0) === MEM || (ins.code & 0xe0) === MEMSX)
    ) {
      if (r.kind !== CoreKind.FIELD_BYTE_OFFSET)
        throw new CoreError(`${res.description}: a ${coreKindName(r.kind)} relocation on a memory access`, r);
      if (res.validate && BigInt(ins.off) !== res.local)
        throw new CoreError(
          `${res.description}: instruction has offset ${ins.off}, expected ${res.local}`,
          r,
        );
      if (value > 0x7fffn) throw new CoreError(`${res.description}: offset ${value} does not fit 16 bits`, r);
      ins.off = Number(value);
      // A field whose size changed: adjust the access size (libbpf does this for loads and stores).
      const size = SIZE_BYTES[ins.code & 0x18] as number;
      const localSize = res.localSize ?? 0;
      const targetSize = res.targetSize ?? 0;
      if (
        localSize === size &&
        targetSize !== size &&
        targetSize > 0 &&
        SIZE_CODE[targetSize] !== undefined
      ) {
        ins.code = (ins.code & ~0x18) | (SIZE_CODE[targetSize] as number);
      }
    } else {
      throw new CoreError(`${res.description}: cannot patch opcode 0x${ins.code.toString(16)}`, r);
    }
  }
  // Poison last, highest index first: an lddw turns into two one-slot calls.
  for (const i of [...new Set(poison)].sort((a, b) => b - a)) {
    const old = instructions[i] as CoreInstruction;
    const call = (): CoreInstruction => {
      const c: CoreInstruction = { code: 0x85, dst: 0, src: 0, off: 0, imm: CORE_POISON };
      if (old.source) c.source = old.source;
      return c;
    };
    if (old.code === 0x18 && old.imm2 !== undefined) instructions.splice(i, 1, call(), call());
    else instructions[i] = call();
  }
  return results;
}

function computeFieldSize(spec: Spec): bigint {
  return spec.bitSize === 0 ? fieldValue(CoreKind.FIELD_BYTE_SIZE, spec).value : 0n;
}
