// BTF → a compilable C header, in the same order and form as `bpftool btf dump file … format c`
// (libbpf's btf_dump): types are ordered so each is defined before it is embedded, named
// structs reached only through pointers get forward declarations, anonymous types are inlined,
// duplicate names get `___N` suffixes, padding is made explicit so layouts match the BTF.
// Declarations and type bodies are btf/cdecl.ts's; this file decides what is printed, and when.
import { CDeclarator, STOPPED } from './cdecl.js';
import { BtfError } from './error.js';
import { Kind } from './kinds.js';
import type { Btf } from './parse.js';

const Order = { None: 0, Ordering: 1, Ordered: 2 } as const;
const Emit = { None: 0, Emitting: 1, Emitted: 2 } as const;

/** `__builtin_va_list` is the compiler's own; redefining it does not compile. */
const blocked = (name: string): boolean => name === '__builtin_va_list';

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

class CDumper extends CDeclarator {
  private readonly order: Uint8Array;
  private readonly emit: Uint8Array;
  private readonly fwdEmitted: Uint8Array;
  private referenced: Uint8Array | undefined;
  private readonly queue: number[] = [];

  constructor(btf: Btf, write: (chunk: string) => unknown) {
    super(btf, write);
    const n = btf.typeCount;
    this.order = new Uint8Array(n);
    this.emit = new Uint8Array(n);
    this.fwdEmitted = new Uint8Array(n);
    this.order[0] = Order.Ordered;
    this.emit[0] = Emit.Emitted;
  }

  /** Which types something refers to (an unreferenced anonymous enum is a top-level definition). */
  private markReferenced(): Uint8Array {
    const r = new Uint8Array(this.btf.typeCount);
    for (let id = 1; id < r.length; id++) {
      const n = this.vlen(id);
      switch (this.kind(id)) {
        case Kind.PTR:
        case Kind.TYPEDEF:
        case Kind.VOLATILE:
        case Kind.CONST:
        case Kind.RESTRICT:
        case Kind.VAR:
        case Kind.DECL_TAG:
        case Kind.TYPE_TAG:
          r[this.ref(id, 2)] = 1;
          break;
        case Kind.ARRAY:
          r[this.ref(id, 3)] = 1;
          r[this.ref(id, 4)] = 1;
          break;
        case Kind.STRUCT:
        case Kind.UNION:
          for (let i = 0; i < n; i++) r[this.ref(id, 4 + 3 * i)] = 1;
          break;
        case Kind.FUNC_PROTO:
          r[this.ref(id, 2)] = 1;
          for (let i = 0; i < n; i++) r[this.ref(id, 4 + 2 * i)] = 1;
          break;
        case Kind.DATASEC:
          for (let i = 0; i < n; i++) r[this.ref(id, 3 + 3 * i)] = 1;
          break;
        default: // a func refers to its func_proto only: never an enum or fwd
          break;
      }
    }
    return r;
  }

  dumpType(id: number): void {
    if (id < 0 || id >= this.btf.typeCount) throw new BtfError(`type id ${id} out of range`, -1);
    this.referenced ??= this.markReferenced();
    if (this.order[id] === Order.Ordered) return; // printed already, or nothing to print
    const queue = this.queue;
    queue.length = 0;
    this.orderType(id, false, 0);
    for (let i = 0; i < queue.length; i++) this.emitType(queue[i], 0, 0);
  }

