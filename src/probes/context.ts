// The `p` a probe body receives: its arguments and return value as typed values, the current
// task's pid/tid/comm/…, and the things a probe does — filter, emit a record, count, sum,
// histogram, remember a value for another probe. Calls are recorded in order; compile.ts turns
// them into one BPF program.
import type { Btf } from '../../btf/parse.js';
import type { Action, EmitSite } from '../compiler/actions.js';
import { didYouMean } from '../compiler/nearest.js';
import type { ArgDef, ProbeArgs } from '../compiler/probe-args.js';
import { type IntType, type PtrType, S64, type StrType, U32, U64 } from '../compiler/types.js';
import { isReturnProbe, type ProbeKind } from './spec.js';

export type { Action, EmitSite };

/** The map `p.stack()` records stacks in. */
export const STACKS_MAP = 'stacks';

import {
  Condition,
  type IntValue,
  type KeyPart,
  type Node,
  type PtrValue,
  StandInValue,
  type StrValue,
  scalarValue,
  stringValue,
  type TypedValue,
  Value,
  type ValueEnv,
} from '../compiler/value.js';

/** A map key: one value, or a tuple of values. */
export type KeyInput = Value<unknown> | readonly Value<unknown>[];

/** The JavaScript type of a key, as an aggregation's `entries()` gives it back: one value for a single key, a tuple for a tuple, undefined for none. */
export type KeyOf<K> = [K] extends [undefined]
  ? undefined
  : K extends readonly Value<unknown>[]
    ? { -readonly [I in keyof K]: K[I] extends Value<infer T> ? T : never }
    : K extends Value<infer T>
      ? T
      : unknown;

/** The aggregations a probe body declared (name → key type): none yet. */
// biome-ignore lint/complexity/noBannedTypes: the empty map that `count()`, `sum()`… extend
export type NoMaps = {};

/** `M` with map `N` keyed by `K`'s type. */
export type WithMap<M, N extends string, K> = M & { [P in N]: KeyOf<K> };

/** A value to add or store: a probe value or a constant. */
export type Amount = Value<unknown> | number;

export type AggregationKind = 'count' | 'sum' | 'hist' | 'lhist' | 'store' | 'stacks';

/** The most iterations `p.loop()` unrolls: the verifier checks every copy of the body. */
export const LOOP_MAX = 256;

/** Given to each iteration of `p.loop()`'s body. */
export interface LoopControl {
  /** Ends the loop here when `cond` holds: no later iteration runs. */
  breakIf(cond: Condition): void;
  /** Skips the rest of this iteration when `cond` holds. */
  continueIf(cond: Condition): void;
}

/** A map a probe uses, declared by its first use; later uses must agree. */
export interface MapUse {
  name: string;
  kind: AggregationKind;
  key: (IntType | PtrType | StrType)[];
  keyNames: string[];
  /** lhist bounds. */
  linear?: { min: number; max: number; step: number };
}

/** What the probe's owner provides: emit site ids and the map registry. */
export interface ProbeHost {
  newSite(fields: EmitSite['fields']): EmitSite;
  useMap(use: MapUse, where: string): void;
}

/** The record type an emit produces: each field's decoded JavaScript type. */
export type Emitted<F> = { [K in keyof F]: F[K] extends Value<infer T> ? T : never };

/** Returned by `p.emit()`: carries the record type to `tracer.probe()`'s listeners. */
export interface Emit<T> {
  readonly site: EmitSite;
  /** Type-level only. */
  readonly __record?: T;
}

function keyParts(key: KeyInput | undefined, what: string): { parts: KeyPart[]; names: string[] } {
  const list =
    key === undefined
      ? []
      : Array.isArray(key)
        ? (key as readonly Value<unknown>[])
        : [key as Value<unknown>];
  const parts = list.map((v): KeyPart => {
    if (v.type.kind === 'str') return { str: v.string_(what), type: v.type };
    if (v.type.kind === 'struct')
      throw new TypeError(`${what}: '${v.label}' is a struct; key on one of its fields`);
    const node = v.scalar(what); // arrays, addresses and lists are not keys: this says so
    return { node, type: v.type as IntType | PtrType };
  });
  return { parts, names: list.map((v) => v.label) };
}

