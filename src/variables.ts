// Typed access to a loaded object's global variables (.bss, .data, .rodata, custom .data.*),
// through the kernel's memory-mapped array where the map is BPF_F_MMAPABLE: a read or write is
// a plain memory access shared with the programs, no syscall. Where the kernel cannot mmap the
// map, each access looks up (and updates) element 0 instead. Values are typed by the variable's
// BTF (see btf/value.ts); an object without BTF gives raw bytes.
//
//   using loaded = BpfObject.open('x.bpf.o').load();
//   loaded.variables.packets.get();        // 3n (a __u64)
//   loaded.variables.scale.set(5n);        // programs see it at once

import { didYouMean } from '../btf/nearest.js';
import type { Btf } from '../btf/parse.js';
import { type BtfValue, type BtfValueCodec, btfValueCodec } from '../btf/value.js';
import type { VariableSpec } from './format/object/spec.js';
import type { BpfMap } from './map.js';
import { getpagesize } from './sys/libc.js';
import { type Mapping, mapShared, PROT_READ, PROT_WRITE, unmap } from './sys/mmap.js';
import { MapFlags } from './sys/types.js';

/** A global's value: typed by its BTF, or raw bytes for an object compiled without -g. */
export type VariableData = BtfValue | Uint8Array;

/** What set() takes for a `T`: struct members may be left out (they keep their value), or raw bytes. */
export type VariableInput<T> =
  | Uint8Array
  | (T extends Uint8Array | readonly unknown[] | string | number | bigint | boolean
      ? T
      : T extends object
        ? { [K in keyof T]?: VariableInput<T[K]> }
        : T);

/** A write to a .rodata variable after load: the kernel froze it (set it before load instead). */
export class ReadonlyVariableError extends Error {
  override name = 'ReadonlyVariableError';
  constructor(
    readonly variable: string,
    readonly section: string,
  ) {
    super(
      `variable '${variable}' is in ${section}, frozen at load: set it before load with BpfObject.set('${variable}', …)`,
    );
  }
}

const KEY0 = new Uint8Array(4);

// A section dropped without close() is unmapped when collected: nothing can reach its memory then.
const unmapLater = new FinalizationRegistry<Mapping>((m) => unmap(m));

/** One data map's bytes: a live shared mapping, or element 0 read and written by syscall. */
export class DataSection {
  readonly name: string;
  readonly readonly: boolean;
  readonly #map: BpfMap;
  #mapping: Mapping | undefined;
  #view: DataView | undefined;
  #closed = false;

