// Raw BTF → a lazily decoded type table. Opening makes one pass over the type section that records
// each record's offset and checks its bounds; a type is decoded on first use and cached; names are
// hashed into an index (built on the first lookup by name) so that finding a type never scans.
// Both indexes can be saved and given back for the same blob (savedIndex(), ParseOptions.index).
import { BtfError } from './error.js';
import {
  extraBytes,
  INT_BOOL,
  INT_CHAR,
  INT_SIGNED,
  KIND_NAMES,
  Kind,
  type KindName,
  kindNumber,
  MAX_KIND,
} from './kinds.js';
import { NameIndex, type NameSource } from './name-index.js';
import { OffsetStrings } from './offset-strings.js';
import type { BtfType, Enum64Value, EnumValue, Linkage, Member, Param, VarSecinfo } from './types.js';
import { VOID } from './types.js';

export const BTF_MAGIC = 0xeb9f;
const HEADER_MIN = 24;
const LINKAGES: readonly Linkage[] = ['static', 'global', 'extern'];

export interface ParseOptions {
  /** For split BTF (kernel modules): the BTF this one extends; ids and strings continue after it. */
  base?: Btf;
  /**
   * The indexes savedIndex() returned for this same blob (base BTF only): opening then skips the
   * pass over every record and every name. Their shape and a sample of records are checked
   * (BtfError when they do not fit); that they belong to this blob is the caller's to know.
   */
  index?: BtfIndex;
}

/** What opening a blob computes, to keep between processes (see ParseOptions.index). */
export interface BtfIndex {
  /** Word offset of each type record in the type section. */
  readonly offsets: Uint32Array;
  /** The name hash table. */
  readonly names: Uint32Array;
}

/** Records checked when a saved index is given: spread evenly, each must end where the next starts. */
const SAMPLED_RECORDS = 2048;

/** The type records as raw words: see Btf.rawRecords. */
export interface RawRecords {
  /** Every record, base types' first (native-endian words). */
  readonly words: Uint32Array;
  /** By type id: the index in `words` of the record's first word. */
  readonly at: Int32Array;
  /** By type id: the kind number (0 for void). */
  readonly kinds: Uint8Array;
  /** By type id: 1 if the type has a name. */
  readonly named: Uint8Array;
}

export class Btf implements NameSource {
  readonly base: Btf | undefined;
  /** The first type id defined in this blob (1, or the base's typeCount for split BTF). */
  readonly firstId: number;
  /** Ids run from 0 (void) to typeCount - 1, including the base's. */
  readonly typeCount: number;
  /** The raw blob (kept: types are decoded from it lazily). */
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  private readonly view: DataView;
  /** The type section as native-endian words (a view when aligned and little-endian, else a copy). */
  private readonly words: Uint32Array;
  private readonly typeStart: number;
  private readonly strStart: number;
  private readonly strEnd: number;
  /** String offsets below this belong to the base. */
  private readonly strBase: number;
  /** Word index (into `words`) of each local type record, indexed by id - firstId. */
  private readonly offsets: Uint32Array;
  private readonly cache: (BtfType | undefined)[];
  private names: NameIndex | undefined;
  private text: string | undefined;

