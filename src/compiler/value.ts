// Probe values: what `p.arg('name')`, `p.pid()` or `x.field('f')` return. A value is an
// expression tree, compiled only when a probe's output (emit, count, hist, filter) uses it, so the
// same value may be used twice and nothing unused costs an instruction.
import { findMember, resolveType, sizeOf } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';
import type { CompareOp } from '../../isa/builder/index.js';
import { didYouMean, nearestNames } from './nearest.js';
import { OBJECT_DEFAULT_MAX, OBJECT_LIMIT, objectType } from './object-type.js';
import {
  btfValueType,
  type Decoded,
  elemSize,
  type IntSize,
  type IntType,
  type PtrType,
  S64,
  type StrType,
  U8,
  U64,
  type ValueType,
} from './types.js';

export type AluName = 'add' | 'sub' | 'mul' | 'div' | 'mod' | 'and' | 'or' | 'xor' | 'lsh' | 'rsh';

/** A scalar expression: its result fits a register. */
export type Node =
  | { op: 'const'; value: bigint }
  /** A load from the program's context (R6): tracepoint fields, pt_regs, tracing arguments. */
  | { op: 'ctx'; off: number; size: IntSize; signed: boolean }
  /** A helper that takes no arguments (or, with `ctx`, the program's context alone); `part` keeps the upper or lower 32 bits. */
  | { op: 'call'; helper: string; part?: 'hi' | 'lo'; ctx?: boolean }
  | { op: 'alu'; alu: AluName; a: Node; b: Node; signed: boolean }
  /** `size` bytes at address `addr`, through bpf_probe_read_{kernel,user}. */
  | { op: 'read'; addr: Node; size: IntSize; signed: boolean; user: boolean }
  /** Truncated to `size` bytes and zero- or sign-extended back to 64 bits. */
  | { op: 'cast'; a: Node; size: IntSize; signed: boolean }
  /**
   * 0 for 0, else 1 + floor(log2(a)): the log2 histogram's bucket; with `signed`, a negative value
   * goes to NEGATIVE_BUCKET (bpftrace's `(..., 0)`) rather than reading as a huge unsigned one.
   */
  | { op: 'log2'; a: Node; signed?: boolean }
  /** min(max((a - min) / step, -1), n) + 1: a linear histogram's bucket (0: under, n + 1: over). */
  | { op: 'linear'; a: Node; min: number; step: number; n: number }
  /** A value computed earlier and kept in the stack slot at `off` (from R10). */
  | { op: 'stack'; off: number }
  /** bpf_get_stackid(ctx, map, flags): the id of the current kernel (or user) stack in `map`. */
  | { op: 'stackid'; map: string; user: boolean }
  /** The value a `let` action computed (where the body asked for it, not where it is used). */
  | { op: 'var'; id: number }
  /** The value stored in map `map` under `key` (the probe ends quietly when there is none). */
  | { op: 'lookup'; map: string; key: KeyPart[]; size: IntSize; signed: boolean }
  /** bpf_get_attach_cookie(ctx): the value the attachment that ran the program carries. */
  | { op: 'cookie' }
  /** The node of the case whose `value` equals `on`, or 0 when none does (per-site USDT arguments). */
  | { op: 'select'; on: Node; cases: { value: bigint; node: Node }[] };

/** A string or byte expression: up to `size` bytes, NUL-terminated for strings, exact for bytes. */
export type StrNode =
  | { op: 'str'; addr: Node; user: boolean; size: number }
  /** `size` bytes at `addr` as they are (arrays, addresses). */
  | { op: 'bytes'; addr: Node; user: boolean; size: number }
  /** The strings of a NULL-terminated pointer array at `addr` (argv): a u32 count, then `count` slots of `size`. */
  | { op: 'strs'; addr: Node; user: boolean; count: number; size: number }
  | { op: 'comm'; size: number }
  /** A char array inside the tracepoint record. */
  | { op: 'ctxbytes'; off: number; size: number }
  /** A `__data_loc char[]` field: the record's u32 at `off` locates the string in the record. */
  | { op: 'dataloc'; off: number; size: number };