  /** Topological ordering; returns whether the type is a "strong" (must be defined first) dependency. */
  private orderType(id: number, throughPtr: boolean, depth: number): boolean {
    this.deep(id, depth);
    if (this.order[id] === Order.Ordered) return true;
    const k = this.kind(id);
    if (k === Kind.FUNC || k === Kind.VAR || k === Kind.DATASEC || k === Kind.DECL_TAG) {
      this.order[id] = Order.Ordered; // not C types: nothing to emit
      return false;
    }
    const named = this.named[id] === 1;
    if (this.order[id] === Order.Ordering) {
      if ((k === Kind.STRUCT || k === Kind.UNION) && throughPtr && named) return false;
      throw new BtfError(`unsatisfiable type cycle at type [${id}]`, this.btf.recordOffset(id));
    }
    switch (k) {
      case Kind.INT:
      case Kind.FLOAT:
        this.order[id] = Order.Ordered;
        return false;
      case Kind.PTR: {
        const r = this.orderType(this.ref(id, 2), true, depth + 1);
        this.order[id] = Order.Ordered;
        return r;
      }
      case Kind.ARRAY:
        return this.orderType(this.ref(id, 3), false, depth + 1);
      case Kind.STRUCT:
      case Kind.UNION: {
        if (throughPtr && named) return false;
        this.order[id] = Order.Ordering;
        const n = this.vlen(id);
        for (let i = 0; i < n; i++) this.orderType(this.ref(id, 4 + 3 * i), false, depth + 1);
        if (named) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case Kind.ENUM:
      case Kind.ENUM64:
      case Kind.FWD:
        if (named || !this.referenced?.[id]) this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      case Kind.TYPEDEF: {
        const strong = this.orderType(this.ref(id, 2), throughPtr, depth + 1);
        if (throughPtr && !strong) return false;
        this.queue.push(id);
        this.order[id] = Order.Ordered;
        return true;
      }
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG:
        return this.orderType(this.ref(id, 2), throughPtr, depth + 1);
      case Kind.FUNC_PROTO: {
        let strong = this.orderType(this.ref(id, 2), throughPtr, depth + 1);
        const n = this.vlen(id);
        for (let i = 0; i < n; i++)
          if (this.orderType(this.ref(id, 4 + 2 * i), throughPtr, depth + 1)) strong = true;
        return strong;
      }
      default:
        this.order[id] = Order.Ordered;
        return false;
    }
  }

  private emitType(id: number, contId: number, depth: number): void {
    this.deep(id, depth);
    if (this.emit[id] === Emit.Emitted) return;
    const k = this.kind(id);
    const topLevel = contId === 0;
    if (this.emit[id] === Emit.Emitting) {
      if (this.fwdEmitted[id]) return;
      if (k === Kind.STRUCT || k === Kind.UNION) {
        if (id === contId) return;
        if (this.named[id] === 0) return; // anonymous struct/union loop: nothing we can declare
        this.out.push(`${this.structFwd(id)};\n\n`);
        this.fwdEmitted[id] = 1;
      } else if (k === Kind.TYPEDEF) {
        if (!blocked(this.rawName(id))) {
          this.emitTypedefDef(id, this.ref(id, 2), 0);
          this.out.push(';\n\n');
        }
        this.fwdEmitted[id] = 1;
      }
      return;
    }
    switch (k) {
      case Kind.INT:
        this.emit[id] = Emit.Emitted;
        break;
      case Kind.ENUM:
      case Kind.ENUM64:
        if (topLevel) {
          this.emitEnumDef(id, 0);
          this.out.push(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        break;
      case Kind.PTR:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG:
        this.emitType(this.ref(id, 2), contId, depth + 1);
        break;
      case Kind.ARRAY:
        this.emitType(this.ref(id, 3), contId, depth + 1);
        break;
      case Kind.FWD:
        this.out.push(`${this.fwdDecl(id)};\n\n`);
        this.emit[id] = Emit.Emitted;
        break;
      case Kind.TYPEDEF:
        this.emit[id] = Emit.Emitting;
        this.emitType(this.ref(id, 2), id, depth + 1);
        if (!this.fwdEmitted[id] && !blocked(this.rawName(id))) {
          this.emitTypedefDef(id, this.ref(id, 2), 0);
          this.out.push(';\n\n');
        }
        this.emit[id] = Emit.Emitted;
        break;
      case Kind.STRUCT:
      case Kind.UNION: {
        const named = this.named[id] === 1;
        this.emit[id] = Emit.Emitting;
        if (topLevel || !named) {
          const inner = named ? id : contId;
          const n = this.vlen(id);
          for (let i = 0; i < n; i++) this.emitType(this.ref(id, 4 + 3 * i), inner, depth + 1);
        } else if (!this.fwdEmitted[id] && id !== contId) {
          this.out.push(`${this.structFwd(id)};\n\n`);
          this.fwdEmitted[id] = 1;
        }
        if (topLevel) {
          this.emitStructDef(id, 0);
          this.out.push(';\n\n');
          this.emit[id] = Emit.Emitted;
        } else {
          this.emit[id] = Emit.None;
        }
        break;
      }
      case Kind.FUNC_PROTO: {
        this.emitType(this.ref(id, 2), contId, depth + 1);
        const n = this.vlen(id);
        for (let i = 0; i < n; i++) this.emitType(this.ref(id, 4 + 2 * i), contId, depth + 1);
        break;
      }
      default:
        break;
    }
  }
}