/**
 * Which probe point of a probe fired, for `func()`/`probe()`: its index into `functions` and
 * `probes` — a constant where the program serves one point, else the attach cookie each point's
 * link carries (a wildcard probe attached as one multi link, or one program on many links).
 */
export interface ProbePoints {
  functions: readonly string[];
  probes: readonly string[];
  index: number | 'cookie';
}

export class ProbeContext<M = NoMaps> {
  /** Type-level only: the aggregations this body declared, for `probe.aggregation(name)`. */
  declare readonly __maps?: M;
  readonly kind: ProbeKind;
  /** The function, tracepoint or symbol probed. */
  readonly target: string;
  /** @internal */
  readonly actions: Action[] = [];
  readonly #env: ValueEnv;
  readonly #args: ProbeArgs;
  readonly #host: ProbeHost;
  readonly #points: ProbePoints;
  /** Ids of `let` values and of loops; loops whose body is being built. */
  #vars = 0;
  #loops = 0;
  readonly #open = new Set<number>();

  /** @internal */
  constructor(
    kind: ProbeKind,
    target: string,
    args: ProbeArgs,
    btf: () => Btf,
    host: ProbeHost,
    userMemory: boolean,
    points?: ProbePoints,
  ) {
    this.kind = kind;
    this.target = target;
    this.#args = args;
    this.#host = host;
    this.#points = points ?? { functions: [target], probes: [`${kind}:${target}`], index: 0 };
    this.#env = { btf, userMemory };
  }

