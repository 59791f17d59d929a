// The name → type index of a Btf: an open-addressing hash table over the names' bytes in the
// string section (no JS string per type), built in one pass or adopted from a saved copy.
import { BtfError } from './error.js';

/** Where the index reads a type's name: the raw bytes and each local type's name offset. */
export interface NameSource {
  readonly bytes: Uint8Array;
  /** The first local type id. */
  readonly firstId: number;
  /** Local types (ids firstId…). */
  readonly localCount: number;
  /** String offsets below this are the base's. */
  readonly ownStringBase: number;
  /** Name offset of local type `i` (id firstId + i). */
  nameOffsetAt(i: number): number;
  /** Byte position in `bytes` of the local string at (base + own) offset `off`. */
  localStringStart(off: number): number;
  nameOf(id: number): string;
}

const utf8enc = new TextEncoder();

function fnv1a(b: Uint8Array, start: number): number {
  let h = 0x811c9dc5;
  for (let i = start; b[i] !== 0; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Table slots for `count` types: a power of two, at least twice as many (probes stay short). */
function capacityFor(count: number): number {
  let cap = 16;
  while (cap < count * 2) cap *= 2;
  return cap;
}

/** Open-addressing hash of type names (by their bytes, no JS strings made), insertion-ordered per name. */
export class NameIndex {
  private readonly mask: number;

  /**
   * `table` holds local index + 1 per slot (0 = empty), at the slot of the name's hash; a lookup
   * compares the name's bytes at each occupied slot it meets (half the slots are empty, so it
   * meets few). No hashes are stored: the table stays small enough to save and read back cheaply.
   * `baseNamed`: types whose names live in the base's string table (split BTF).
   */
  private constructor(
    private readonly src: NameSource,
    readonly table: Uint32Array,
    private readonly baseNamed: readonly number[],
  ) {
    this.mask = table.length - 1;
  }

  /** Hashes every local name once. */
  static build(src: NameSource): NameIndex {
    const cap = capacityFor(src.localCount);
    const table = new Uint32Array(cap);
    const mask = cap - 1;
    const b = src.bytes;
    const strBase = src.ownStringBase;
    const shift = src.localStringStart(strBase);
    const baseNamed: number[] = [];
    for (let i = 0; i < src.localCount; i++) {
      const off = src.nameOffsetAt(i);
      if (off === 0) continue;
      if (off < strBase) {
        baseNamed.push(i); // a name in the base's string table (rare in split BTF)
        continue;
      }
      let h = 0x811c9dc5;
      for (let j = shift + off - strBase; b[j] !== 0; j++) h = Math.imul(h ^ b[j], 0x01000193);
      h >>>= 0;
      let s = h & mask;
      while (table[s] !== 0) s = (s + 1) & mask;
      table[s] = i + 1;
    }
    return new NameIndex(src, table, baseNamed);
  }

  /**
   * A saved table (NameIndex.table of the same blob). Its shape is checked; its contents cannot
   * give a wrong answer (every hit is compared byte by byte with the name looked up), only a miss,
   * which is why a saved table is used only for a blob identified as the same.
   */
  static adopt(src: NameSource, table: Uint32Array): NameIndex {
    if (table.length !== capacityFor(src.localCount))
      throw new BtfError(
        `saved name index has ${table.length} slots, want ${capacityFor(src.localCount)}`,
        -1,
      );
    if (src.ownStringBase > 0) throw new BtfError('saved name indexes are for base BTF only', -1);
    return new NameIndex(src, table, []);
  }

  /** Calls `visit(id)` for each type named `name` until it returns true. */
  forEach(name: string, visit: (id: number) => boolean): void {
    const q = utf8enc.encode(`${name}\0`);
    const h = fnv1a(q, 0);
    const src = this.src;
    const bytes = src.bytes;
    const first = src.firstId;
    const { table, mask } = this;
    for (let s = h & mask; table[s] !== 0; s = (s + 1) & mask) {
      const i = table[s] - 1;
      if (i >= src.localCount) continue;
      const at = src.localStringStart(src.nameOffsetAt(i));
      let j = 0;
      while (j < q.length && bytes[at + j] === q[j]) j++;
      if (j === q.length && visit(first + i)) return;
    }
    for (const i of this.baseNamed) if (src.nameOf(first + i) === name && visit(first + i)) return;
  }
}
