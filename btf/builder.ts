// Build BTF from type descriptions → bytes the kernel (BPF_BTF_LOAD) and our parser accept.
// Ids are handed out in order of add(); names are deduplicated in the string section.
import { BtfError } from './error.js';
import { INT_BOOL, INT_CHAR, INT_SIGNED, Kind } from './kinds.js';
import type { Btf } from './parse.js';
import type { Linkage, Member, TypeSpec } from './types.js';

const LINKAGE: Record<Linkage, number> = { static: 0, global: 1, extern: 2 };

export interface BuilderOptions {
  /** Build split BTF on top of this base: ids and string offsets continue after it. */
  base?: Btf;
}

export class BtfBuilder {
  private readonly words: number[] = [];
  private readonly strings: string[] = [];
  private readonly stringOffsets = new Map<string, number>();
  private stringBytes = 0;
  private readonly firstId: number;
  private readonly strBase: number;
  private count = 0;
  private readonly split: boolean;

  constructor(options: BuilderOptions = {}) {
    this.split = options.base !== undefined;
    this.firstId = options.base ? options.base.typeCount : 1;
    this.strBase = options.base ? options.base.stringsLength : 0;
    if (!this.split) this.addString('');
  }

  /** The id the next add() will return. */
  get nextId(): number {
    return this.firstId + this.count;
  }

  private addString(s: string): number {
    if (s === '' && this.split) return 0;
    let off = this.stringOffsets.get(s);
    if (off === undefined) {
      if (s.includes('\0')) throw new BtfError(`name ${JSON.stringify(s)} contains NUL`, -1);
      off = this.strBase + this.stringBytes;
      this.stringOffsets.set(s, off);
      this.strings.push(s);
      this.stringBytes += utf8.encode(s).length + 1;
    }
    return off;
  }

  private ref(t: number, what: string): number {
    if (!Number.isInteger(t) || t < 0 || t >= this.nextId + 1024 * 1024)
      throw new BtfError(`${what}: bad type id ${t}`, -1);
    return t;
  }

  private head(name: string, kind: number, vlen: number, kflag: boolean, sizeOrType: number): void {
    if (vlen > 0xffff) throw new BtfError(`type '${name}' has ${vlen} members; BTF allows 65535`, -1);
    this.words.push(this.addString(name), ((kflag ? 1 : 0) << 31) | (kind << 24) | vlen, sizeOrType >>> 0);
  }

  /** Appends one type; returns its id. Type ids in `spec` may refer to types added later. */
  add(spec: TypeSpec): number {
    const id = this.nextId;
    const what = `type ${spec.kind} '${spec.name}'`;
    switch (spec.kind) {
      case 'void':
        throw new BtfError('void is type 0; it is not added', -1);
      case 'int': {
        const enc = (spec.signed ? INT_SIGNED : 0) | (spec.char ? INT_CHAR : 0) | (spec.bool ? INT_BOOL : 0);
        if (spec.bits > 128 || spec.bitsOffset + spec.bits > spec.size * 8)
          throw new BtfError(
            `${what}: ${spec.bits} bits at ${spec.bitsOffset} do not fit ${spec.size} bytes`,
            -1,
          );
        this.head(spec.name, Kind.INT, 0, false, spec.size);
        this.words.push((enc << 24) | (spec.bitsOffset << 16) | spec.bits);
        break;
      }
      case 'ptr':
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
        this.head(spec.name, KIND[spec.kind], 0, false, this.ref(spec.type, what));
        break;
      case 'type_tag':
        this.head(spec.name, Kind.TYPE_TAG, 0, spec.attribute, this.ref(spec.type, what));
        break;
      case 'array':
        this.head(spec.name, Kind.ARRAY, 0, false, 0);
        this.words.push(this.ref(spec.type, what), this.ref(spec.indexType, what), spec.nelems >>> 0);
        break;
      case 'struct':
      case 'union': {
        const kflag = spec.members.some((m) => m.bitfieldSize !== 0);
        this.head(
          spec.name,
          spec.kind === 'struct' ? Kind.STRUCT : Kind.UNION,
          spec.members.length,
          kflag,
          spec.size,
        );
        for (const m of spec.members)
          this.words.push(this.addString(m.name), this.ref(m.type, what), memberOffset(m, kflag, what));
        break;
      }
      case 'enum':
        this.head(spec.name, Kind.ENUM, spec.values.length, spec.signed, spec.size);
        for (const v of spec.values) this.words.push(this.addString(v.name), v.value >>> 0);
        break;
      case 'enum64':
        this.head(spec.name, Kind.ENUM64, spec.values.length, spec.signed, spec.size);
        for (const v of spec.values) {
          const u = BigInt.asUintN(64, v.value);
          this.words.push(this.addString(v.name), Number(u & 0xffffffffn), Number(u >> 32n));
        }
        break;
      case 'fwd':
        this.head(spec.name, Kind.FWD, 0, spec.fwdKind === 'union', 0);
        break;
      case 'func':
        this.head(spec.name, Kind.FUNC, LINKAGE[spec.linkage], false, this.ref(spec.type, what));
        break;
      case 'func_proto':
        this.head(spec.name, Kind.FUNC_PROTO, spec.params.length, false, this.ref(spec.returnType, what));
        for (const p of spec.params) this.words.push(this.addString(p.name), this.ref(p.type, what));
        break;
      case 'var':
        this.head(spec.name, Kind.VAR, 0, false, this.ref(spec.type, what));
        this.words.push(LINKAGE[spec.linkage]);
        break;
      case 'datasec':
        this.head(spec.name, Kind.DATASEC, spec.vars.length, false, spec.size);
        for (const v of spec.vars) this.words.push(this.ref(v.type, what), v.offset >>> 0, v.size >>> 0);
        break;
      case 'float':
        this.head(spec.name, Kind.FLOAT, 0, false, spec.size);
        break;
      case 'decl_tag':
        this.head(spec.name, Kind.DECL_TAG, 0, spec.attribute, this.ref(spec.type, what));
        this.words.push(spec.componentIdx >>> 0);
        break;
      default:
        throw new BtfError(`unknown kind ${(spec as { kind: string }).kind}`, -1);
    }
    this.count++;
    return id;
  }