  constructor(name: string, map: BpfMap, readonly: boolean, mmap: boolean) {
    this.name = name;
    this.#map = map;
    this.readonly = readonly;
    if (mmap && (map.flags & MapFlags.MMAPABLE) !== 0) {
      const page = getpagesize();
      const length = Math.ceil(map.valueSize / page) * page;
      // A frozen map refuses writable mappings: .rodata is mapped read-only.
      const prot = readonly ? PROT_READ : PROT_READ | PROT_WRITE;
      try {
        this.#mapping = mapShared(map.fd, length, prot, 0, `data map '${name}'`);
        this.#view = new DataView(this.#mapping.buffer, 0, map.valueSize);
        unmapLater.register(this, this.#mapping, this);
      } catch {
        // Out of address space or a restricted mmap: element 0 by syscall still works (`mapped` says which).
        this.#mapping = undefined;
      }
    }
  }

  /** True when reads and writes go straight to the kernel's memory (no syscall). */
  get mapped(): boolean {
    return this.#view !== undefined;
  }

  #check(what: string): void {
    if (this.#closed) throw new Error(`variable '${what}': its object is closed`);
  }

  /** The section's current bytes: the live mapping, or a fresh copy of element 0. */
  read(what: string): DataView {
    this.#check(what);
    if (this.#view) return this.#view;
    const bytes = this.#map.get(KEY0) as Uint8Array;
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Copies `bytes` to `offset`: into the mapping, or by lookup, patch and update of element 0. */
  write(what: string, offset: number, bytes: Uint8Array): void {
    this.#check(what);
    if (this.#view) {
      new Uint8Array(this.#view.buffer, offset, bytes.byteLength).set(bytes);
      return;
    }
    // Not atomic with respect to the programs: they may change other variables in between.
    const whole = this.#map.get(KEY0) as Uint8Array;
    whole.set(bytes, offset);
    this.#map.set(KEY0, whole);
  }

  /** Unmaps (idempotent); the map itself is closed by its owner. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#view = undefined;
    unmapLater.unregister(this);
    if (this.#mapping) unmap(this.#mapping);
    this.#mapping = undefined;
  }
}

/** A global variable of a loaded object. `T` is what get() returns (see VariableData). */
export class Variable<T extends VariableData = VariableData> {
  readonly name: string;
  /** The data section (and map): `.bss`, `.data`, `.rodata`, `.data.custom`. */
  readonly section: string;
  readonly offset: number;
  readonly size: number;
  /** In .rodata: read-only after load. */
  readonly readonly: boolean;
  /** The C type (`__u64`, `struct limits`, `char[8]`), or `bytes` without BTF. */
  readonly typeName: string;
  readonly #data: DataSection;
  readonly #codec: BtfValueCodec | undefined;

  /** @internal */
  constructor(spec: VariableSpec, data: DataSection, btf: Btf | undefined, typeId: number | undefined) {
    this.name = spec.name;
    this.section = spec.map;
    this.offset = spec.offset;
    this.size = spec.size;
    this.readonly = data.readonly;
    this.#data = data;
    let codec: BtfValueCodec | undefined;
    let typeName = 'bytes';
    if (btf && typeId !== undefined) {
      // A type we cannot lay out (or that disagrees with the symbol's size) leaves raw bytes.
      try {
        codec = btfValueCodec(btf, typeId);
        typeName = codec.typeName;
        if (codec.size !== spec.size) {
          typeName = `bytes (its BTF type ${codec.typeName} is ${codec.size} bytes, its symbol ${spec.size})`;
          codec = undefined;
        }
      } catch (err) {
        typeName = `bytes (${(err as Error).message})`;
      }
    }
    this.#codec = codec;
    this.typeName = typeName;
  }

  /** True when get()/set() touch the kernel's memory directly (a BPF_F_MMAPABLE map). */
  get mapped(): boolean {
    return this.#data.mapped;
  }

  /** The current value, read from the kernel's copy. */
  get(): T {
    const view = this.#data.read(this.name);
    if (this.#codec) return this.#codec.decode(view, this.offset) as T;
    return new Uint8Array(
      view.buffer.slice(view.byteOffset + this.offset, view.byteOffset + this.offset + this.size),
    ) as T;
  }

  /**
   * Writes the value where the programs read it. Struct members left out keep their value; a
   * Uint8Array of the variable's size is written as raw bytes. Nothing is written if the value
   * does not fit (TypeError or RangeError naming the member), or if the variable is in .rodata
   * (ReadonlyVariableError).
   */
  set(value: VariableInput<T>): void {
    if (this.readonly) throw new ReadonlyVariableError(this.name, this.section);
    let bytes: Uint8Array;
    if (value instanceof Uint8Array) {
      if (value.byteLength !== this.size)
        throw new RangeError(`variable '${this.name}' is ${this.size} bytes; got ${value.byteLength}`);
      bytes = value;
    } else if (this.#codec) {
      // Encode into a copy of the current bytes, so a bad member leaves the variable untouched.
      bytes = this.bytes();
      this.#codec.encode(value, new DataView(bytes.buffer), 0, this.name);
    } else {
      throw new TypeError(
        `variable '${this.name}' has no BTF type (compile with -g): set it with a Uint8Array`,
      );
    }
    this.#data.write(this.name, this.offset, bytes);
  }

  /** get() and set() as a property: `v.value += 1n`. */
  get value(): T {
    return this.get();
  }
  set value(v: VariableInput<T>) {
    this.set(v);
  }

  /** A copy of the variable's bytes. */
  bytes(): Uint8Array {
    const view = this.#data.read(this.name);
    return new Uint8Array(
      view.buffer.slice(view.byteOffset + this.offset, view.byteOffset + this.offset + this.size),
    );
  }

  toJSON(): unknown {
    const v = this.get();
    return typeof v === 'bigint' ? v.toString() : v;
  }
}

/** `loaded.variables`: each global by name. */
export type Variables<G extends Record<string, VariableData> = Record<string, VariableData>> = {
  readonly [K in keyof G]: Variable<G[K]>;
};

// Names a caller may probe on any object (promises, JSON, test matchers, inspection).
const PROBED = new Set([
  'then',
  'toJSON',
  'constructor',
  'asymmetricMatch',
  'nodeType',
  'inspect',
  'valueOf',
  'toString',
]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A read-only record of variables whose unknown names throw with a "did you mean". */
export function variablesRecord<G extends Record<string, VariableData>>(
  vars: Map<string, Variable>,
): Variables<G> {
  const target = Object.create(null) as Record<string, Variable>;
  for (const [name, v] of vars) target[name] = v;
  Object.freeze(target);
  return new Proxy(target, {
    get(t, prop) {
      if (typeof prop === 'symbol' || Object.hasOwn(t, prop)) return Reflect.get(t, prop);
      if (PROBED.has(prop) || !IDENT.test(prop)) return undefined;
      throw new RangeError(`no global variable '${prop}'${didYouMean(prop, [...vars.keys()])}`);
    },
  }) as unknown as Variables<G>;
}
