// C declarations of BTF types (`struct task_struct *p`, `int (*cb)(void *)`), and the struct,
// union and enum bodies an anonymous type prints inline, in the form libbpf's btf_dump gives
// them. The whole-header printer (btf/cdump.ts) extends this with ordering and forward
// declarations. Both read the raw type records rather than decoded types: a full vmlinux dump
// touches every type and member, and an object per type cost more than the printing itself.
import { BtfError } from './error.js';
import { KIND_NAMES, Kind } from './kinds.js';
import { MAX_RESOLVE_DEPTH } from './layout.js';
import type { Btf } from './parse.js';

/** Deepest recursion we allow; real BTF nests a few dozen levels, corrupt BTF can loop forever. */
export const MAX_DEPTH = 256;
const POINTER_BYTES = 8;
/** Padding members, widest first: what libbpf tries for a gap natural alignment would not leave. */
const PADS: readonly (readonly [string, number])[] = [
  ['long', POINTER_BYTES * 8],
  ['int', 32],
  ['short', 16],
  ['char', 8],
];
/** alignOrOne's memo: 0 not known yet, these two, or the alignment (1..8). */
const ALIGN_COMPUTING = 255;
const ALIGN_NONE = 254;

/** A C declaration of `name` with type `id` (`struct task_struct *p`, `int (*cb)(void *)`). */
export function cDeclaration(btf: Btf, id: number, name = ''): string {
  if (!Number.isInteger(id) || id < 0 || id >= btf.typeCount)
    throw new BtfError(`type id ${id} out of range (${btf.typeCount} types)`, -1);
  let text = '';
  const d = new CDeclarator(btf, (chunk) => {
    text += chunk;
  });
  d.emitTypeDecl(id, name, 0, 0);
  d.out.end();
  return text;
}

const pfx = (lvl: number): string => '\t'.repeat(lvl);

/** Thrown through the printer when the writer wants no more (caught by writeC). */
export const STOPPED = Symbol('stopped');

/**
 * The printed text, handed to the writer every 32 K characters. Appending to one string (a
 * rope V8 flattens once, when the chunk is written) was 2–3× cheaper than pushing pieces to an
 * array and joining it; a full vmlinux dump appends about a million pieces. Chunks die young,
 * where a whole 3 MB text kept alive was copied by every young-generation collection.
 */
export class TextSink {
  private text = '';

  constructor(private readonly write: (chunk: string) => unknown) {}

  push(piece: string): void {
    this.text += piece;
    if (this.text.length >= 32768) this.end();
  }

  /** Hands over what is gathered. */
  end(): void {
    if (this.text.length === 0) return;
    const chunk = this.text;
    this.text = '';
    if (this.write(chunk) === false) throw STOPPED;
  }
}

export class CDeclarator {
  readonly out: TextSink;
  /** The raw records (Btf.rawRecords): `w[at[id]]` is type `id`'s first word. */
  protected readonly w: Uint32Array;
  protected readonly at: Int32Array;
  private readonly kinds: Uint8Array;
  /** 1 where a type has a (non-empty) name. */
  protected readonly named: Uint8Array;
  private aligns: Uint8Array | undefined;
  private readonly resolvedNames = new Map<number, string>();
  private readonly typeNames = new Map<string, number>();
  private readonly identNames = new Map<string, number>();

  constructor(
    protected readonly btf: Btf,
    write: (chunk: string) => unknown,
  ) {
    this.out = new TextSink(write);
    const raw = btf.rawRecords();
    this.w = raw.words;
    this.at = raw.at;
    this.kinds = raw.kinds;
    this.named = raw.named;
    this.budget = 32 * btf.typeCount + 100_000;
  }

  /** Recursion steps so far: valid BTF needs a few per type; corrupt BTF can ask for exponentially many. */
  private steps = 0;
  private readonly budget: number;
  get stepsTaken(): number {
    return this.steps;
  }