/** One part of a map key: a scalar or a string. */
export type KeyPart = { node: Node; type: IntType | PtrType } | { str: StrNode; type: StrType };

export type Cond =
  | { op: 'cmp'; cmp: CompareOp; a: Node; b: Node }
  | { op: 'and' | 'or'; a: Cond; b: Cond }
  | { op: 'not'; a: Cond }
  | { op: 'streq'; s: StrNode; text: string };

/** Where a value's BTF type comes from (for `.field()`). */
export interface ValueEnv {
  btf(): Btf;
  /** Where untyped pointers point by default: user memory for uprobes and syscall records. */
  readonly userMemory: boolean;
}

/** An argument, member or return value as its type says; narrow on `kind` for its JavaScript type. */
export type TypedValue = IntValue | PtrValue | StrValue;
/** An integer: decodes as `number`. */
export type IntValue = Value<number> & { readonly kind: 'int'; readonly type: IntType };
/** A pointer: decodes as `bigint`; `.field()` follows it, `.string()` reads a char pointer. */
export type PtrValue = Value<bigint> & { readonly kind: 'ptr'; readonly type: PtrType };
/** A string (a char array or a read char pointer): decodes as `string`. */
export type StrValue = Value<string> & { readonly kind: 'str'; readonly type: StrType };
/** A struct (or union) seen through a pointer: reach its members with `.field()`. */
export type StructValue = Value<Record<string, unknown>> & { readonly kind: 'struct' };

/** A condition for `p.filter()`; combine with `and`, `or`, `not`. */
export class Condition {
  /** @internal */
  constructor(readonly cond: Cond) {}
  and(other: Condition): Condition {
    return new Condition({ op: 'and', a: this.cond, b: other.cond });
  }
  or(other: Condition): Condition {
    return new Condition({ op: 'or', a: this.cond, b: other.cond });
  }
  not(): Condition {
    return new Condition({ op: 'not', a: this.cond });
  }
}

/** An operand of arithmetic and comparisons: another value or a constant. */
export type Operand = Value<unknown> | number | bigint;

function operandNode(x: Operand, what: string): Node {
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) throw new TypeError(`${what}: ${x} is not an integer`);
    return { op: 'const', value: BigInt(x) };
  }
  if (typeof x === 'bigint') return { op: 'const', value: x };
  return x.scalar(what);
}

function isSigned(x: Operand): boolean {
  if (typeof x === 'number' || typeof x === 'bigint') return x < 0;
  return x.type.kind === 'int' && x.type.signed;
}

/**
 * A value a probe can read: an integer, a pointer, a string, or a struct seen through a pointer
 * (whose fields `.field()` reaches). `T` is what it decodes to in JavaScript.
 */
export class Value<T = number> {
  declare readonly __decoded: T;
  /** Element `i` of an array (`p.arg('args')[1]`): the same as `.at(i)`. */
  readonly [index: number]: Value<number | bigint>;
  /** @internal */
  constructor(
    readonly env: ValueEnv,
    readonly type: ValueType | { kind: 'struct'; id: number; user: boolean },
    /** @internal scalar expression (ints and pointers), or the address of a struct. */
    readonly node: Node | undefined,
    /** @internal string expression. */
    readonly str: StrNode | undefined,
    /** What the value is, for messages (`arg name`, `name->name`). */
    readonly label: string,
  ) {
    // Fixed arrays index like JavaScript arrays; the getters only build expressions.
    if (type.kind === 'array')
      for (let i = 0; i < Math.min(type.length, 4096); i++)
        Object.defineProperty(this, i, { get: () => this.at(i), enumerable: false });
  }

  /** What the value is: an integer, a pointer, a string or a struct (narrows to IntValue, PtrValue…). */
  get kind(): 'int' | 'ptr' | 'str' | 'struct' | 'array' | 'inet' | 'strs' | 'object' {
    return this.type.kind;
  }

