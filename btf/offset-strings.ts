// Strings by string-table offset, one object per offset. An open-addressing table over typed
// arrays: a full C dump looks a name up for every member and parameter (over a million times
// for vmlinux), and a Map with number keys was the dump's largest single cost. The strings sit
// in a packed array (a `new Array(n)` this large would be a slow dictionary-mode one).

const EMPTY = -1;

export class OffsetStrings {
  private keys: Int32Array;
  /** For each occupied slot, the index of its string in `strings`. */
  private slots: Int32Array;
  private shift: number;
  private readonly strings: string[] = [];

  /** Sized for about `expected` strings up front: growing is a rehash of everything so far. */
  constructor(expected: number) {
    const bits = Math.max(12, Math.min(24, Math.ceil(Math.log2(2 * expected + 1))));
    this.keys = new Int32Array(1 << bits).fill(EMPTY);
    this.slots = new Int32Array(1 << bits);
    this.shift = 32 - bits;
  }

  get(off: number): string | undefined {
    const keys = this.keys;
    const mask = keys.length - 1;
    for (let i = Math.imul(off, 0x9e3779b1) >>> this.shift; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === off) return this.strings[this.slots[i]];
      if (k === EMPTY) return undefined;
    }
  }

  /** Adds `s` for `off` (which must not be there yet). */
  add(off: number, s: string): void {
    if (2 * (this.strings.length + 1) > this.keys.length) this.grow();
    this.place(off, this.strings.length);
    this.strings.push(s);
  }

  private place(off: number, slot: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let i = Math.imul(off, 0x9e3779b1) >>> this.shift;
    while (keys[i] !== EMPTY) i = (i + 1) & mask;
    keys[i] = off;
    this.slots[i] = slot;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    this.keys = new Int32Array(oldKeys.length * 2).fill(EMPTY);
    this.slots = new Int32Array(oldKeys.length * 2);
    this.shift--;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== EMPTY) this.place(oldKeys[i], oldSlots[i]);
  }
}
