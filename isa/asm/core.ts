// The dialect-independent half of the assembler: the line loop, labels, directives (.byte, .quad
// and the ignored section/symbol ones), jump targets and their fixups, number and register
// operands, the shared validity check and error collection with line:col positions. A dialect
// (llvm.ts, ubpf.ts) subclasses LineAssembler and parses one statement per line. All state lives
// on the instance: two assemblies never share anything.

import { type AssemblerDiagnostic, AssemblerError } from '../errors.js';
import { decodeSlot, type Instruction, type Reference, splitWide } from '../instruction.js';
import { Class, Mode, REGISTER_COUNT, Size, Source } from '../opcodes.js';
import { instructionProblem } from '../validity.js';
import { InstructionColumns } from './columns.js';
import { LineLexer, Tok } from './lexer.js';
import { OP_MINUS, OP_PLUS, P_COLON, P_COMMA } from './tables.js';

export type Dialect = 'llvm' | 'ubpf';

export interface AssembleOptions {
  /** Default 'llvm'. */
  dialect?: Dialect;
  /** File name used in error positions and `source.file`. */
  file?: string;
  /** Maps a helper name (`bpf_map_lookup_elem`) to its id; unresolved names stay as `ref`s. */
  resolveHelper?: (name: string) => number | undefined;
}

export interface AssembleResult {
  /** The instructions, each with its source position (built on first read, then the same array). */
  readonly instructions: Instruction[];
  /** The wire form, little-endian: `encode(instructions)` without building the objects. */
  readonly bytes: Uint8Array;
  /** Slot → late-bound operand (maps, helpers by name), for object writers that relocate them. */
  readonly references: ReadonlyMap<number, Reference>;
  /** Label name → slot index. */
  labels: Map<string, number>;
  /** Total slots (lddw counts two). */
  slots: number;
  /** Lines that assembled but may not mean what they say (sign-extended immediates, forms the kernel rejects). */
  warnings: AssemblerDiagnostic[];
}

/** A failure inside one line: absolute text offset, offending text, message. */
export class LineFailure {
  constructor(
    readonly pos: number,
    readonly text: string,
    readonly message: string,
  ) {}
}

export interface Fixup {
  /** The row (instruction index) whose field receives the distance. */
  row: number;
  slot: number;
  label: string;
  pos: number;
  /** Which field receives the pc-relative distance. */
  field: 'off' | 'imm';
  /** `call name`: when no label has the name, a helper of that name (the LLVM dialect binds it). */
  call?: string;
  /** lddw of a function address (src=PSEUDO_FUNC): imm = distance, relative to the next slot. */
}
/** Does the CPU sign-extend this instruction's 32-bit imm to 64 bits (64-bit ALU, JMP compare, u64 store)? */
function signExtendsImm(i: Instruction): boolean {
  const cls = i.code & 0x07;
  const op = i.code & 0xf0;
  if ((i.code & 0x08) !== Source.K) return false;
  if (cls === Class.ALU64) return op !== 0xd0 && op !== 0x80;
  if (cls === Class.JMP) return op !== 0x00 && op !== 0x80 && op !== 0x90 && op !== 0xe0;
  return i.code === (Class.ST | Mode.MEM | Size.DW);
}

const IGNORED_DIRECTIVES = new Set([
  '.text',
  '.globl',
  '.global',
  '.section',
  '.p2align',
  '.align',
  '.type',
  '.size',
  '.file',
  '.addrsig',
  '.addrsig_sym',
  '.local',
  '.weak',
]);