  // Shorthands for the common cases.
  int(
    name: string,
    size: number,
    options: { signed?: boolean; char?: boolean; bool?: boolean } = {},
  ): number {
    return this.add({
      kind: 'int',
      name,
      size,
      bitsOffset: 0,
      bits: size * 8,
      signed: !!options.signed,
      char: !!options.char,
      bool: !!options.bool,
    });
  }
  pointer(type: number): number {
    return this.add({ kind: 'ptr', name: '', type });
  }
  typedef(name: string, type: number): number {
    return this.add({ kind: 'typedef', name, type });
  }
  array(type: number, nelems: number, indexType: number): number {
    return this.add({ kind: 'array', name: '', type, indexType, nelems });
  }
  struct(name: string, size: number, members: Member[]): number {
    return this.add({ kind: 'struct', name, size, members });
  }

  /** The BTF blob: header, type section, string section (little-endian). */
  encode(): Uint8Array {
    const typeLen = this.words.length * 4;
    const strLen = this.stringBytes;
    const out = new Uint8Array(24 + typeLen + strLen);
    const v = new DataView(out.buffer);
    v.setUint16(0, 0xeb9f, true);
    out[2] = 1; // version
    v.setUint32(4, 24, true);
    v.setUint32(8, 0, true);
    v.setUint32(12, typeLen, true);
    v.setUint32(16, typeLen, true);
    v.setUint32(20, strLen, true);
    for (let i = 0; i < this.words.length; i++) v.setUint32(24 + i * 4, this.words[i], true);
    let at = 24 + typeLen;
    for (const s of this.strings) {
      const b = utf8.encode(s);
      out.set(b, at);
      at += b.length + 1;
    }
    return out;
  }
}

const KIND = {
  ptr: Kind.PTR,
  typedef: Kind.TYPEDEF,
  volatile: Kind.VOLATILE,
  const: Kind.CONST,
  restrict: Kind.RESTRICT,
} as const;
const utf8 = new TextEncoder();

function memberOffset(m: Member, kflag: boolean, what: string): number {
  if (!kflag) return m.bitOffset >>> 0;
  if (m.bitfieldSize > 255 || m.bitOffset >= 1 << 24)
    throw new BtfError(
      `${what}: member '${m.name}' bitfield ${m.bitfieldSize} at bit ${m.bitOffset} does not fit BTF's encoding`,
      -1,
    );
  return ((m.bitfieldSize << 24) | m.bitOffset) >>> 0;
}