  /** @internal the scalar expression, or an error naming what the value is instead. */
  scalar(what: string): Node {
    if (this.node && (this.type.kind === 'int' || this.type.kind === 'ptr')) return this.node;
    const names: Record<string, string> = {
      str: 'a string',
      struct: 'a struct',
      array: `an array (read one element: .at(i) or [i])`,
      inet: 'an address',
      strs: 'a list of strings',
      object: 'a whole struct',
    };
    throw new TypeError(
      `${what}: '${this.label}' is ${names[this.type.kind] ?? this.type.kind}, not a number`,
    );
  }

  /** @internal the string expression. */
  string_(what: string): StrNode {
    if (this.str && this.type.kind === 'str') return this.str;
    throw new TypeError(`${what}: '${this.label}' is not a string (a char pointer or array; use .string())`);
  }

  /**
   * Element `i` of a fixed array (`p.arg('args').at(1)`), or of the memory a pointer points at
   * (`p.arg('argv').at(1)` reads argv[1]). `i` is a constant: the verifier needs bounded reads.
   */
  at(i: number): Value<number | bigint> {
    if (!Number.isInteger(i) || i < 0) throw new RangeError(`at(${i}): the index must be an integer >= 0`);
    const t = this.type;
    const label = `${this.label}[${i}]`;
    if (t.kind === 'array') {
      if (i >= t.length) throw new RangeError(`at(${i}): '${this.label}' has ${t.length} elements`);
      const size = elemSize(t.elem);
      const signed = t.elem.kind === 'int' && t.elem.signed;
      const s = this.str as StrNode;
      const node: Node =
        s.op === 'ctxbytes'
          ? { op: 'ctx', off: s.off + i * size, size, signed }
          : {
              op: 'read',
              addr: offsetBy((s as { addr: Node }).addr, i * size),
              size,
              signed,
              user: (s as { user: boolean }).user,
            };
      return new Value(this.env, t.elem, node, undefined, label);
    }
    if (t.kind === 'ptr') {
      const base = this.node as Node;
      let elem: IntType | PtrType | undefined = t.elem;
      if (!elem && t.to !== 0) {
        const btf = this.env.btf();
        const to = resolveType(btf, t.to);
        if (to.kind === 'struct' || to.kind === 'union')
          return new Value(
            this.env,
            { kind: 'struct', id: to.id, user: t.user },
            offsetBy(base, i * sizeOf(btf, to.id)),
            undefined,
            label,
          ) as Value<number | bigint>;
        const vt = btfValueType(btf, t.to, t.user, `at(${i}) of '${this.label}'`);
        if (vt.kind === 'int' || vt.kind === 'ptr') elem = vt;
      }
      if (!elem && t.char) elem = U8;
      if (!elem)
        throw new TypeError(`at(${i}): what '${this.label}' points at is unknown; use .as('type') first`);
      const size = elemSize(elem);
      const signed = elem.kind === 'int' && elem.signed;
      const node: Node = { op: 'read', addr: offsetBy(base, i * size), size, signed, user: t.user };
      return new Value(this.env, elem, node, undefined, label);
    }
    throw new TypeError(`at(${i}): '${this.label}' is not an array or a pointer`);
  }

  /**
   * `length` elements of what this pointer points at, read as one array (decoded to a JavaScript
   * array): `p.arg('fds').array(4)`, `p.constant(addr).as('void *').array(512)`.
   */
  array(length: number): Value<(number | bigint)[]> {
    if (!Number.isInteger(length) || length < 1 || length > 4096)
      throw new RangeError(`array(${length}): the length must be in 1..4096`);
    const first = this.at(0);
    const t = first.type;
    if (t.kind !== 'int' && t.kind !== 'ptr')
      throw new TypeError(`array(): '${this.label}' points at structs; read their fields with .at(i)`);
    const user = this.type.kind === 'ptr' ? this.type.user : this.env.userMemory;
    const size = elemSize(t) * length;
    return new Value(
      this.env,
      { kind: 'array', elem: t, length },
      undefined,
      { op: 'bytes', addr: this.node as Node, user, size },
      this.label,
    );
  }