/** One assembly of one text; a dialect subclass supplies `statement()` and its hooks. */
export abstract class LineAssembler {
  protected readonly L = new LineLexer();
  protected p = 0;
  protected readonly out: InstructionColumns;
  protected readonly labels = new Map<string, number>();
  protected readonly labelPos = new Map<string, number>();
  protected readonly fixups: Fixup[] = [];
  protected readonly errors: AssemblerDiagnostic[] = [];
  protected readonly warnings: AssemblerDiagnostic[] = [];
  /** The last hex immediate above 0x7fffffff read on this line (token index), for the sign-extension warning. */
  protected wrappedImm = -1;
  protected lineNo = 0;
  protected lineStart = 0;
  protected lineEnd = 0;
  /** Bytes of `.byte` directives not yet forming a full slot. */
  protected pending: number[] = [];
  protected pendingPos = 0;

  /** Column of the statement being assembled: its instruction's source position with lineNo. */
  private col = 0;

  constructor(
    protected readonly text: string,
    protected readonly options: AssembleOptions,
  ) {
    this.L.reset(text);
    // Most assembly lines hold one instruction of 10-30 characters.
    this.out = new InstructionColumns(text.length >> 4);
  }

  /** Parses one statement at token `this.p` (labels and directives are already handled). */
  protected abstract statement(): Instruction;

  /**
   * Whether a form the kernel always rejects is an error (the LLVM dialect) rather than a warning
   * (the ubpf dialect: the conformance suite tests the RFC's meaning of such forms).
   */
  protected abstract readonly kernelRejectsAreErrors: boolean;

  /** Called at the start of every non-empty line, before labels (listing prefixes). */
  protected beginLine(): void {}

  /** Called after a numeric or label jump target (trailing listing annotations). */
  protected afterTarget(): void {}

  /** Extra advice for a sign-extended 64-bit mov immediate whose statement text is `text`. */
  protected wideImmHint(_text: string): string {
    return '';
  }

  /** A label the dialect defines without a `name:` line, or undefined. */
  protected implicitLabel(_name: string): number | undefined {
    return undefined;
  }

  /** Binds a fixup whose label is not defined some other way; true when it did. */
  protected bindUnresolved(_f: Fixup): boolean {
    return false;
  }

  /** The statement's instruction: it lives until emit() copies it into a row (the source position is the row's). */
  ins(code: number, dst: number, src: number, off: number, imm: number): Instruction {
    return { code, dst, src, off, imm };
  }

  /** The row the statement being assembled will fill (fixups and late bindings name it). */
  protected get row(): number {
    return this.out.count;
  }

  /** The slot the statement being assembled will start at. */
  protected get slot(): number {
    return this.out.slots;
  }

