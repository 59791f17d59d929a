// BTF → a compilable C header, in the same order and form as `bpftool btf dump file … format c`
// (libbpf's btf_dump): types are ordered so each is defined before it is embedded, named
// structs reached only through pointers get forward declarations, anonymous types are inlined,
// duplicate names get `___N` suffixes, padding is made explicit so layouts match the BTF.
import { BtfError } from './error.js';
import { Kind } from './kinds.js';
import { alignOf, sizeOf } from './layout.js';
import type { Btf } from './parse.js';
import type { BtfType, Enum64Type, EnumType, StructType, UnionType } from './types.js';

const Order = { None: 0, Ordering: 1, Ordered: 2 } as const;
const Emit = { None: 0, Emitting: 1, Emitted: 2 } as const;
/** Deepest recursion we allow; real BTF nests a few dozen levels, corrupt BTF can loop forever. */
const MAX_DEPTH = 256;
const POINTER_BITS = 64;

export interface CDumpOptions {
  /** Dump only these types (and what they need); default every type. */
  roots?: Iterable<number>;
  /** Wrap in the `__VMLINUX_H__` guard and the preserve_access_index pragma (default true). */
  header?: boolean;
}

/** The whole C header for `btf` (or for `roots` and their dependencies). */
export function dumpC(btf: Btf, options: CDumpOptions = {}): string {
  const chunks: string[] = [];
  writeC(
    btf,
    (chunk) => {
      chunks.push(chunk);
    },
    options,
  );
  return chunks.join('');
}

/**
 * The C header of dumpC, handed to `write` in pieces of a few tens of KB as it is made, so a
 * caller streaming it out never holds the whole text (a full vmlinux.h is ~5 MB, and text kept
 * alive is copied by every young-generation collection). `write` returning false stops the dump
 * (a reader that has gone: `tsbpf btf dump | head`).
 */
export function writeC(btf: Btf, write: (chunk: string) => unknown, options: CDumpOptions = {}): void {
  const d = new CDumper(btf, write);
  try {
    const header = options.header ?? true;
    if (header) {
      d.out.push(
        '#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n' +
          '#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n#endif\n\n',
      );
    }
    if (options.roots) for (const id of options.roots) d.dumpType(id);
    else for (let id = 1; id < btf.typeCount; id++) d.dumpType(id);
    if (header) {
      d.out.push(
        '#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n',
      );
    }
    d.out.end();
  } catch (err) {
    if (err !== STOPPED) throw err;
  }
}

/** Recursion steps a full dump took (for tuning the work budget). */
export function dumpSteps(btf: Btf): number {
  const d = new CDumper(btf, () => {});
  for (let id = 1; id < btf.typeCount; id++) d.dumpType(id);
  return d.stepsTaken;
}

/** A C declaration of `name` with type `id` (`struct task_struct *p`, `int (*cb)(void *)`). */
export function cDeclaration(btf: Btf, id: number, name = ''): string {
  let text = '';
  const d = new CDumper(btf, (chunk) => {
    text += chunk;
  });
  d.emitTypeDecl(id, name, 0, 0);
  d.out.end();
  return text;
}

const pfx = (lvl: number): string => '\t'.repeat(lvl);

/** Thrown through the dumper when the writer wants no more (caught by writeC). */
const STOPPED = Symbol('stopped');

/**
 * The dump's text, joined every few thousand pieces and handed to the writer: a full vmlinux
 * dump pushes about a million small strings, and held until the end they were copied by every
 * young-generation collection. Joined pieces die young, and so do chunks a writer streams out.
 */
class TextSink {
  private parts: string[] = [];

  constructor(private readonly write: (chunk: string) => unknown) {}

  push(piece: string): void {
    this.parts.push(piece);
    if (this.parts.length >= 2048) this.end();
  }

  /** Hands over what is gathered. */
  end(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    if (this.write(chunk) === false) throw STOPPED;
  }
}

class CDumper {
  readonly out: TextSink;
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private readonly aligns: Uint8Array;
  private referenced: Uint8Array | undefined;
  private readonly resolvedNames = new Map<number, string>();
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();
  private queue: number[] = [];

  constructor(
    private readonly btf: Btf,
    write: (chunk: string) => unknown,
  ) {
    this.out = new TextSink(write);
    const n = btf.typeCount;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.aligns = new Uint8Array(n);
    this.order[0] = Order.Ordered;
    this.emit[0] = Emit.Emitted;
  }

  private t(id: number): BtfType {
    return this.btf.type(id);
  }