  /**
   * The whole struct (or union) this value is or points at, copied into the record and decoded to
   * a nested object: `p.emit({ addr: p.arg('uservaddr').as('sockaddr_in', { user: true }).object() })`.
   * Members by name, nested structs as objects, arrays as arrays, char arrays as strings,
   * pointers as bigint. At most `max` bytes (default 1024, up to 16384): larger structs are
   * refused rather than filling every record. `emit` does this for a struct on its own.
   */
  object(opts: { max?: number } = {}): Value<Record<string, unknown>> {
    const max = opts.max ?? OBJECT_DEFAULT_MAX;
    if (!Number.isInteger(max) || max < 1 || max > OBJECT_LIMIT)
      throw new RangeError(`object(): max ${max} is not in 1..${OBJECT_LIMIT}`);
    let v: Value<unknown> = this;
    if (v.type.kind === 'object') return v as Value<Record<string, unknown>>;
    if (v.type.kind === 'ptr' && v.type.to !== 0) v = v.at(0);
    const t = v.type;
    if (t.kind !== 'struct')
      throw new TypeError(
        `object(): '${this.label}' is not a struct or a pointer to one${this.type.kind === 'ptr' ? " (its type is unknown: .as('struct NAME') first)" : ''}`,
      );
    const type = objectType(this.env.btf(), t.id, max, this.label);
    return new Value(
      this.env,
      type,
      undefined,
      { op: 'bytes', addr: v.node as Node, user: t.user, size: type.size },
      this.label,
    );
  }

  /**
   * The strings of a NULL-terminated array of char pointers (`argv`, `envp`): up to `max`
   * strings (default 20) of up to `size` bytes each (default 64), read in the kernel with an
   * unrolled, bounded loop. Decodes to `string[]`.
   */
  strings(opts: { max?: number; size?: number } = {}): Value<string[]> {
    const t = this.type;
    const max = opts.max ?? 20;
    const size = opts.size ?? 64;
    if (!Number.isInteger(max) || max < 1 || max > 128)
      throw new RangeError(`strings(): max ${max} is not in 1..128`);
    if (!Number.isInteger(size) || size < 1 || size > 1024)
      throw new RangeError(`strings(): size ${size} is not in 1..1024`);
    if (!(t.kind === 'ptr' || (t.kind === 'int' && t.size === 8)))
      throw new TypeError(`strings(): '${this.label}' is not a pointer to an array of strings`);
    const user = t.kind === 'ptr' ? t.user : this.env.userMemory;
    return new Value(
      this.env,
      { kind: 'strs', count: max, size },
      undefined,
      { op: 'strs', addr: this.node as Node, user, count: max, size },
      this.label,
    );
  }

  /**
   * An IPv4 or IPv6 address as bpftrace's ntop() prints it (`127.0.0.1`, `::1`): from a 4- or
   * 16-byte array or struct (`saddr_v6`, `struct in6_addr`), or a 4-byte integer in network order.
   */
  ntop(): Value<string> {
    const t = this.type;
    if (t.kind === 'int' && t.size === 4 && this.node)
      return new Value(this.env, { kind: 'inet', size: 4 }, this.node, undefined, this.label);
    let bytes: number | undefined;
    let src: StrNode | undefined;
    if (t.kind === 'array') {
      bytes = elemSize(t.elem) * t.length;
      src = this.str;
    } else if (t.kind === 'struct') {
      bytes = sizeOf(this.env.btf(), t.id);
      src = { op: 'bytes', addr: this.node as Node, user: t.user, size: bytes };
    }
    if ((bytes === 4 || bytes === 16) && src)
      return new Value(this.env, { kind: 'inet', size: bytes }, undefined, src, this.label);
    throw new TypeError(
      `ntop(): '${this.label}' is not an address (a 4-byte integer, or a 4- or 16-byte array or struct)`,
    );
  }

  /**
   * A member of the struct this value points at (or is): `p.arg('name').field('name')`. Nested
   * members and pointers follow with more `.field()` calls, or a dotted path: `field('mm.arg_start')`.
   */
  field(path: string): TypedValue | StructValue {
    let v: Value<unknown> = this;
    for (const part of path.split('.')) {
      // `name[2]`, `[1]` (an element of this value), `name[0][3]`.
      const m = /^([A-Za-z_]\w*)?((?:\[\d+\])*)$/.exec(part);
      if (!m || (!m[1] && !m[2]))
        throw new TypeError(`field '${path}': '${part}' is not a member name or [index]`);
      if (m[1]) v = v.member(m[1], path);
      for (const ix of (m[2] as string).match(/\d+/g) ?? []) v = v.at(Number(ix));
    }
    return v as TypedValue | StructValue;
  }