  protected deep(id: number, depth: number): void {
    if (++this.steps > this.budget) {
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

  // Raw record reads. A record is [name_off, info, size|type, kind-specific words…]; info holds
  // the kind (bits 24–28), vlen (0–15) and kind_flag (31).

  /** The kind number of `id` (0 for void; checked by Btf.rawRecords). */
  protected kind(id: number): number {
    return this.kinds[id];
  }

  /** The type's own name ('' if anonymous or void). */
  protected rawName(id: number): string {
    if (id === 0) return '';
    return this.btf.recordString(id, this.w[this.at[id]]);
  }

  /** The type id in word `at + n` of `id`'s record, checked against the type count. */
  protected ref(id: number, n: number): number {
    const t = this.w[this.at[id] + n];
    if (t >= this.btf.typeCount)
      throw new BtfError(
        `type [${id}] refers to type id ${t}, out of range (${this.btf.typeCount} types)`,
        this.btf.recordOffset(id) + n * 4,
      );
    return t;
  }

  /** Word 2: the size of int/struct/union/enum/float/datasec, the referenced type of the rest. */
  private word2(id: number): number {
    return this.w[this.at[id] + 2];
  }

  protected vlen(id: number): number {
    return this.w[this.at[id] + 1] & 0xffff;
  }

  private kindFlag(id: number): boolean {
    return this.w[this.at[id] + 1] >>> 31 === 1;
  }

  private resolveName(id: number, names: Map<string, number>): string {
    if (this.named[id] === 0) return '';
    const cached = this.resolvedNames.get(id);
    if (cached !== undefined) return cached;
    const own = this.rawName(id);
    let name = own;
    const k = this.kind(id);
    if (!(k === Kind.FWD || (k === Kind.ENUM && this.vlen(id) === 0))) {
      const dups = this.dup(names, own);
      if (dups > 1) name = `${own}___${dups}`;
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

  protected structFwd(id: number): string {
    return `${this.kind(id) === Kind.UNION ? 'union' : 'struct'} ${this.typeName(id)}`;
  }

  protected fwdDecl(id: number): string {
    return `${this.kindFlag(id) ? 'union' : 'struct'} ${this.typeName(id)}`;
  }

  protected emitTypedefDef(id: number, target: number, lvl: number): void {
    const name = this.identName(id);
    if (target === 0 && name === '__gnuc_va_list') {
      this.out.push('typedef __builtin_va_list __gnuc_va_list');
      return;
    }
    this.out.push('typedef ');
    this.emitTypeDecl(target, name, lvl, 0);
  }

  protected emitEnumDef(id: number, lvl: number): void {
    const btf = this.btf;
    const w = this.w;
    const at = this.at[id];
    const is64 = this.kind(id) === Kind.ENUM64;
    const signed = w[at + 1] >>> 31 === 1;
    const n = w[at + 1] & 0xffff;
    this.out.push(this.named[id] ? `enum ${this.typeName(id)}` : 'enum');
    if (n === 0) return;
    this.out.push(' {');
    const suffix = is64 ? (signed ? 'LL' : 'ULL') : '';
    const indent = `\n${pfx(lvl + 1)}`;
    let high = 0;
    for (let i = 0, p = at + 3; i < n; i++, p += is64 ? 3 : 2) {
      const valueName = btf.recordString(id, w[p]);
      const dups = this.dup(this.identNames, valueName);
      const name = dups > 1 ? `${valueName}___${dups}` : valueName;
      let value: string;
      if (is64) {
        high |= w[p + 2];
        const raw = (BigInt(w[p + 2]) << 32n) | BigInt(w[p + 1]);
        value = String(signed ? BigInt.asIntN(64, raw) : raw);
      } else {
        value = String(signed ? w[p + 1] | 0 : w[p + 1]);
      }
      this.out.push(`${indent}${name} = ${value}${suffix},`);
    }
    this.out.push(`\n${pfx(lvl)}}`);
    const size = w[at + 2];
    // A 32-bit enum needs mode(word) to be 8 bytes; an enum64 does too unless a value needs 64 bits.
    if (size === 1) this.out.push(' __attribute__((packed))');
    else if (size === 8 && (!is64 || high === 0)) this.out.push(' __attribute__((mode(word)))');
  }

  protected emitStructDef(id: number, lvl: number, depth = 0): void {
    this.deep(id, depth);
    const btf = this.btf;
    const w = this.w;
    const at = this.at[id];
    const isStruct = this.kind(id) === Kind.STRUCT;
    const kflag = w[at + 1] >>> 31 === 1;
    const n = w[at + 1] & 0xffff;
    const size = w[at + 2];
    const align = this.alignOrOne(id);
    const packed = isStruct ? this.packed(id) : false;
    this.out.push(`${isStruct ? 'struct' : 'union'}${this.named[id] ? ' ' : ''}${this.typeName(id)} {`);
    const indent = `\n${pfx(lvl + 1)}`;
    let off = 0;
    let prevBitfield = false;
    for (let i = 0, p = at + 3; i < n; i++, p += 3) {
      const memberType = this.ref(id, p + 1 - at);
      const word = w[p + 2];
      const bitOffset = kflag ? word & 0xffffff : word;
      let bits = kflag ? word >>> 24 : 0;
      const memberAlign = packed ? 1 : this.alignOrOne(memberType);
      this.emitBitPadding(off, bitOffset, memberAlign, prevBitfield && bits !== 0, lvl + 1, id);
      this.out.push(indent);
      this.emitTypeDecl(memberType, btf.recordString(id, w[p]), lvl + 1, depth + 1);
      if (bits) {
        this.out.push(`: ${bits}`);
        off = bitOffset + bits;
        prevBitfield = true;
      } else {
        bits = this.sizeOrZero(memberType) * 8;
        off = bitOffset + bits;
        prevBitfield = false;
      }
      this.out.push(';');
    }
    if (isStruct) this.emitBitPadding(off, size * 8, align, false, lvl + 1, id);
    if (n || size) this.out.push(`\n${pfx(lvl)}}`);
    else this.out.push('}');
    if (packed) this.out.push(' __attribute__((packed))');
  }

  /** The natural alignment as btf/layout.ts's alignOf gives it, or 1 where that has none; memoized. */
  private alignOrOne(id: number): number {
    const a = this.alignOf(id, 0);
    return a > 0 ? a : 1;
  }

  /**
   * alignOf over the raw records, memoized across the whole dump (struct alignment is asked for at
   * every embedding): -1 where alignOf throws (void, fwd, func_proto, a cycle, or a struct with
   * such a member).
   */
  private alignOf(id: number, depth: number): number {
    this.aligns ??= new Uint8Array(this.btf.typeCount);
    const known = this.aligns[id];
    if (known === ALIGN_NONE || known === ALIGN_COMPUTING) return -1;
    if (known !== 0) return known;
    if (depth > MAX_RESOLVE_DEPTH) return -1; // not memoized: the limit is the caller's depth
    this.aligns[id] = ALIGN_COMPUTING;
    let a = -1;
    switch (this.kind(id)) {
      case Kind.INT:
      case Kind.ENUM:
      case Kind.ENUM64:
      case Kind.FLOAT:
        a = Math.max(1, Math.min(POINTER_BYTES, this.word2(id)));
        break;
      case Kind.PTR:
        a = POINTER_BYTES;
        break;
      case Kind.TYPEDEF:
      case Kind.CONST:
      case Kind.VOLATILE:
      case Kind.RESTRICT:
      case Kind.TYPE_TAG:
        a = this.alignOf(this.ref(id, 2), depth + 1);
        break;
      case Kind.ARRAY:
        a = this.alignOf(this.ref(id, 3), depth + 1);
        break;
      case Kind.STRUCT:
      case Kind.UNION: {
        const w = this.w;
        const at = this.at[id];
        const kflag = w[at + 1] >>> 31 === 1;
        const n = w[at + 1] & 0xffff;
        let max = 1;
        a = 0;
        for (let i = 0, p = at + 3; i < n; i++, p += 3) {
          const ma = this.alignOf(this.ref(id, p + 1 - at), depth + 1);
          if (ma < 0) {
            a = -1;
            break;
          }
          max = Math.max(max, ma);
          const word = w[p + 2];
          if ((!kflag || word >>> 24 === 0) && (kflag ? word & 0xffffff : word) % (8 * ma) !== 0) {
            a = 1;
            break;
          }
        }
        if (a === 0) a = w[at + 2] % max === 0 ? max : 1;
        break;
      }
      default:
        break;
    }
    this.aligns[id] = a < 0 ? ALIGN_NONE : a;
    return a;
  }

  /** A struct with a member off its natural alignment, or a size not a multiple of it, was packed. */
  private packed(id: number): boolean {
    const w = this.w;
    const at = this.at[id];
    const kflag = w[at + 1] >>> 31 === 1;
    const n = w[at + 1] & 0xffff;
    let max = 1;
    for (let i = 0, p = at + 3; i < n; i++, p += 3) {
      const a = this.alignOrOne(this.ref(id, p + 1 - at));
      const word = w[p + 2];
      if ((!kflag || word >>> 24 === 0) && (kflag ? word & 0xffffff : word) % (8 * a) !== 0) return true;
      max = Math.max(max, a);
    }
    return w[at + 2] % max !== 0;
  }

  /** sizeof as btf/layout.ts's sizeOf gives it, or 0 where that throws (void, fwd, func_proto). */
  private sizeOrZero(id: number): number {
    let mult = 1;
    for (let depth = 0; depth <= MAX_RESOLVE_DEPTH; depth++) {
      switch (this.kind(id)) {
        case Kind.INT:
        case Kind.ENUM:
        case Kind.ENUM64:
        case Kind.STRUCT:
        case Kind.UNION:
        case Kind.FLOAT:
        case Kind.DATASEC:
          return mult * this.word2(id);
        case Kind.PTR:
          return mult * POINTER_BYTES;
        case Kind.TYPEDEF:
        case Kind.CONST:
        case Kind.VOLATILE:
        case Kind.RESTRICT:
        case Kind.TYPE_TAG:
        case Kind.VAR:
          id = this.ref(id, 2);
          break;
        case Kind.ARRAY:
          mult *= this.w[this.at[id] + 5];
          if (mult > 0xffffffff) return 0;
          id = this.ref(id, 3);
          break;
        default:
          return 0;
      }
    }
    return 0;
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
    let padType = 'char';
    let padBits = 8;
    let newOff = curOff;
    for (const [name, bits] of PADS) {
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
      for (let i = PADS.length - 1; i >= 0; i--) {
        const [name, pb] = PADS[i];
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
    // Most members and parameters are a plain type or a pointer to one: print those directly.
    let leaf = this.leafText(id);
    if (leaf !== undefined) {
      this.out.push(name ? `${leaf} ${name}` : leaf);
      return;
    }
    if (this.kinds[id] === Kind.PTR) {
      leaf = this.leafText(this.ref(id, 2));
      if (leaf !== undefined) {
        this.out.push(`${leaf} *${name}`);
        return;
      }
    }
    const stack: number[] = [];
    for (let cur = id, n = 0; ; n++) {
      if (n > MAX_DEPTH)
        throw new BtfError(
          `type [${id}]: declaration chain too long (a pointer cycle?)`,
          this.btf.recordOffset(id),
        );
      stack.push(cur);
      if (cur === 0) break;
      const k = this.kind(cur);
      if (
        k === Kind.PTR ||
        k === Kind.VOLATILE ||
        k === Kind.CONST ||
        k === Kind.RESTRICT ||
        k === Kind.TYPE_TAG ||
        k === Kind.FUNC_PROTO
      ) {
        cur = this.ref(cur, 2);
      } else if (k === Kind.ARRAY) {
        cur = this.ref(cur, 3);
      } else {
        break;
      }
    }
    this.emitTypeChain(stack, name, lvl, depth);
  }

  /** How a type that needs no declarator prints (`int`, `struct sock`, `u32`); undefined for the rest. */
  private leafText(id: number): string | undefined {
    switch (this.kinds[id]) {
      case Kind.UNKN:
        return 'void';
      case Kind.INT:
      case Kind.FLOAT:
        return this.rawName(id);
      case Kind.TYPEDEF:
        return this.identName(id);
      case Kind.STRUCT:
      case Kind.UNION:
        return this.named[id] === 0 ? undefined : this.structFwd(id);
      case Kind.ENUM:
      case Kind.ENUM64:
        return this.named[id] === 0 ? undefined : `enum ${this.typeName(id)}`;
      case Kind.FWD:
        return this.fwdDecl(id);
      default:
        return undefined;
    }
  }

  private emitMods(stack: number[]): void {
    while (stack.length) {
      const k = this.kind(stack[stack.length - 1]);
      if (k === Kind.VOLATILE) this.out.push('volatile ');
      else if (k === Kind.CONST) this.out.push('const ');
      else if (k === Kind.RESTRICT) this.out.push('restrict ');
      else return;
      stack.pop();
    }
  }

  private dropMods(stack: number[]): void {
    while (stack.length) {
      const k = this.kind(stack[stack.length - 1]);
      if (k !== Kind.VOLATILE && k !== Kind.CONST && k !== Kind.RESTRICT && k !== Kind.TYPE_TAG) return;
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
      const k = this.kind(id);
      switch (k) {
        case Kind.INT:
        case Kind.FLOAT:
          this.emitMods(stack);
          this.out.push(this.rawName(id));
          break;
        case Kind.STRUCT:
        case Kind.UNION:
          this.emitMods(stack);
          if (this.named[id] === 0) this.emitStructDef(id, lvl, depth + 1);
          else this.out.push(this.structFwd(id));
          break;
        case Kind.ENUM:
        case Kind.ENUM64:
          this.emitMods(stack);
          if (this.named[id] === 0) this.emitEnumDef(id, lvl);
          else this.out.push(`enum ${this.typeName(id)}`);
          break;
        case Kind.FWD:
          this.emitMods(stack);
          this.out.push(this.fwdDecl(id));
          break;
        case Kind.TYPEDEF:
          this.emitMods(stack);
          this.out.push(this.identName(id));
          break;
        case Kind.PTR:
          this.out.push(lastWasPtr ? '*' : ' *');
          break;
        case Kind.VOLATILE:
          this.out.push(' volatile');
          break;
        case Kind.CONST:
          this.out.push(' const');
          break;
        case Kind.RESTRICT:
          this.out.push(' restrict');
          break;
        case Kind.TYPE_TAG:
          this.emitMods(stack);
          this.out.push(` __attribute__((btf_type_tag("${this.rawName(id)}")))`);
          break;
        case Kind.ARRAY: {
          const nelems = this.w[this.at[id] + 5];
          this.dropMods(stack);
          if (stack.length === 0) {
            this.emitName(name, lastWasPtr);
            this.out.push(`[${nelems}]`);
            return;
          }
          const multidim = this.kind(stack[stack.length - 1]) === Kind.ARRAY;
          if (name && !lastWasPtr) this.out.push(' ');
          if (!multidim) this.out.push('(');
          this.emitTypeChain(stack, name, lvl, depth + 1);
          if (!multidim) this.out.push(')');
          this.out.push(`[${nelems}]`);
          return;
        }
        case Kind.FUNC_PROTO: {
          this.dropMods(stack);
          if (stack.length) {
            this.out.push(' (');
            this.emitTypeChain(stack, name, lvl, depth + 1);
            this.out.push(')');
          } else {
            this.emitName(name, lastWasPtr);
          }
          this.out.push('(');
          const w = this.w;
          const at = this.at[id];
          const n = w[at + 1] & 0xffff;
          // No parameters, or one void one: `(void)`; a void last one is `...`.
          if (n === 0 || (n === 1 && this.ref(id, 4) === 0)) {
            this.out.push('void)');
            return;
          }
          for (let i = 0, p = at + 3; i < n; i++, p += 2) {
            if (i > 0) this.out.push(', ');
            const paramType = this.ref(id, p + 1 - at);
            if (i === n - 1 && paramType === 0) {
              this.out.push('...');
              break;
            }
            this.emitTypeDecl(paramType, this.btf.recordString(id, w[p]), lvl, depth + 1);
          }
          this.out.push(')');
          return;
        }
        default:
          throw new BtfError(
            `type [${id}] (${KIND_NAMES[k]}) cannot appear in a C declaration`,
            this.btf.recordOffset(id),
          );
      }
      lastWasPtr = k === Kind.PTR;
    }
    this.emitName(name, lastWasPtr);
  }
}

function roundUp(x: number, to: number): number {
  return Math.ceil(x / to) * to;
}