  run(): AssembleResult {
    const text = this.text;
    const len = text.length;
    let start = 0;
    while (start <= len) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = len;
      this.lineNo++;
      this.lineStart = start;
      this.lineEnd = end;
      const fixups = this.fixups.length;
      try {
        this.line(start, end);
      } catch (e) {
        if (!(e instanceof LineFailure)) throw e;
        this.fail(e);
        // A failed statement emits nothing: its fixups would name the next statement's row.
        this.fixups.length = fixups;
      }
      start = end + 1;
    }
    if (this.pending.length > 0) {
      this.failAt(this.pendingPos, '.byte', `.byte data ends mid-slot (${this.pending.length} of 8 bytes)`);
    }
    this.resolveFixups();
    if (this.errors.length > 0) {
      this.errors.sort((a, b) => a.line - b.line || a.col - b.col);
      throw new AssemblerError(this.errors);
    }
    return assembledProgram(this.out, this.text, this.options.file, this.labels, this.warnings);
  }

  // ---- error plumbing -------------------------------------------------------------------------

  protected fail(e: LineFailure): void {
    // Positions are absolute; find the line of `pos` (it is the current line except for fixups).
    let line = this.lineNo;
    let lineStart = this.lineStart;
    if (e.pos < this.lineStart || e.pos > this.lineEnd) {
      line = 1;
      lineStart = 0;
      for (let i = this.text.indexOf('\n'); i >= 0 && i < e.pos; i = this.text.indexOf('\n', i + 1)) {
        line++;
        lineStart = i + 1;
      }
    }
    this.errors.push({
      line,
      col: e.pos - lineStart + 1,
      text: e.text,
      message: e.message,
      file: this.options.file,
    });
  }

  protected failAt(pos: number, text: string, message: string): void {
    this.fail(new LineFailure(pos, text, message));
  }

  protected warnAt(pos: number, text: string, message: string): void {
    this.warnings.push({
      line: this.lineNo,
      col: pos - this.lineStart + 1,
      text,
      message,
      file: this.options.file,
      severity: 'warning',
    });
  }

  /**
   * The shared validity rule (isa/validity.ts) on a statement's instruction: an invalid encoding is
   * an error; a form the kernel always rejects is an error in the LLVM dialect and a warning in
   * the ubpf dialect (the conformance suite tests the RFC's meaning of such forms) or for forms
   * LLVM itself writes (callx). Then the sign-extension warning for 64-bit immediates.
   */
  protected check(i: Instruction, t0: number): void {
    const L = this.L;
    const problem = instructionProblem(i);
    if (!problem && this.wrappedImm < 0) return;
    const at = L.start[t0];
    const text = this.text.slice(at, L.end[this.p - 1]);
    if (problem) {
      if (problem.severity === 'invalid' || (this.kernelRejectsAreErrors && !problem.llvmForm))
        throw new LineFailure(at, text, problem.message);
      this.warnAt(at, text, `the kernel rejects this: ${problem.message}`);
    }
    if (this.wrappedImm >= 0 && signExtendsImm(i)) {
      const t = this.wrappedImm;
      const shown = L.tokenText(t);
      const v = BigInt.asUintN(64, BigInt(i.imm));
      const wide = i.code === (Class.ALU64 | Source.K | 0xb0) ? this.wideImmHint(text) : '';
      this.warnAt(
        L.start[t],
        shown,
        `immediate ${shown} is sign-extended to 64 bits: the operand is ${i.imm} (0x${v.toString(16)})${wide}`,
      );
    }
  }

  protected tokDesc(t: number): string {
    const bad = this.badCharAt(t);
    if (bad !== undefined) return `'${bad}'`;
    return this.L.kind[t] === Tok.End ? 'end of line' : `'${this.L.tokenText(t)}'`;
  }

  /** The character no token starts with, when the scan stopped there at token `t` (else undefined). */
  private badCharAt(t: number): string | undefined {
    const L = this.L;
    if (L.kind[t] !== Tok.End || L.badAt < 0 || L.start[t] !== L.badAt) return undefined;
    return String.fromCodePoint(this.text.codePointAt(L.badAt) as number);
  }

  /** Builds the failure "expected X after 'prev', found 'tok'" at token `t`. */
  protected expected(what: string, t = this.p): LineFailure {
    const L = this.L;
    const after = t > 0 ? ` after '${L.tokenText(t - 1)}'` : '';
    const text = L.kind[t] === Tok.End ? (this.badCharAt(t) ?? '') : L.tokenText(t);
    return new LineFailure(L.start[t], text, `expected ${what}${after}, found ${this.tokDesc(t)}`);
  }

  protected failTok(t: number, message: string): LineFailure {
    return new LineFailure(this.L.start[t], this.L.tokenText(t), message);
  }

  // ---- token helpers --------------------------------------------------------------------------

  protected kind(): number {
    return this.L.kind[this.p];
  }

  protected isOp(op: number, t = this.p): boolean {
    return this.L.kind[t] === Tok.Op && this.L.value[t] === op;
  }

  protected isPunct(c: number, t = this.p): boolean {
    return this.L.kind[t] === Tok.Punct && this.L.value[t] === c;
  }

  protected expectPunct(c: number): void {
    if (!this.isPunct(c)) throw this.expected(`'${String.fromCharCode(c)}'`);
    this.p++;
  }

  protected expectOp(op: number, shown: string): void {
    if (!this.isOp(op)) throw this.expected(`'${shown}'`);
    this.p++;
  }

  protected expectWord(word: string): void {
    if (!this.L.identIs(this.p, word)) throw this.expected(`'${word}'`);
    this.p++;
  }

  protected expectEnd(): void {
    if (this.kind() !== Tok.End) throw this.expected('end of line');
    if (this.L.badAt >= 0) this.badChar();
  }

  protected badChar(): never {
    const at = this.L.badAt;
    const ch = String.fromCodePoint(this.text.codePointAt(at) as number);
    throw new LineFailure(at, ch, `unexpected character '${ch}'`);
  }

  /** A register token: returns its index; `wide` out-param through the lexer flag. */
  protected reg(what = 'a register (r0-r10)'): number {
    const L = this.L;
    const t = this.p;
    if (L.kind[t] !== Tok.Reg) {
      if (L.kind[t] === Tok.End && L.badAt >= 0) this.badChar();
      throw this.expected(what);
    }
    const r = L.value[t];
    if (r >= REGISTER_COUNT) throw this.failTok(t, `register ${L.tokenText(t)} does not exist (r0-r10)`);
    this.p++;
    return r;
  }

  /** Was the register just consumed a 32-bit `wN`? */
  protected lastWasW(): boolean {
    return this.L.flag[this.p - 1] === 1;
  }

  /** Consumes an optional '+' or '-'; true after a '-'. */
  private sign(): boolean {
    if (this.isOp(OP_MINUS)) {
      this.p++;
      return true;
    }
    if (this.isOp(OP_PLUS)) this.p++;
    return false;
  }

  /** Optional sign then a number; returns [value, isHex, tokenIndex]. Exact to 2^53. */
  protected signedNumber(what: string): { value: number; hex: boolean; t: number; big: boolean } {
    // One reused result object: this runs for most lines, and callers read it at once.
    const n = this.num;
    const L = this.L;
    const t0 = this.p;
    const neg = this.sign();
    if (L.kind[this.p] !== Tok.Num) throw this.expected(what);
    const t = this.p++;
    const v = L.value[t];
    n.value = neg ? -v : v;
    n.hex = L.flag[t] === 1;
    n.t = t0;
    n.big = L.big[t] === 1;
    return n;
  }

  protected readonly num = { value: 0, hex: false, t: 0, big: false };
  protected readonly addr = { reg: 0, off: 0 };

  /** A 32-bit immediate: decimal within s32, hex within u32 (a bit pattern); never wraps silently. */
  protected imm32(what = 'an immediate'): number {
    const n = this.signedNumber(what);
    const ok = n.hex
      ? n.value >= -0x80000000 && n.value <= 0xffffffff
      : n.value >= -0x80000000 && n.value <= 0x7fffffff;
    if (!ok || n.big) {
      const text = this.textFrom(n.t);
      throw new LineFailure(
        this.L.start[n.t],
        text,
        `immediate ${text} does not fit in 32 bits (decimal -2147483648..2147483647, hex up to 0xffffffff)`,
      );
    }
    if (n.value > 0x7fffffff) this.wrappedImm = n.t;
    return n.value | 0;
  }

  protected imm64(what = 'a 64-bit immediate'): bigint {
    const L = this.L;
    const t0 = this.p;
    const neg = this.sign();
    if (L.kind[this.p] !== Tok.Num) throw this.expected(what);
    const t = this.p++;
    const hex = L.flag[t] === 1;
    let v = L.big[t] ? L.bigValue(t) : BigInt(L.value[t]);
    if (neg) v = -v;
    const ok = hex ? v >= -(1n << 63n) && v < 1n << 64n : v >= -(1n << 63n) && v < 1n << 64n;
    if (!ok) {
      const text = this.textFrom(t0);
      throw new LineFailure(L.start[t0], text, `immediate ${text} does not fit in 64 bits`);
    }
    return v;
  }

  protected textFrom(t0: number): string {
    return this.text.slice(this.L.start[t0], this.L.end[this.p - 1]);
  }

  /** A signed 16-bit memory offset with its sign (`+ 0x4`, `- 8`, `+8`). */
  protected offset16(requireSign: boolean): number {
    const t0 = this.p;
    if (requireSign && !this.isOp(OP_PLUS) && !this.isOp(OP_MINUS))
      throw this.expected("'+' or '-' and an offset");
    const n = this.signedNumber('an offset');
    if (n.value < -0x8000 || n.value > 0x7fff || n.big) {
      const text = this.textFrom(t0);
      throw new LineFailure(this.L.start[t0], text, `offset ${text} does not fit in 16 bits (-32768..32767)`);
    }
    return n.value;
  }

  // ---- lines ----------------------------------------------------------------------------------

  protected line(start: number, end: number): void {
    const L = this.L;
    L.scan(start, end);
    this.p = 0;
    // A character no token holds, glued to a word (`ré = 1`): the word was cut short there, so
    // what the cut word is not (`unknown instruction 'r'`) would mislead; name the character.
    const last = L.count - 1;
    if (
      L.badAt >= 0 &&
      last >= 0 &&
      L.end[last] === L.badAt &&
      L.kind[last] !== Tok.Punct &&
      L.kind[last] !== Tok.Op
    )
      this.badChar();
    if (L.count === 0) {
      if (L.badAt >= 0) this.badChar();
      return;
    }
    this.beginLine();
    // Labels: `name:` (several may share a line, and an instruction may follow).
    while (L.kind[this.p] === Tok.Ident && this.isPunct(P_COLON, this.p + 1)) {
      this.defineLabel(this.p);
      this.p += 2;
    }
    if (L.kind[this.p] === Tok.End) {
      if (L.badAt >= 0) this.badChar();
      return;
    }
    if (L.kind[this.p] === Tok.Ident && this.text.charCodeAt(L.start[this.p]) === 46 /* . */) {
      this.directive();
      return;
    }
    if (this.pending.length > 0) {
      throw new LineFailure(
        L.start[this.p],
        L.tokenText(this.p),
        `instruction inside a partial .byte slot (${this.pending.length} of 8 bytes given)`,
      );
    }
    const col = L.start[this.p] - start + 1;
    const t0 = this.p;
    this.wrappedImm = -1;
    this.col = col;
    const produced = this.statement();
    this.expectEnd();
    this.check(produced, t0);
    this.emit(produced);
  }

  protected emit(i: Instruction): void {
    this.out.push(i, this.lineNo, this.col);
  }

  protected defineLabel(t: number): void {
    const name = this.L.tokenText(t);
    if (this.labels.has(name)) throw this.failTok(t, `label '${name}' is already defined`);
    this.labels.set(name, this.slot);
    this.labelPos.set(name, this.L.start[t]);
  }

  protected directive(): void {
    const L = this.L;
    const t = this.p;
    const name = L.tokenText(t);
    this.p++;
    if (name === '.byte') {
      if (this.pending.length === 0) this.pendingPos = L.start[t];
      for (;;) {
        const n = this.signedNumber('a byte value');
        if (n.value < -128 || n.value > 255)
          throw this.failTok(n.t, `byte ${this.textFrom(n.t)} does not fit in 8 bits`);
        this.pending.push(n.value & 0xff);
        if (!this.isPunct(P_COMMA)) break;
        this.p++;
      }
      this.expectEnd();
      while (this.pending.length >= 8) {
        const bytes = new Uint8Array(this.pending.splice(0, 8));
        this.col = L.start[t] - this.lineStart + 1;
        this.emit(decodeSlot(new DataView(bytes.buffer), 0, true));
      }
      return;
    }
    if (name === '.8byte' || name === '.quad' || name === '.dword') {
      const v = BigInt.asUintN(64, this.imm64('a 64-bit value'));
      this.expectEnd();
      const { imm, imm2 } = splitWide(v);
      // Little-endian slot: the low 32 bits hold code, regs and off; the high 32 bits the imm.
      const slot = this.ins(imm & 0xff, (imm >>> 8) & 0xf, (imm >>> 12) & 0xf, (imm >> 16) | 0, imm2);
      slot.off = (slot.off << 16) >> 16;
      this.col = L.start[t] - this.lineStart + 1;
      this.emit(slot);
      return;
    }
    if (IGNORED_DIRECTIVES.has(name)) return;
    throw this.failTok(t, `unknown directive '${name}'`);
  }

  // ---- jump targets and fixups ----------------------------------------------------------------

  /** A jump target: `+N`/`-N`/`N`, `pc+N` (verifier), or a label. Returns the value or schedules a fixup. */
  protected target(i: Instruction, field: 'off' | 'imm'): void {
    const L = this.L;
    const t = this.p;
    if (L.kind[t] === Tok.Ident && !L.identIs(t, 'pc')) {
      this.p++;
      this.fixups.push({ row: this.row, slot: this.slot, label: L.tokenText(t), pos: L.start[t], field });
    } else {
      if (L.identIs(t, 'pc')) {
        this.p++;
        if (!this.isOp(OP_PLUS) && !this.isOp(OP_MINUS)) throw this.expected("'+' or '-'");
      }
      const n = this.signedNumber('a jump offset or label');
      this.setDistance(i, field, n.value, n.t, n.big);
    }
    this.afterTarget();
  }

  protected setDistance(i: Instruction, field: 'off' | 'imm', d: number, t: number, big = false): void {
    if (field === 'off' ? d < -0x8000 || d > 0x7fff || big : d < -0x80000000 || d > 0x7fffffff || big) {
      const text = typeof t === 'number' && t < this.L.count ? this.textFrom(t) : String(d);
      throw new LineFailure(
        this.L.start[t],
        text,
        `jump distance ${d} does not fit in ${field === 'off' ? '16' : '32'} bits`,
      );
    }
    if (field === 'off') i.off = d;
    else i.imm = d;
  }

  protected resolveFixups(): void {
    for (const f of this.fixups) {
      let target = this.labels.get(f.label);
      if (target === undefined) target = this.implicitLabel(f.label);
      if (target === undefined && this.bindUnresolved(f)) continue;
      if (target === undefined) {
        this.failAt(f.pos, f.label, `undefined label '${f.label}'`);
        continue;
      }
      const d = target - f.slot - 1;
      const limit = f.field === 'off' ? 0x8000 : 0x80000000;
      if (d < -limit || d >= limit) {
        this.failAt(
          f.pos,
          f.label,
          `jump to '${f.label}' is ${d} slots away, beyond the ${f.field === 'off' ? '16' : '32'}-bit range`,
        );
        continue;
      }
      this.out.patch(f.row, f.field, d);
    }
  }
}

/**
 * An assembly's result: a plain object whose `instructions`, `bytes` and `references` are made
 * from the rows on first read and then kept as ordinary properties. They are own and enumerable
 * from the start, so spreading, JSON and structured clone see them as before.
 */
function assembledProgram(
  rows: InstructionColumns,
  text: string,
  file: string | undefined,
  labels: Map<string, number>,
  warnings: AssemblerDiagnostic[],
): AssembleResult {
  const result = { labels, slots: rows.slots, warnings } as AssembleResult;
  lazyProperty(result, 'instructions', () => rows.toInstructions(text, file));
  lazyProperty(result, 'bytes', () => rows.toBytes());
  lazyProperty(result, 'references', () => rows.referencesBySlot());
  return result;
}

function lazyProperty<T extends object>(target: T, name: keyof T & string, make: () => unknown): void {
  Object.defineProperty(target, name, {
    enumerable: true,
    configurable: true,
    get() {
      const value = make();
      Object.defineProperty(target, name, { value, enumerable: true, configurable: true, writable: false });
      return value;
    },
  });
}