  /** @internal one member; `path` is the whole path asked for, for messages. */
  member(name: string, path: string): Value<unknown> {
    const at = path === name ? `field '${name}'` : `field '${path}'`;
    try {
      return this.#member(name);
    } catch (err) {
      if (err instanceof TypeError && path !== name && err.message.startsWith(`field '${name}'`))
        throw new TypeError(`${at}${err.message.slice(`field '${name}'`.length)}`);
      throw err;
    }
  }

  #member(name: string): Value<unknown> {
    const btf = this.env.btf();
    let structId: number;
    let base: Node;
    let user: boolean;
    if (this.type.kind === 'struct') {
      structId = this.type.id;
      base = this.node as Node;
      user = this.type.user;
    } else if (this.type.kind === 'ptr' && this.type.to !== 0) {
      structId = this.type.to;
      base = this.node as Node;
      user = this.type.user;
    } else {
      throw new TypeError(`field '${name}': '${this.label}' is not a pointer to a struct with a known type`);
    }
    const t = resolveType(btf, structId);
    if (t.kind !== 'struct' && t.kind !== 'union')
      throw new TypeError(`field '${name}': '${this.label}' points at a ${t.kind}, not a struct or union`);
    const found = findMember(btf, t, name);
    if (!found) {
      const names = t.members.map((m) => m.name).filter(Boolean);
      const near = nearestNames(name, names);
      throw new TypeError(
        `field '${name}': ${t.kind} ${t.name || '(anonymous)'} has no member '${name}'${near.length > 0 ? `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?` : ` (it has: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''})`}`,
      );
    }
    if (found.member.bitfieldSize !== 0)
      throw new TypeError(
        `field '${name}' of ${t.kind} ${t.name} is a bitfield, which probes do not read yet`,
      );
    const off = found.bitOffset / 8;
    const addr: Node =
      off === 0
        ? base
        : { op: 'alu', alu: 'add', a: base, b: { op: 'const', value: BigInt(off) }, signed: false };
    const label = `${this.label}->${name}`;
    const mt = resolveType(btf, found.member.type);
    if (mt.kind === 'struct' || mt.kind === 'union')
      return new Value(this.env, { kind: 'struct', id: mt.id, user }, addr, undefined, label);
    const vt = btfValueType(btf, found.member.type, user, `field '${label}'`);
    if (vt.kind === 'str')
      return new Value(this.env, vt, undefined, { op: 'str', addr, user, size: vt.size }, label);
    if (vt.kind === 'array') {
      const size = elemSize(vt.elem) * vt.length;
      return new Value(this.env, vt, undefined, { op: 'bytes', addr, user, size }, label);
    }
    if (vt.kind !== 'int' && vt.kind !== 'ptr') throw new TypeError(`field '${label}': not readable`);
    const size = vt.kind === 'ptr' ? 8 : vt.size;
    const signed = vt.kind === 'int' && vt.signed;
    return new Value(this.env, vt, { op: 'read', addr, size, signed, user }, undefined, label);
  }

  /** What a pointer points at, from BTF: `{ kind: 'struct', name: 'filename' }`; undefined if unknown. */
  pointee(): { kind: string; name: string } | undefined {
    if (this.type.kind !== 'ptr' || this.type.to === 0) return undefined;
    const t = resolveType(this.env.btf(), this.type.to);
    return { kind: t.kind, name: t.name };
  }

  /**
   * The NUL-terminated string this char pointer (or char array) holds, at most `max` bytes
   * (default 64, or the array's size). `user` overrides where the memory lives.
   */
  string(max?: number, opts: { user?: boolean } = {}): StrValue {
    if (this.str && this.type.kind === 'str') {
      const size = Math.min(max ?? this.str.size, this.str.size);
      return new Value(
        this.env,
        { kind: 'str', size },
        undefined,
        { ...this.str, size },
        this.label,
      ) as StrValue;
    }
    // A pointer, or a register-sized integer holding one (uprobe arguments have no types).
    const t = this.type;
    if (t.kind !== 'ptr' && !(t.kind === 'int' && t.size === 8))
      throw new TypeError(
        `string(): '${this.label}' is ${t.kind === 'int' ? `a ${t.size}-byte integer` : 'a struct'}, not a char pointer`,
      );
    const size = max ?? 64;
    if (!Number.isInteger(size) || size < 1 || size > 4096)
      throw new RangeError(`string(): size ${size} is not in 1..4096`);
    const user = opts.user ?? (t.kind === 'ptr' ? t.user : this.env.userMemory);
    return new Value(
      this.env,
      { kind: 'str', size },
      undefined,
      { op: 'str', addr: this.node as Node, user, size },
      this.label,
    ) as StrValue;
  }

  #cast(size: IntSize, signed: boolean): IntValue {
    const a = this.scalar(`cast of '${this.label}'`);
    return new Value(
      this.env,
      { kind: 'int', size, signed },
      { op: 'cast', a, size, signed },
      undefined,
      this.label,
    ) as IntValue;
  }
  u8(): IntValue {
    return this.#cast(1, false);
  }
  u16(): IntValue {
    return this.#cast(2, false);
  }
  u32(): IntValue {
    return this.#cast(4, false);
  }
  u64(): IntValue {
    return this.#cast(8, false);
  }
  s8(): IntValue {
    return this.#cast(1, true);
  }
  s16(): IntValue {
    return this.#cast(2, true);
  }
  s32(): IntValue {
    return this.#cast(4, true);
  }
  s64(): IntValue {
    return this.#cast(8, true);
  }

  /** Reinterprets an integer as a pointer to BTF type `typeName` (`'struct file'`) in kernel memory. */
  as(typeName: string, opts: { user?: boolean } = {}): PtrValue {
    const user = opts.user ?? false;
    if (/\*\s*$/.test(typeName)) {
      // A pointer to pointers (`void *`, `struct file *`): elements read as addresses.
      const inner = typeName.replace(/\*\s*$/, '').trim();
      const to = inner === 'void' || inner.endsWith('*') ? 0 : this.as(inner, opts).type;
      const elem: PtrType =
        typeof to === 'object' && to.kind === 'ptr' ? to : { kind: 'ptr', to: 0, user, char: false };
      return new Value(
        this.env,
        { kind: 'ptr', to: 0, user, char: false, elem },
        this.scalar(`as('${typeName}')`),
        undefined,
        this.label,
      ) as unknown as PtrValue;
    }
    const btf = this.env.btf();
    const m = /^\s*(struct|union)?\s*([A-Za-z_][\w ]*?)\s*$/.exec(typeName);
    const id = m
      ? (btf.findId(m[2] as string, (m[1] as 'struct' | 'union' | undefined) ?? 'struct') ??
        (m[1] ? undefined : (btf.findId(m[2] as string, 'typedef') ?? btf.findId(m[2] as string, 'int'))))
      : undefined;
    if (id === undefined) throw new TypeError(`as('${typeName}'): no such type in the kernel's BTF`);
    const to = resolveType(btf, id);
    const char = to.kind === 'int' && to.size === 1;
    return new Value(
      this.env,
      { kind: 'ptr', to: id, user: opts.user ?? false, char },
      this.scalar(`as('${typeName}')`),
      undefined,
      this.label,
    ) as PtrValue;
  }

  #alu(alu: AluName, x: Operand, sign = isSigned(this) || isSigned(x)): IntValue {
    const a = this.scalar(alu);
    const b = operandNode(x, alu);
    return new Value(
      this.env,
      sign ? S64 : U64,
      { op: 'alu', alu, a, b, signed: sign },
      undefined,
      `${this.label} ${alu}`,
    ) as IntValue;
  }
  add(x: Operand): IntValue {
    return this.#alu('add', x);
  }
  sub(x: Operand): IntValue {
    return this.#alu('sub', x);
  }
  mul(x: Operand): IntValue {
    return this.#alu('mul', x);
  }
  /** Unsigned division (the kernel's BPF_DIV; signed division needs cpu v4). */
  div(x: Operand): IntValue {
    return this.#alu('div', x, false);
  }
  mod(x: Operand): IntValue {
    return this.#alu('mod', x, false);
  }
  and(x: Operand): IntValue {
    return this.#alu('and', x);
  }
  or(x: Operand): IntValue {
    return this.#alu('or', x);
  }
  xor(x: Operand): IntValue {
    return this.#alu('xor', x);
  }
  shl(x: Operand): IntValue {
    return this.#alu('lsh', x);
  }
  /** Shift right: arithmetic for signed values. */
  shr(x: Operand): IntValue {
    return this.#alu('rsh', x);
  }

  #cmp(op: 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge', x: Operand): Condition {
    const signed = isSigned(this) || isSigned(x);
    const ops = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;
    let cmp: CompareOp = ops[op];
    if (signed && op !== 'eq' && op !== 'ne') cmp = `s${cmp}` as CompareOp;
    return new Condition({ op: 'cmp', cmp, a: this.scalar(op), b: operandNode(x, op) });
  }
  /** Equality: with a string, compares the string value (`p.comm().eq('bash')`). */
  eq(x: Operand | string): Condition {
    if (typeof x === 'string') return new Condition({ op: 'streq', s: this.string_('eq'), text: x });
    return this.#cmp('eq', x);
  }
  ne(x: Operand | string): Condition {
    return this.eq(x).not();
  }
  lt(x: Operand): Condition {
    return this.#cmp('lt', x);
  }
  le(x: Operand): Condition {
    return this.#cmp('le', x);
  }
  gt(x: Operand): Condition {
    return this.#cmp('gt', x);
  }
  ge(x: Operand): Condition {
    return this.#cmp('ge', x);
  }
}