  #value(a: ArgDef, label = a.name): TypedValue {
    if (a.members) {
      const members: Record<string, () => Value<unknown>> = {};
      for (const [name, m] of Object.entries(a.members))
        members[name] = () => this.#value(m, `${label}->${name}`);
      return new StandInValue(this.#env, a.type as PtrType, members, label) as unknown as PtrValue;
    }
    if (a.error !== undefined) throw new TypeError(a.error);
    if (a.type.kind === 'array')
      return new Value(this.#env, a.type, undefined, a.str, label) as unknown as TypedValue;
    if (a.str) return stringValue(this.#env, a.str, label) as StrValue;
    return scalarValue(this.#env, a.type as IntType | PtrType, a.node as Node, label) as IntValue | PtrValue;
  }

  /** The argument called `name` (or at position `index`), typed from BTF or the tracepoint format. */
  arg(which: string | number): TypedValue {
    const args = this.#args.args;
    // `args[1]`: an element of an array argument, as the format's print fmt names it.
    const element = typeof which === 'string' ? /^(\w+)\[(\d+)\]$/.exec(which) : null;
    if (element && args.some((x) => x.name === element[1] && x.type.kind === 'array'))
      return this.arg(element[1] as string).at(Number(element[2])) as unknown as TypedValue;
    const a = typeof which === 'number' ? args[which] : args.find((x) => x.name === which);
    if (!a) {
      const list = args.map((x) => x.name).join(', ') || 'none';
      const why = isReturnProbe(this.kind) ? ' (a return probe sees only ret())' : '';
      const near =
        typeof which === 'string'
          ? didYouMean(
              which,
              args.map((x) => x.name),
            )
          : '';
      throw new TypeError(
        `${this.kind}:${this.target} has no argument ${typeof which === 'number' ? `#${which}` : `'${which}'`}${why}${near || `; it has: ${list}`}`,
      );
    }
    return this.#value(a);
  }

  /** Every readable argument by name, with its C declaration. */
  args(): { name: string; decl: string; value: TypedValue }[] {
    // An argument no probe can read (its error says why when named) is left out.
    return this.#args.args
      .filter((a) => a.error === undefined)
      .map((a) => ({ name: a.name, decl: a.decl, value: this.#value(a) }));
  }

  /** Whether the probe can see a return value (return probes, syscall exit tracepoints). */
  get hasReturn(): boolean {
    return this.#args.ret !== undefined;
  }

  /** The return value (kretprobe, fexit, uretprobe, sys_exit_* tracepoints). */
  ret(): TypedValue {
    const r = this.#args.ret;
    if (!r)
      throw new TypeError(
        `${this.kind}:${this.target} has no return value (use a return probe: kretprobe, fexit, uretprobe)`,
      );
    return this.#value(r);
  }

  #call(helper: string, part: 'hi' | 'lo' | undefined, type: IntType, label: string): Value<number> {
    return scalarValue<number>(this.#env, type, { op: 'call', helper, part }, label);
  }
  /** Process id (the thread group id). */
  pid(): Value<number> {
    return this.#call('get_current_pid_tgid', 'hi', U32, 'pid');
  }
  /** Thread id. */
  tid(): Value<number> {
    return this.#call('get_current_pid_tgid', 'lo', U32, 'tid');
  }
  uid(): Value<number> {
    return this.#call('get_current_uid_gid', 'lo', U32, 'uid');
  }
  gid(): Value<number> {
    return this.#call('get_current_uid_gid', 'hi', U32, 'gid');
  }
  /** Nanoseconds since boot (CLOCK_MONOTONIC). */
  ktime(): Value<number> {
    return this.#call('ktime_get_ns', undefined, U64, 'ktime');
  }
  cpu(): Value<number> {
    return this.#call('get_smp_processor_id', undefined, U32, 'cpu');
  }
  /** The task's cgroup v2 id. */
  cgroup(): Value<number> {
    return this.#call('get_current_cgroup_id', undefined, U64, 'cgroup');
  }
  /**
   * The current task (`struct task_struct *`, bpftrace's `curtask`), in every probe kind: its
   * fields read through BTF at this kernel's offsets, `p.task().field('real_parent.tgid')`.
   */
  task(): Value<bigint> {
    const id = this.#env.btf().findId('task_struct', 'struct');
    if (id === undefined) throw new TypeError("task(): the kernel's BTF has no struct task_struct");
    return scalarValue<bigint>(
      this.#env,
      { kind: 'ptr', to: id, user: false, char: false },
      { op: 'call', helper: 'get_current_task' },
      'task',
    );
  }

  /** The task's command name (16 bytes). */
  comm(): Value<string> {
    return stringValue(this.#env, { op: 'comm', size: 16 }, 'comm');
  }
  /**
   * The id of the current kernel stack (user stack with `{ user: true }`) in the tracer's stack
   * map: use it as a key, then `tracer.stack(id)` gives the frames.
   */
  stack(opts: { user?: boolean } = {}): Value<number> {
    this.#host.useMap({ name: STACKS_MAP, kind: 'stacks', key: [], keyNames: [] }, 'stack()');
    return scalarValue<number>(
      this.#env,
      S64,
      { op: 'stackid', map: STACKS_MAP, user: opts.user ?? false },
      opts.user ? 'ustack' : 'kstack',
    );
  }

  /** The current kernel stack's id (bpftrace's `kstack`): `p.stack()`. */
  kstack(): Value<number> {
    return this.stack();
  }

  /**
   * The current user stack's id (bpftrace's `ustack`): `p.stack({ user: true })`. Record the pid
   * beside it: user addresses mean something only in their process
   * (`tracer.ustack(pid, id)` symbolizes them).
   */
  ustack(): Value<number> {
    return this.stack({ user: true });
  }

  /**
   * The function (or tracepoint, or symbol) that fired, bpftrace's `func`: of a wildcard probe
   * (`kprobe:vfs_*`), the one matched point that ran; decoded as its name in records and keys.
   */
  func(): Value<string> {
    return this.#point(this.#points.functions, 'func');
  }
  /** The whole probe point that fired, bpftrace's `probe`: `kprobe:vfs_read`. */
  probe(): Value<string> {
    return this.#point(this.#points.probes, 'probe');
  }
  #point(names: readonly string[], label: string): Value<string> {
    const { index } = this.#points;
    const node: Node =
      index === 'cookie'
        ? { op: 'call', helper: 'get_attach_cookie', ctx: true }
        : { op: 'const', value: BigInt(index) };
    return scalarValue<number>(this.#env, { ...U32, names }, node, label) as unknown as Value<string>;
  }

  /** A constant, for arithmetic and keys. */
  constant(n: number | bigint): Value<number> {
    return scalarValue<number>(
      this.#env,
      n < 0 ? { kind: 'int', size: 8, signed: true } : U64,
      { op: 'const', value: BigInt(n) },
      String(n),
    );
  }

  /**
   * A bounded loop: `body(i, loop)` for i = 0 … n-1 (n at most 256), each iteration's values and
   * actions in the program in turn — unrolled, so any kernel's verifier accepts it and `i` is a
   * constant (`argv.at(i)`). `loop.breakIf(cond)` leaves the loop, `loop.continueIf(cond)` skips to
   * the next i. The body is repeated n times: keep it small (the 512-byte stack is shared).
   *
   *   p.loop(8, (i, loop) => { const a = argv.at(i); loop.breakIf(a.eq(0)); p.emit({ i: p.constant(i), arg: a.string() }); });
   */
  loop(n: number, body: (i: number, loop: LoopControl) => void): this {
    if (!Number.isInteger(n) || n < 1 || n > LOOP_MAX)
      throw new RangeError(`loop(${n}): the count must be an integer in 1..${LOOP_MAX}`);
    const id = this.#loops++;
    const control = (op: 'break' | 'continue') => (cond: Condition) => {
      if (!(cond instanceof Condition)) throw new TypeError(`loop: ${op}If() takes a condition (x.eq(0), …)`);
      if (!this.#open.has(id)) throw new TypeError(`loop: ${op}If() called after its loop ended`);
      this.actions.push({ op, loop: id, cond: cond.cond });
    };
    const loop: LoopControl = { breakIf: control('break'), continueIf: control('continue') };
    const iterations: Action[][] = [];
    this.#open.add(id);
    try {
      for (let i = 0; i < n; i++) {
        const start = this.actions.length;
        body(i, loop);
        iterations.push(this.actions.splice(start));
      }
    } finally {
      this.#open.delete(id);
    }
    this.actions.push({ op: 'loop', id, iterations });
    return this;
  }

  /** Ends the probe here for events where `cond` is false. */
  filter(cond: Condition): this {
    this.actions.push({ op: 'filter', cond: cond.cond });
    return this;
  }

  /** Sends a record to user space; listeners get it as an object of decoded fields. */
  emit<F extends Record<string, Value<unknown>>>(fields: F): Emit<Emitted<F>> {
    const list = Object.entries(fields).map(([name, value]) => {
      // A struct goes whole (up to object()'s default size limit), decoded to a nested object.
      if (value.type.kind === 'struct') return { name, value: value.object() as Value<unknown> };
      return { name, value };
    });
    const site = this.#host.newSite(list);
    this.actions.push({ op: 'emit', site });
    return { site };
  }

  #add(
    kind: AggregationKind,
    map: string,
    key: KeyInput | undefined,
    value: Node | number,
    linear?: MapUse['linear'],
    bucket?: Node,
  ): void {
    const what = `${kind}('${map}')`;
    const { parts, names } = keyParts(key, what);
    if (bucket) parts.push({ node: bucket, type: U64 });
    this.#host.useMap({ name: map, kind, key: parts.map((p) => p.type), keyNames: names, linear }, what);
    this.actions.push({ op: 'add', map, key: parts, value });
  }

  #amount(x: Amount, what: string): Node | number {
    if (typeof x === 'number') {
      if (!Number.isInteger(x) || x < -0x8000_0000 || x > 0x7fff_ffff)
        throw new RangeError(`${what}: ${x} is not a 32-bit integer`);
      return x;
    }
    return x.scalar(what);
  }

  /** Counts events in map `name`, per `key` when given. */
  count<const N extends string = 'count', const K extends KeyInput | undefined = undefined>(
    name?: N,
    key?: K,
  ): ProbeContext<WithMap<M, N, K>> {
    this.#add('count', name ?? 'count', key, 1);
    return this as ProbeContext<WithMap<M, N, K>>;
  }

  /** Adds `value` up in map `name`, per `key` when given. */
  sum<const N extends string, const K extends KeyInput | undefined = undefined>(
    name: N,
    value: Amount,
    key?: K,
  ): ProbeContext<WithMap<M, N, K>> {
    this.#add('sum', name, key, this.#amount(value, `sum('${name}')`));
    return this as ProbeContext<WithMap<M, N, K>>;
  }

  /** A power-of-two histogram of `value` in map `name` (per `key` when given). */
  hist<const N extends string, const K extends KeyInput | undefined = undefined>(
    name: N,
    value: Value<unknown>,
    key?: K,
  ): ProbeContext<WithMap<M, N, K>> {
    const a = value.scalar(`hist('${name}')`);
    // Signed values: negatives get their own bucket, as bpftrace's (..., 0).
    const bucket: Node = { op: 'log2', a, signed: value.type.kind === 'int' && value.type.signed };
    this.#add('hist', name, key, 1, undefined, bucket);
    return this as ProbeContext<WithMap<M, N, K>>;
  }

  /** A linear histogram: buckets of `step` from `min` to `max` (plus under and over). */
  lhist<const N extends string, const K extends KeyInput | undefined = undefined>(
    name: N,
    value: Value<unknown>,
    range: { min: number; max: number; step: number },
    key?: K,
  ): ProbeContext<WithMap<M, N, K>> {
    const { min, max, step } = range;
    if (!(step > 0) || !(max > min) || !Number.isInteger(step))
      throw new RangeError(`lhist('${name}'): needs an integer step > 0 and max > min`);
    const n = Math.ceil((max - min) / step);
    const bucket: Node = { op: 'linear', a: value.scalar(`lhist('${name}')`), min, step, n };
    this.#add('lhist', name, key, 1, range, bucket);
    return this as ProbeContext<WithMap<M, N, K>>;
  }

  /**
   * A map shared by the tracer's probes, for state between them: an entry probe stores
   * `p.ktime()` under `p.tid()`, the return probe reads it back. `get` reads when called (and
   * ends the probe quietly if the key is absent); other values are computed where they are used.
   */
  map(name: string): {
    set(key: KeyInput, value: Amount): void;
    get(key: KeyInput): Value<number>;
    delete(key: KeyInput): void;
  } {
    const use = (key: KeyInput, what: string) => {
      const { parts, names } = keyParts(key, what);
      this.#host.useMap({ name, kind: 'store', key: parts.map((p) => p.type), keyNames: names }, what);
      return parts;
    };
    return {
      set: (key, value) => {
        const v = this.#amount(value, `map('${name}').set`);
        this.actions.push({
          op: 'set',
          map: name,
          key: use(key, `map('${name}').set`),
          value: typeof v === 'number' ? { op: 'const', value: BigInt(v) } : v,
        });
      },
      get: (key) => {
        // Read now, so a later set() or delete() of the same key does not change what was read.
        const parts = use(key, `map('${name}').get`);
        const id = this.#vars++;
        this.actions.push({
          op: 'let',
          id,
          node: { op: 'lookup', map: name, key: parts, size: 8, signed: false },
        });
        return scalarValue<number>(this.#env, U64, { op: 'var', id }, `${name}[]`);
      },
      delete: (key) => {
        this.actions.push({ op: 'delete', map: name, key: use(key, `map('${name}').delete`) });
      },
    };
  }
}

export { Condition, Value };