  /** Recursion steps so far: valid BTF needs a few per type; corrupt BTF can ask for exponentially many. */
  private steps = 0;
  get stepsTaken(): number {
    return this.steps;
  }

  private deep(id: number, depth: number): void {
    if (++this.steps > 32 * this.btf.typeCount + 100_000) {
      throw new BtfError(
        `type [${id}]: printing needs unbounded work (shared anonymous types or an absurd struct size)`,
        this.btf.recordOffset(id),
      );
    }
    if (depth > MAX_DEPTH)
      throw new BtfError(
        `type [${id}]: type graph nests deeper than ${MAX_DEPTH} (a reference cycle?)`,
        this.btf.recordOffset(id),
      );
  }

  /** Which types something refers to (an unreferenced anonymous enum is a top-level definition). */
  private markReferenced(): Uint8Array {
    const btf = this.btf;
    const r = new Uint8Array(btf.typeCount);
    for (let id = 1; id < btf.typeCount; id++) {
      const kind = btf.kindOf(id);
      if (kind === Kind.FUNC) continue; // refers to a func_proto only: never an enum or fwd
      const ref = btf.refOf(id);
      if (ref >= 0) r[ref] = 1;
      if (
        kind !== Kind.ARRAY &&
        kind !== Kind.STRUCT &&
        kind !== Kind.UNION &&
        kind !== Kind.FUNC_PROTO &&
        kind !== Kind.DATASEC
      )
        continue;
      const t = this.t(id);
      switch (t.kind) {
        case 'array':
          r[t.type] = 1;
          r[t.indexType] = 1;
          break;
        case 'struct':
        case 'union':
          for (const m of t.members) r[m.type] = 1;
          break;
        case 'func_proto':
          for (const p of t.params) r[p.type] = 1;
          break;
        case 'datasec':
          for (const v of t.vars) r[v.type] = 1;
          break;
        default:
          break;
      }
    }
    return r;
  }

  dumpType(id: number): void {
    if (id < 0 || id >= this.btf.typeCount) throw new BtfError(`type id ${id} out of range`, -1);
    this.referenced ??= this.markReferenced();
    this.queue = [];
    this.orderType(id, false, 0);
    for (const q of this.queue) this.emitType(q, 0, 0);
  }