/** `base + off` (no add for 0). */
function offsetBy(base: Node, off: number): Node {
  if (off === 0) return base;
  return { op: 'alu', alu: 'add', a: base, b: { op: 'const', value: BigInt(off) }, signed: false };
}

/** A value from a type: `Value<number>` for ints, `Value<bigint>` for pointers, `Value<string>`. */
export type ValueOf<T extends ValueType> = Value<Decoded<T>>;

/** @internal a scalar value. */
export function scalarValue<T>(env: ValueEnv, type: IntType | PtrType, node: Node, label: string): Value<T> {
  return new Value<T>(env, type, node, undefined, label);
}

/** @internal a string value. */
export function stringValue(env: ValueEnv, str: StrNode, label: string): Value<string> {
  return new Value<string>(env, { kind: 'str', size: str.size }, undefined, str, label);
}

/**
 * A struct pointer a syscall record stands in for (a kernel function's `struct filename *name`
 * read from `sys_enter_unlink`'s `pathname`): only the members the record gives, no address.
 */
export class StandInValue extends Value<bigint> {
  readonly #members: Record<string, () => Value<unknown>>;
  /** @internal */
  constructor(env: ValueEnv, type: PtrType, members: Record<string, () => Value<unknown>>, label: string) {
    super(env, type, undefined, undefined, label);
    this.#members = members;
  }

  #gives(): string {
    return Object.keys(this.#members).join(', ');
  }

  /** @internal */
  override member(name: string, path: string): Value<unknown> {
    const get = Object.hasOwn(this.#members, name) ? this.#members[name] : undefined;
    if (!get)
      throw new TypeError(
        `field '${path}': '${this.label}' is read from a syscall record, which gives only ${this.#gives()}${didYouMean(name, Object.keys(this.#members))}`,
      );
    return get();
  }

  /** @internal */
  override scalar(what: string): Node {
    throw new TypeError(
      `${what}: '${this.label}' is read from a syscall record, which holds no such struct; use one of its fields (${this.#gives()})`,
    );
  }

  override string(): StrValue {
    return this.scalar('string()') as never;
  }
}