  private constructor(bytes: Uint8Array, base: Btf | undefined, index: BtfIndex | undefined) {
    this.bytes = bytes;
    this.base = base;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < HEADER_MIN)
      throw new BtfError(`truncated header: ${bytes.byteLength} bytes, need ${HEADER_MIN}`, 0);
    const magic = this.view.getUint16(0, true);
    if (magic === BTF_MAGIC) this.littleEndian = true;
    else if (magic === 0x9feb) this.littleEndian = false;
    else throw new BtfError(`bad magic 0x${magic.toString(16)}, want 0xeb9f`, 0);
    const le = this.littleEndian;
    const version = bytes[2];
    if (version !== 1) throw new BtfError(`unsupported version ${version}`, 2);
    const hdrLen = this.view.getUint32(4, le);
    if (hdrLen < HEADER_MIN || hdrLen > bytes.byteLength)
      throw new BtfError(`bad header length ${hdrLen}`, 4);
    const typeStart = hdrLen + this.view.getUint32(8, le);
    const typeEnd = typeStart + this.view.getUint32(12, le);
    this.strStart = hdrLen + this.view.getUint32(16, le);
    this.strEnd = this.strStart + this.view.getUint32(20, le);
    if (typeEnd > bytes.byteLength || typeStart > typeEnd)
      throw new BtfError(`type section ${typeStart}..${typeEnd} past end ${bytes.byteLength}`, 8);
    if (this.strEnd > bytes.byteLength)
      throw new BtfError(`string section ${this.strStart}..${this.strEnd} past end ${bytes.byteLength}`, 16);
    if (typeStart % 4 !== 0) throw new BtfError(`type section offset ${typeStart} is not 4-byte aligned`, 8);
    if (this.strEnd > this.strStart && bytes[this.strEnd - 1] !== 0)
      throw new BtfError('string section does not end with NUL', this.strEnd - 1);
    if (this.strStart < typeEnd && this.strEnd > typeStart)
      throw new BtfError('type and string sections overlap', 16);
    if ((typeEnd - typeStart) % 4 !== 0)
      throw new BtfError(`type section length ${typeEnd - typeStart} is not a multiple of 4`, 12);
    this.typeStart = typeStart;
    this.words = sectionWords(bytes, typeStart, typeEnd, le);
    const strLen = this.strEnd - this.strStart;
    if (base) {
      this.strBase = base.stringsLength;
      this.firstId = base.typeCount;
    } else {
      this.strBase = 0;
      this.firstId = 1;
      if (strLen === 0 || bytes[this.strStart] !== 0)
        throw new BtfError('string section must start with an empty string', this.strStart);
    }
    const saved = index && !base ? index : undefined;
    if (index && base) throw new BtfError('a saved index is for base BTF only', 0);
    this.offsets = saved
      ? this.checkOffsets(saved.offsets, this.strBase + strLen)
      : this.indexTypes(this.strBase + strLen);
    this.typeCount = this.firstId + this.offsets.length;
    this.cache = new Array(this.offsets.length);
    if (saved) this.names = NameIndex.adopt(this, saved.names);
  }

  static parse(bytes: Uint8Array, options: ParseOptions = {}): Btf {
    return new Btf(bytes, options.base, options.index);
  }

  /** The record offsets and the name index, to save and give back as ParseOptions.index. */
  savedIndex(): BtfIndex {
    return { offsets: this.offsets, names: this.nameIndex().table };
  }

  /** Total string bytes addressable from this BTF (base strings included). */
  get stringsLength(): number {
    return this.strBase + this.strEnd - this.strStart;
  }

  /** One pass: bounds and kind of each record, its offset. No decoding. */
  private indexTypes(strLimit: number): Uint32Array {
    const w = this.words;
    const end = w.length;
    let offsets = new Uint32Array(Math.max(16, (end / 4) | 0));
    let n = 0;
    for (let at = 0; at < end; ) {
      const where = this.typeStart + at * 4;
      if (at + 3 > end)
        throw new BtfError(`type record [${this.firstId + n}] header past end of type section`, where);
      const nameOff = w[at];
      const info = w[at + 1];
      const kind = (info >>> 24) & 0x1f;
      if (kind === 0 || kind > MAX_KIND)
        throw new BtfError(`type [${this.firstId + n}] has bad kind ${kind}`, where + 4);
      if (nameOff >= strLimit)
        throw new BtfError(
          `type [${this.firstId + n}] name offset ${nameOff} out of range (strings are ${strLimit} bytes)`,
          where,
        );
      const next = at + 3 + FIXED_WORDS[kind] + VLEN_WORDS[kind] * (info & 0xffff);
      if (next > end)
        throw new BtfError(
          `type record [${this.firstId + n}] (${KIND_NAMES[kind]}) runs past end of type section`,
          where,
        );
      if (n === offsets.length) {
        const grown = new Uint32Array(n * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[n++] = at;
      at = next;
    }
    return offsets.slice(0, n);
  }

  /** A saved record index, checked: it starts at 0, ends at the section's end, samples chain. */
  private checkOffsets(offsets: Uint32Array, strLimit: number): Uint32Array {
    const w = this.words;
    const n = offsets.length;
    const bad = (why: string) => new BtfError(`saved index does not fit this BTF: ${why}`, this.typeStart);
    if (n === 0) {
      if (w.length !== 0) throw bad('no records');
      return offsets;
    }
    if (offsets[0] !== 0) throw bad('first record not at 0');
    const step = Math.max(1, Math.floor(n / SAMPLED_RECORDS));
    for (let k = 0; ; k++) {
      const i = Math.min(n - 1, k * step); // …and always the last record
      const at = offsets[i];
      if (at + 3 > w.length) throw bad(`record ${i} past the end`);
      const info = w[at + 1];
      const kind = (info >>> 24) & 0x1f;
      if (kind === 0 || kind > MAX_KIND || w[at] >= strLimit) throw bad(`record ${i} is not a type`);
      const next = at + 3 + FIXED_WORDS[kind] + VLEN_WORDS[kind] * (info & 0xffff);
      if (next !== (i + 1 < n ? offsets[i + 1] : w.length))
        throw bad(`record ${i} does not end where the next starts`);
      if (i === n - 1) break;
    }
    return offsets;
  }

  /** Local types (ids firstId…typeCount-1): for the name index. */
  get localCount(): number {
    return this.offsets.length;
  }

  /** The name offset of local type `i` (id firstId + i): for the name index. */
  nameOffsetAt(i: number): number {
    return this.words[this.offsets[i]];
  }

  /** The byte offset of type `id`'s record in its blob (for error messages). */
  recordOffset(id: number): number {
    if (id < this.firstId) return this.base ? this.base.recordOffset(id) : -1;
    const at = this.offsets[id - this.firstId];
    return at === undefined ? -1 : this.typeStart + at * 4;
  }

  private checkId(id: number, from: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.typeCount) {
      throw new BtfError(`type id ${id} out of range (${this.typeCount} types)`, from);
    }
  }

  /** The kind number of `id` without decoding it. */
  kindOf(id: number): number {
    if (id === 0) return Kind.UNKN;
    if (id < this.firstId) {
      if (!this.base) throw new BtfError(`type id ${id} out of range`, -1);
      return this.base.kindOf(id);
    }
    this.checkId(id, -1);
    return (this.words[this.offsets[id - this.firstId] + 1] >>> 24) & 0x1f;
  }

  /**
   * The `type` field of a record whose kind has one (ptr, typedef, modifiers, func, var, decl_tag,
   * type_tag; a func_proto's return type), without decoding; -1 for other kinds.
   */
  refOf(id: number): number {
    if (id === 0) return -1;
    if (id < this.firstId) return this.base ? this.base.refOf(id) : -1;
    this.checkId(id, -1);
    const at = this.offsets[id - this.firstId];
    switch ((this.words[at + 1] >>> 24) & 0x1f) {
      case Kind.PTR:
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
      case Kind.FUNC:
      case Kind.VAR:
      case Kind.DECL_TAG:
      case Kind.TYPE_TAG:
      case Kind.FUNC_PROTO: {
        const t = this.words[at + 2];
        if (t >= this.typeCount)
          throw new BtfError(
            `type [${id}] refers to type id ${t}, out of range (${this.typeCount} types)`,
            this.typeStart + at * 4 + 8,
          );
        return t;
      }
      default:
        return -1;
    }
  }

  /** The name of `id` ('' if anonymous) without decoding the rest. */
  nameOf(id: number): string {
    if (id === 0) return '';
    if (id < this.firstId) return this.base ? this.base.nameOf(id) : '';
    this.checkId(id, -1);
    return this.string(this.words[this.offsets[id - this.firstId]]);
  }

  /**
   * Every record's words in one array, for readers that walk every type without decoding it (the
   * C printer): `words[at[id]]` is the first word of type `id`'s record, `kinds[id]` its kind
   * (checked here: a saved index does not check every record), `named[id]` 1 if its name is not
   * empty (told by the string's first byte, without making the string). Split BTF joins the
   * base's words to its own. Made once; only the records' bounds are checked, so type ids and
   * string offsets read from them are the reader's to check.
   */
  rawRecords(): RawRecords {
    if (this.raw) return this.raw;
    const baseRaw = this.base?.rawRecords();
    let words = this.words;
    const at = new Int32Array(this.typeCount);
    const kinds = new Uint8Array(this.typeCount);
    const named = new Uint8Array(this.typeCount);
    let shift = 0;
    if (baseRaw) {
      words = new Uint32Array(baseRaw.words.length + this.words.length);
      words.set(baseRaw.words);
      words.set(this.words, baseRaw.words.length);
      at.set(baseRaw.at);
      kinds.set(baseRaw.kinds);
      named.set(baseRaw.named);
      shift = baseRaw.words.length;
    }
    const offsets = this.offsets;
    for (let i = 0, id = this.firstId; i < offsets.length; i++, id++) {
      const k = (this.words[offsets[i] + 1] >>> 24) & 0x1f;
      if (k === 0 || k > MAX_KIND)
        throw new BtfError(`type [${id}] has bad kind ${k}`, this.typeStart + offsets[i] * 4 + 4);
      at[id] = offsets[i] + shift;
      kinds[id] = k;
      const nameOff = this.words[offsets[i]];
      if (nameOff !== 0) named[id] = this.firstByteOf(nameOff, id) === 0 ? 0 : 1;
    }
    this.raw = { words, at, kinds, named };
    return this.raw;
  }
  private raw: RawRecords | undefined;

  /** The first byte of the string at `off` (0 for an empty one), read at type `id`'s record. */
  private firstByteOf(off: number, id: number): number {
    if (off < this.strBase) return (this.base as Btf).firstByteOf(off, id);
    if (off >= this.stringsLength)
      throw new BtfError(`type [${id}] name offset ${off} out of range`, this.recordOffset(id));
    return this.bytes[this.strStart + off - this.strBase];
  }

  /**
   * The string at `off`, read from type `id`'s record: one string object per offset (member names
   * repeat), and a BtfError at that record if `off` is out of range.
   */
  recordString(id: number, off: number): string {
    if (off >= this.stringsLength)
      throw new BtfError(`type [${id}] string offset ${off} out of range`, this.recordOffset(id));
    return this.interned(off);
  }

  /** Type `id`, decoded once and cached. Throws BtfError for ids out of range or bad records. */
  type(id: number): BtfType {
    if (id === 0) return VOID;
    if (id < this.firstId) {
      if (!this.base) throw new BtfError(`type id ${id} out of range (${this.typeCount} types)`, -1);
      return this.base.type(id);
    }
    this.checkId(id, -1);
    const i = id - this.firstId;
    let t = this.cache[i];
    if (t === undefined) {
      t = this.decode(id, this.offsets[i]);
      this.cache[i] = t;
    }
    return t;
  }

  /** All type ids of this blob (not the base's), in order. */
  *ids(): IterableIterator<number> {
    for (let id = this.firstId; id < this.typeCount; id++) yield id;
  }

  /** The NUL-terminated string at `off` of the (base + own) string table. */
  string(off: number): string {
    if (off < this.strBase) return (this.base as Btf).string(off);
    const local = off - this.strBase;
    if (local >= this.strEnd - this.strStart) throw new BtfError(`string offset ${off} out of range`, -1);
    // A few strings: decode each. Many (a full dump): one latin1 decode of the whole table, then
    // substrings, which is far cheaper per name than building each from bytes.
    if (this.text === undefined && ++this.stringCalls < 4096) {
      const b = this.bytes;
      const start = this.strStart + local;
      let end = start;
      let ascii = true;
      for (; b[end] !== 0; end++) if (b[end] >= 0x80) ascii = false;
      return ascii ? latin1.decode(b.subarray(start, end)) : utf8.decode(b.subarray(start, end));
    }
    const text = this.text ?? this.decodeStrings();
    const end = text.indexOf('\0', local);
    const s = text.substring(local, end);
    return !this.textAscii && NON_ASCII.test(s)
      ? utf8.decode(this.bytes.subarray(this.strStart + local, this.strStart + end))
      : s;
  }
  private stringCalls = 0;

  private textAscii = false;

  // Node's UTF-8 decoder is several times faster than its latin1 one; on an all-ASCII table (what
  // compilers and pahole write) the two give the same text, and it shows as no character above
  // 0x7f (an invalid byte would decode to U+FFFD) and one character per byte.
  private decodeStrings(): string {
    const bytes = this.bytes.subarray(this.strStart, this.strEnd);
    const text = utf8.decode(bytes);
    this.textAscii = text.length === bytes.length && !NON_ASCII.test(text);
    this.text = this.textAscii ? text : latin1.decode(bytes);
    return this.text;
  }

  /** Member and parameter names repeat ('next', 'flags'): share one string per offset. */
  private interned(off: number): string {
    // Vmlinux has about one distinct name per two types.
    this.internTable ??= new OffsetStrings(this.offsets.length / 2);
    let s = this.internTable.get(off);
    if (s === undefined) {
      s = this.string(off);
      this.internTable.add(off, s);
    }
    return s;
  }
  private internTable: OffsetStrings | undefined;

  /** Byte offset of a type-section word (for errors). */
  private byteAt(word: number): number {
    return this.typeStart + word * 4;
  }

  /** Type id `t` read at word `where` of type `id`, checked. */
  private ref(id: number, t: number, where: number): number {
    if (t >= this.typeCount)
      throw new BtfError(
        `type [${id}] refers to type id ${t}, out of range (${this.typeCount} types)`,
        this.byteAt(where),
      );
    return t;
  }

  /** Name at string offset `off` read at word `where` of type `id`, checked and interned. */
  private str(id: number, off: number, where: number): string {
    if (off >= this.stringsLength)
      throw new BtfError(`type [${id}] string offset ${off} out of range`, this.byteAt(where));
    return this.interned(off);
  }

  // Methods rather than closures for ref/str: a full dump decodes every type, and three closures
  // per type were garbage the young generation had to sweep.
  private decode(id: number, at: number): BtfType {
    const w = this.words;
    const info = w[at + 1];
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const kflag = info >>> 31 === 1;
    const sizeOrType = w[at + 2];
    const name = this.string(w[at]);
    const body = at + 3;
    switch (kind) {
      case Kind.INT: {
        const x = w[body];
        const enc = (x >>> 24) & 0x0f;
        const bits = x & 0xff;
        const bitsOffset = (x >>> 16) & 0xff;
        if (bits > 128 || bitsOffset + bits > sizeOrType * 8 || sizeOrType > 16) {
          throw new BtfError(
            `int [${id}] '${name}' has bad size ${sizeOrType}, bits ${bits} at ${bitsOffset}`,
            this.byteAt(body),
          );
        }
        return {
          kind: 'int',
          id,
          name,
          size: sizeOrType,
          bitsOffset,
          bits,
          signed: (enc & INT_SIGNED) !== 0,
          char: (enc & INT_CHAR) !== 0,
          bool: (enc & INT_BOOL) !== 0,
        };
      }
      case Kind.PTR:
      case Kind.TYPEDEF:
      case Kind.VOLATILE:
      case Kind.CONST:
      case Kind.RESTRICT:
        return { kind: KIND_NAMES[kind] as 'ptr', id, name, type: this.ref(id, sizeOrType, at + 2) };
      case Kind.TYPE_TAG:
        return { kind: 'type_tag', id, name, type: this.ref(id, sizeOrType, at + 2), attribute: kflag };
      case Kind.ARRAY:
        return {
          kind: 'array',
          id,
          name,
          type: this.ref(id, w[body], body),
          indexType: this.ref(id, w[body + 1], body + 1),
          nelems: w[body + 2],
        };
      case Kind.STRUCT:
      case Kind.UNION: {
        const members: Member[] = new Array(vlen);
        for (let i = 0, p = body; i < vlen; i++, p += 3) {
          const off = w[p + 2];
          members[i] = {
            name: this.str(id, w[p], p),
            type: this.ref(id, w[p + 1], p + 1),
            bitOffset: kflag ? off & 0xffffff : off,
            bitfieldSize: kflag ? off >>> 24 : 0,
          };
        }
        return { kind: kind === Kind.STRUCT ? 'struct' : 'union', id, name, size: sizeOrType, members };
      }
      case Kind.ENUM: {
        const values: EnumValue[] = new Array(vlen);
        for (let i = 0, p = body; i < vlen; i++, p += 2) {
          values[i] = { name: this.str(id, w[p], p), value: kflag ? w[p + 1] | 0 : w[p + 1] };
        }
        return { kind: 'enum', id, name, size: sizeOrType, signed: kflag, values };
      }
      case Kind.ENUM64: {
        const values: Enum64Value[] = new Array(vlen);
        for (let i = 0, p = body; i < vlen; i++, p += 3) {
          const raw = (BigInt(w[p + 2]) << 32n) | BigInt(w[p + 1]);
          values[i] = { name: this.str(id, w[p], p), value: kflag ? BigInt.asIntN(64, raw) : raw };
        }
        return { kind: 'enum64', id, name, size: sizeOrType, signed: kflag, values };
      }
      case Kind.FWD:
        return { kind: 'fwd', id, name, fwdKind: kflag ? 'union' : 'struct' };
      case Kind.FUNC: {
        const linkage = LINKAGES[vlen];
        if (!linkage)
          throw new BtfError(`func [${id}] '${name}' has bad linkage ${vlen}`, this.byteAt(at + 1));
        return { kind: 'func', id, name, type: this.ref(id, sizeOrType, at + 2), linkage };
      }
      case Kind.FUNC_PROTO: {
        const params: Param[] = new Array(vlen);
        for (let i = 0, p = body; i < vlen; i++, p += 2) {
          params[i] = { name: this.str(id, w[p], p), type: this.ref(id, w[p + 1], p + 1) };
        }
        return { kind: 'func_proto', id, name, returnType: this.ref(id, sizeOrType, at + 2), params };
      }
      case Kind.VAR: {
        const linkage = LINKAGES[w[body]];
        if (!linkage)
          throw new BtfError(`var [${id}] '${name}' has bad linkage ${w[body]}`, this.byteAt(body));
        return { kind: 'var', id, name, type: this.ref(id, sizeOrType, at + 2), linkage };
      }
      case Kind.DATASEC: {
        const vars: VarSecinfo[] = new Array(vlen);
        for (let i = 0, p = body; i < vlen; i++, p += 3) {
          vars[i] = { type: this.ref(id, w[p], p), offset: w[p + 1], size: w[p + 2] };
        }
        return { kind: 'datasec', id, name, size: sizeOrType, vars };
      }
      case Kind.FLOAT:
        return { kind: 'float', id, name, size: sizeOrType };
      case Kind.DECL_TAG:
        return {
          kind: 'decl_tag',
          id,
          name,
          type: this.ref(id, sizeOrType, at + 2),
          componentIdx: w[body] | 0,
          attribute: kflag,
        };
      default:
        throw new BtfError(`type [${id}] has bad kind ${kind}`, this.byteAt(at + 1));
    }
  }

  /** The first type named `name` (of `kind`, if given), base types first; undefined if none. */
  find(name: string, kind?: KindName): BtfType | undefined {
    const id = this.findId(name, kind);
    return id === undefined ? undefined : this.type(id);
  }

  /** Like find(), the id only. */
  findId(name: string, kind?: KindName): number | undefined {
    const k = kind === undefined ? -1 : kindNumber(kind);
    const fromBase = this.base?.findId(name, kind);
    if (fromBase !== undefined) return fromBase;
    let found: number | undefined;
    this.nameIndex().forEach(name, (id) => {
      if (k < 0 || this.kindOf(id) === k) {
        found = id;
        return true;
      }
      return false;
    });
    return found;
  }

  /** Every type named `name` (of `kind`, if given), in id order. */
  findAll(name: string, kind?: KindName): BtfType[] {
    const k = kind === undefined ? -1 : kindNumber(kind);
    const own: number[] = [];
    this.nameIndex().forEach(name, (id) => {
      if (k < 0 || this.kindOf(id) === k) own.push(id);
      return false;
    });
    own.sort((a, b) => a - b);
    return [...(this.base ? this.base.findAll(name, kind) : []), ...own.map((id) => this.type(id))];
  }

  private nameIndex(): NameIndex {
    this.names ??= NameIndex.build(this);
    return this.names;
  }

  /** Bytes of the string at local string offset `off` (relative to this blob's section) — for the index. */
  localStringStart(off: number): number {
    return this.strStart + off - this.strBase;
  }
  get ownStringBase(): number {
    return this.strBase;
  }
}

const utf8 = new TextDecoder('utf-8');
/** Words of kind-specific data after a record's 3-word head: fixed, and per vlen item (see extraBytes). */
const FIXED_WORDS = Uint8Array.from({ length: 32 }, (_, k) => (k <= MAX_KIND ? extraBytes(k, 0) >>> 2 : 0));
const VLEN_WORDS = Uint8Array.from({ length: 32 }, (_, k) =>
  k <= MAX_KIND ? (extraBytes(k, 1) - extraBytes(k, 0)) >>> 2 : 0,
);
const latin1 = new TextDecoder('latin1');
const NON_ASCII = /[\u0080-\uffff]/;

/** The type section as native u32 words: a view when possible, else an aligned (byte-swapped) copy. */
function sectionWords(bytes: Uint8Array, start: number, end: number, le: boolean): Uint32Array {
  const n = (end - start) >>> 2;
  const at = bytes.byteOffset + start;
  if (le && at % 4 === 0) return new Uint32Array(bytes.buffer, at, n);
  const dv = new DataView(bytes.buffer, at, end - start);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getUint32(i * 4, le);
  return out;
}