  /** Topological ordering; returns whether the type is a "strong" (must be defined first) dependency. */
  private orderType(id: number, throughPtr: boolean, depth: number): boolean {
    this.deep(id, depth);
    if (this.order[id] === Order.Ordered) return true;
    const kind = this.btf.kindOf(id);
    if (kind === Kind.FUNC || kind === Kind.VAR || kind === Kind.DATASEC || kind === Kind.DECL_TAG) {
      this.order[id] = Order.Ordered; // not C types: nothing to emit
      return false;
    }
    const t = this.t(id);
    if (this.order[id] === Order.Ordering) {
      if ((t.kind === 'struct' || t.kind === 'union') && throughPtr && t.name !== '') return false;
      throw new BtfError(`unsatisfiable type cycle at type [${id}]`, this.btf.recordOffset(id));
    }
    switch (t.kind) {
      case 'int':
      case 'float':
        this.order[id] = Order.Ordered;
        return false;
      case 'ptr': {
        const r = this.orderType(t.type, true, depth + 1);
        this.order[id] = Order.Ordered;
        return r;
      }
      case 'array':
        return this.orderType(t.type, false, depth + 1);
      case 'struct':
      case 'union': {
        if (throughPtr && t.name !== '') return false;
        this.order[id] = Order.Ordering;
        for (const m of t.members) this.orderType(m.type, false, depth + 1);
        if (t.name !== '') this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case 'enum':
      case 'enum64':
      case 'fwd':
        if (t.name !== '' || !this.referenced?.[id]) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case 'typedef': {
        const strong = this.orderType(t.type, throughPtr, depth + 1);
        if (throughPtr && !strong) return false;
        this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
        return this.orderType(t.type, throughPtr, depth + 1);
      case 'func_proto': {
        let strong = this.orderType(t.returnType, throughPtr, depth + 1);
        for (const p of t.params) if (this.orderType(p.type, throughPtr, depth + 1)) strong = true;
        return strong;
      }
      default: // func, var, datasec, decl_tag: not C types
        this.order[id] = Order.Ordered;
        return false;
    }
  }

  private emitType(id: number, contId: number, depth: number): void {
    this.deep(id, depth);
    if (this.emit[id] === Emit.Emitted) return;
    const t = this.t(id);
    const topLevel = contId === 0;
    if (this.emit[id] === Emit.Emitting) {
      if (this.fwdEmitted[id]) return;
      if (t.kind === 'struct' || t.kind === 'union') {
        if (id === contId) return;
        if (t.name === '') return; // anonymous struct/union loop: nothing we can declare
        this.out.push(`${this.structFwd(t)};\n\n`);
        this.fwdEmitted[id] = 1;
      } else if (t.kind === 'typedef') {
        if (!this.blocked(t.name)) {
          this.emitTypedefDef(id, t.type, 0);
          this.out.push(';\n\n');
        }
        this.fwdEmitted[id] = 1;
      }
      return;
    }
    switch (t.kind) {
      case 'int':
        this.emit[id] = Emit.Emitted;
        break;
      case 'enum':
      case 'enum64':
        if (topLevel) {
          this.emitEnumDef(t, 0);
          this.out.push(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        break;
      case 'ptr':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
      case 'array':
        this.emitType(t.type, contId, depth + 1);
        break;
      case 'fwd':
        this.out.push(`${t.fwdKind} ${this.typeName(id)};\n\n`);
        this.emit[id] = Emit.Emitted;
        break;
      case 'typedef':
        this.emit[id] = Emit.Emitting;
        this.emitType(t.type, id, depth + 1);
        if (!this.fwdEmitted[id] && !this.blocked(t.name)) {
          this.emitTypedefDef(id, t.type, 0);
          this.out.push(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        break;
      case 'struct':
      case 'union':
        this.emit[id] = Emit.Emitting;
        if (topLevel || t.name === '') {
          const inner = t.name === '' ? contId : id;
          for (const m of t.members) this.emitType(m.type, inner, depth + 1);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.out.push(`${this.structFwd(t)};\n\n`);
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(t, 0);
          this.out.push(';\n\n');
          this.emit[id] = Emit.Emitted;
        } else {
          this.emit[id] = Emit.None;
        }
        break;
      case 'func_proto':
        this.emitType(t.returnType, contId, depth + 1);
        for (const p of t.params) this.emitType(p.type, contId, depth + 1);
        break;
      default:
        break;
    }
  }

  /** `__builtin_va_list` is the compiler's own; redefining it does not compile. */
  private blocked(name: string): boolean {
    return name === '__builtin_va_list';
  }

  private resolveName(id: number, names: Map<string, number>): string {
    const t = this.t(id);
    if (t.name === '') return '';
    const cached = this.resolvedNames.get(id);
    if (cached !== undefined) return cached;
    let name = t.name;
    if (!(t.kind === 'fwd' || (t.kind === 'enum' && t.values.length === 0))) {
      const dups = this.dup(names, t.name);
      if (dups > 1) name = `${t.name}___${dups}`;
    }
    this.resolvedNames.set(id, name);
    return name;
  }

  private dup(names: Map<string, number>, name: string): number {
    const n = (names.get(name) ?? 0) + 1;
    names.set(name, n);
    return n;
  }

  private typeName(id: number): string {
    return this.resolveName(id, this.typeNames);
  }

  private identName(id: number): string {
    return this.resolveName(id, this.identNames);
  }

  private structFwd(t: StructType | UnionType): string {
    return `${t.kind} ${this.typeName(t.id)}`;
  }

  private emitTypedefDef(id: number, target: number, lvl: number): void {
    const name = this.identName(id);
    if (target === 0 && name === '__gnuc_va_list') {
      this.out.push('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.out.push('typedef ');
    this.emitTypeDecl(target, name, lvl, 0);
  }

  private emitEnumDef(t: EnumType | Enum64Type, lvl: number): void {
    this.out.push(t.name ? `enum ${this.typeName(t.id)}` : 'enum');
    if (t.values.length === 0) return;
    this.out.push(' {');
    const suffix = t.kind === 'enum' ? '' : t.signed ? 'LL' : 'ULL';
    for (const v of t.values) {
      const dups = this.dup(this.identNames, v.name);
      const name = dups > 1 ? `${v.name}___${dups}` : v.name;
      this.out.push(`\n${pfx(lvl + 1)}${name} = ${v.value}${suffix},`);
    }
    this.out.push(`\n${pfx(lvl)}}`);
    if (t.size === 1) {
      this.out.push(' __attribute__((packed))');
    } else if (t.size === 8) {
      // A 32-bit enum needs mode(word) to be 8 bytes; an enum64 does too unless a value needs 64 bits.
      const needsWord = t.kind === 'enum' || t.values.every((v) => BigInt.asUintN(64, v.value) >> 32n === 0n);
      if (needsWord) this.out.push(' __attribute__((mode(word)))');
    }
  }

  private emitStructDef(t: StructType | UnionType, lvl: number, depth = 0): void {
    this.deep(t.id, depth);
    const isStruct = t.kind === 'struct';
    const align = this.alignOrOne(t.id);
    const packed = isStruct ? this.packed(t) : false;
    this.out.push(`${t.kind}${t.name ? ' ' : ''}${this.typeName(t.id)} {`);
    let off = 0;
    let prevBitfield = false;
    for (const m of t.members) {
      let size = m.bitfieldSize;
      const mAlign = packed ? 1 : this.alignOrOne(m.type);
      this.emitBitPadding(off, m.bitOffset, mAlign, prevBitfield && size !== 0, lvl + 1, t.id);
      this.out.push(`\n${pfx(lvl + 1)}`);
      this.emitTypeDecl(m.type, m.name, lvl + 1, depth + 1);
      if (size) {
        this.out.push(`: ${size}`);
        off = m.bitOffset + size;
        prevBitfield = true;
      } else {
        size = this.sizeOrZero(m.type);
        off = m.bitOffset + size * 8;
        prevBitfield = false;
      }
      this.out.push(';');
    }
    if (isStruct) this.emitBitPadding(off, t.size * 8, align, false, lvl + 1, t.id);
    if (t.members.length || t.size) this.out.push(`\n${pfx(lvl)}}`);
    else this.out.push('}');
    if (packed) this.out.push(' __attribute__((packed))');
  }

  /** alignOf, memoized (struct alignment is asked for at every embedding), 1 if it has none. */
  private alignOrOne(id: number): number {
    const known = this.aligns[id];
    if (known) return known;
    let a = 1;
    try {
      a = alignOf(this.btf, id);
    } catch (e) {
      if (!(e instanceof BtfError)) throw e;
    }
    this.aligns[id] = a;
    return a;
  }

  private packed(t: StructType): boolean {
    let max = 1;
    for (const m of t.members) {
      const a = this.alignOrOne(m.type);
      if (m.bitfieldSize === 0 && m.bitOffset % (8 * a) !== 0) return true;
      max = Math.max(max, a);
    }
    return t.size % max !== 0;
  }

  private sizeOrZero(id: number): number {
    try {
      return sizeOf(this.btf, id);
    } catch (e) {
      if (e instanceof BtfError) return 0;
      throw e;
    }
  }

  /** Explicit `long: N;`-style padding where natural alignment would not reproduce the gap. */
  private emitBitPadding(
    curOff: number,
    nextOff: number,
    nextAlign: number,
    inBitfield: boolean,
    lvl: number,
    owner: number,
  ): void {
    if (curOff >= nextOff) return;
    const pads: [string, number][] = [
      ['long', POINTER_BITS],
      ['int', 32],
      ['short', 16],
      ['char', 8],
    ];
    let padType = 'char';
    let padBits = 8;
    let newOff = curOff;
    for (const [name, bits] of pads) {
      padType = name;
      padBits = bits;
      newOff = roundUp(curOff, bits);
      if (newOff <= nextOff) break;
    }
    if (newOff > curOff && newOff <= nextOff) {
      if (
        inBitfield ||
        (newOff === nextOff && roundUp(curOff, nextAlign * 8) !== newOff) ||
        (newOff !== nextOff && nextOff - newOff <= newOff - curOff)
      ) {
        this.out.push(`\n${pfx(lvl)}${padType}: ${inBitfield ? newOff - curOff : 0};`);
      }
      curOff = newOff;
    }
    while (curOff < nextOff) {
      this.deep(owner, 0); // counts toward the work budget: a corrupt size can ask for billions of pad lines
      const bits = Math.min(nextOff - curOff, padBits);
      if (bits === padBits) {
        this.out.push(`\n${pfx(lvl)}${padType}: ${padBits};`);
        curOff += bits;
        continue;
      }
      for (let i = pads.length - 1; i >= 0; i--) {
        const [name, pb] = pads[i];
        if (pb < bits) continue;
        this.out.push(`\n${pfx(lvl)}${name}: ${bits};`);
        curOff += bits;
        break;
      }
    }
  }

  /** `type name` in C declarator syntax: collect the chain of pointers/modifiers/arrays/protos, then print. */
  emitTypeDecl(id: number, name: string, lvl: number, depth: number): void {
    this.deep(id, depth);
    const stack: number[] = [];
    for (let cur = id, n = 0; ; n++) {
      if (n > MAX_DEPTH)
        throw new BtfError(
          `type [${id}]: declaration chain too long (a pointer cycle?)`,
          this.btf.recordOffset(id),
        );
      stack.push(cur);
      if (cur === 0) break;
      const t = this.t(cur);
      if (
        t.kind === 'ptr' ||
        t.kind === 'volatile' ||
        t.kind === 'const' ||
        t.kind === 'restrict' ||
        t.kind === 'type_tag' ||
        t.kind === 'array'
      ) {
        cur = t.type;
      } else if (t.kind === 'func_proto') {
        cur = t.returnType;
      } else {
        break;
      }
    }
    this.emitTypeChain(stack, name, lvl, depth);
  }

  private emitMods(stack: number[]): void {
    while (stack.length) {
      const t = this.t(stack[stack.length - 1]);
      if (t.kind === 'volatile') this.out.push('volatile ');
      else if (t.kind === 'const') this.out.push('const ');
      else if (t.kind === 'restrict') this.out.push('restrict ');
      else return;
      stack.pop();
    }
  }

  private dropMods(stack: number[]): void {
    while (stack.length) {
      const k = this.t(stack[stack.length - 1]).kind;
      if (k !== 'volatile' && k !== 'const' && k !== 'restrict' && k !== 'type_tag') return;
      stack.pop();
    }
  }

  private emitName(name: string, lastWasPtr: boolean): void {
    this.out.push(name && !lastWasPtr ? ` ${name}` : name);
  }

  private emitTypeChain(stack: number[], name: string, lvl: number, depth: number): void {
    let lastWasPtr = true;
    while (stack.length) {
      const id = stack.pop() as number;
      if (id === 0) {
        this.emitMods(stack);
        this.out.push('void');
        lastWasPtr = false;
        continue;
      }
      const t = this.t(id);
      switch (t.kind) {
        case 'int':
        case 'float':
          this.emitMods(stack);
          this.out.push(t.name);
          break;
        case 'struct':
        case 'union':
          this.emitMods(stack);
          if (t.name === '') this.emitStructDef(t, lvl, depth + 1);
          else this.out.push(this.structFwd(t));
          break;
        case 'enum':
        case 'enum64':
          this.emitMods(stack);
          if (t.name === '') this.emitEnumDef(t, lvl);
          else this.out.push(`enum ${this.typeName(id)}`);
          break;
        case 'fwd':
          this.emitMods(stack);
          this.out.push(`${t.fwdKind} ${this.typeName(id)}`);
          break;
        case 'typedef':
          this.emitMods(stack);
          this.out.push(this.identName(id));
          break;
        case 'ptr':
          this.out.push(lastWasPtr ? '*' : ' *');
          break;
        case 'volatile':
          this.out.push(' volatile');
          break;
        case 'const':
          this.out.push(' const');
          break;
        case 'restrict':
          this.out.push(' restrict');
          break;
        case 'type_tag':
          this.emitMods(stack);
          this.out.push(` __attribute__((btf_type_tag("${t.name}")))`);
          break;
        case 'array': {
          this.dropMods(stack);
          if (stack.length === 0) {
            this.emitName(name, lastWasPtr);
            this.out.push(`[${t.nelems}]`);
            return;
          }
          const multidim = this.t(stack[stack.length - 1]).kind === 'array';
          if (name && !lastWasPtr) this.out.push(' ');
          if (!multidim) this.out.push('(');
          this.emitTypeChain(stack, name, lvl, depth + 1);
          if (!multidim) this.out.push(')');
          this.out.push(`[${t.nelems}]`);
          return;
        }
        case 'func_proto': {
          this.dropMods(stack);
          if (stack.length) {
            this.out.push(' (');
            this.emitTypeChain(stack, name, lvl, depth + 1);
            this.out.push(')');
          } else {
            this.emitName(name, lastWasPtr);
          }
          this.out.push('(');
          const ps = t.params;
          if (ps.length === 0 || (ps.length === 1 && ps[0].type === 0)) {
            this.out.push('void)');
            return;
          }
          for (let i = 0; i < ps.length; i++) {
            if (i > 0) this.out.push(', ');
            if (i === ps.length - 1 && ps[i].type === 0) {
              this.out.push('...');
              break;
            }
            this.emitTypeDecl(ps[i].type, ps[i].name, lvl, depth + 1);
          }
          this.out.push(')');
          return;
        }
        default:
          throw new BtfError(
            `type [${id}] (${t.kind}) cannot appear in a C declaration`,
            this.btf.recordOffset(id),
          );
      }
      lastWasPtr = t.kind === 'ptr';
    }
    this.emitName(name, lastWasPtr);
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
