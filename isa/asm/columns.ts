// The assembler's output while it runs: one row per instruction in typed-array columns, with the
// line and column each row was written at. Hundreds of thousands of instruction and
// source objects that all survive until the end were most of the assembler's time in the garbage
// collector; a row costs nothing to keep. Objects are built once, when a caller asks for them, and
// the wire form is written straight from the columns.

import { type Instruction, LDDW, type Reference } from '../instruction.js';
import { SLOT_SIZE } from '../opcodes.js';
import { writeSlot } from '../wire-slot.js';

const HAS_IMM2 = 1;

export class InstructionColumns {
  count = 0;
  /** Wire slots so far (an lddw with its second half takes two). */
  slots = 0;
  private capacity: number;
  private code: Uint8Array;
  /** dst in the low nibble, src in the high one: the wire's register byte. */
  private regs: Uint8Array;
  private flags: Uint8Array;
  private off: Int16Array;
  private imm: Int32Array;
  private imm2: Int32Array;
  private line: Int32Array;
  private col: Int32Array;
  /** Row → symbolic operand (a map, a helper by name): few rows have one. */
  readonly refs = new Map<number, Reference>();

  constructor(expectedRows: number) {
    this.capacity = Math.max(16, expectedRows);
    const n = this.capacity;
    this.code = new Uint8Array(n);
    this.regs = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.off = new Int16Array(n);
    this.imm = new Int32Array(n);
    this.imm2 = new Int32Array(n);
    this.line = new Int32Array(n);
    this.col = new Int32Array(n);
  }

  /** Appends `i`, written on source line `line` (1-based, never before an earlier row's) at column `col`. */
  push(i: Instruction, line: number, col: number): number {
    if (this.count === this.capacity) this.grow();
    const r = this.count++;
    this.code[r] = i.code;
    this.regs[r] = ((i.src & 0xf) << 4) | (i.dst & 0xf);
    this.off[r] = i.off;
    this.imm[r] = i.imm;
    const wide = i.imm2 !== undefined;
    this.flags[r] = wide ? HAS_IMM2 : 0;
    this.imm2[r] = wide ? (i.imm2 as number) : 0;
    this.line[r] = line;
    this.col[r] = col;
    if (i.ref !== undefined) this.refs.set(r, i.ref);
    this.slots += i.code === LDDW && wide ? 2 : 1;
    return r;
  }

  /** Sets a field of row `r` that a label or a late-bound call fills in after the row was made. */
  patch(r: number, field: 'off' | 'imm' | 'src', value: number): void {
    if (field === 'src') this.regs[r] = ((value & 0xf) << 4) | ((this.regs[r] as number) & 0xf);
    else this[field][r] = value;
  }

  private grow(): void {
    this.capacity *= 2;
    const n = this.capacity;
    const wider = <T extends Uint8Array | Int16Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.code = wider(this.code, (n) => new Uint8Array(n));
    this.regs = wider(this.regs, (n) => new Uint8Array(n));
    this.flags = wider(this.flags, (n) => new Uint8Array(n));
    this.off = wider(this.off, (n) => new Int16Array(n));
    this.imm = wider(this.imm, (n) => new Int32Array(n));
    this.imm2 = wider(this.imm2, (n) => new Int32Array(n));
    this.line = wider(this.line, (n) => new Int32Array(n));
    this.col = wider(this.col, (n) => new Int32Array(n));
  }

  /** The rows as Instruction objects, each with its source position (`file` when given). */
  toInstructions(text: string, file: string | undefined): Instruction[] {
    const out: Instruction[] = new Array(this.count);
    // Rows come in line order: one walk over the text finds each row's line. Rows of one line
    // and column (a `.byte` run) share one source object.
    let lineNo = 1;
    let lineStart = 0;
    let source: Instruction['source'];
    for (let r = 0; r < this.count; r++) {
      const line = this.line[r] as number;
      const col = this.col[r] as number;
      if (source === undefined || line !== source.line || col !== source.col) {
        for (; lineNo < line; lineNo++) lineStart = text.indexOf('\n', lineStart) + 1;
        let lineEnd = text.indexOf('\n', lineStart);
        if (lineEnd < 0) lineEnd = text.length;
        const lineText = text.slice(lineStart, lineEnd);
        source = file === undefined ? { line, col, text: lineText } : { line, col, text: lineText, file };
      }
      const regs = this.regs[r] as number;
      const i: Instruction = {
        code: this.code[r] as number,
        dst: regs & 0xf,
        src: regs >> 4,
        off: this.off[r] as number,
        imm: this.imm[r] as number,
        source,
      };
      if (this.flags[r] & HAS_IMM2) i.imm2 = this.imm2[r];
      const ref = this.refs.get(r);
      if (ref !== undefined) i.ref = ref;
      out[r] = i;
    }
    return out;
  }

  /** The wire form, little-endian: what encode() makes of toInstructions(), without the objects. */
  toBytes(): Uint8Array {
    const bytes = new Uint8Array(this.slots * SLOT_SIZE);
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (let r = 0; r < this.count; r++) {
      const code = this.code[r] as number;
      const regs = this.regs[r] as number;
      writeSlot(view, at, code, regs & 0xf, regs >> 4, this.off[r] as number, this.imm[r] as number, true);
      at += SLOT_SIZE;
      if (this.twoSlots(r)) {
        writeSlot(view, at, 0, 0, 0, 0, this.imm2[r] as number, true);
        at += SLOT_SIZE;
      }
    }
    return bytes;
  }

  /** Wire slot of each row with a reference (for object writers that relocate them). */
  referencesBySlot(): Map<number, Reference> {
    const out = new Map<number, Reference>();
    if (this.refs.size === 0) return out;
    let slot = 0;
    for (let r = 0; r < this.count; r++) {
      const ref = this.refs.get(r);
      if (ref !== undefined) out.set(slot, ref);
      slot += this.twoSlots(r) ? 2 : 1;
    }
    return out;
  }

  /** Whether row `r` takes two wire slots: an lddw with its second half. */
  private twoSlots(r: number): boolean {
    return this.code[r] === LDDW && ((this.flags[r] as number) & HAS_IMM2) !== 0;
  }
}
