// Text → instructions. Two dialects:
//  - 'llvm': the C-like syntax llvm-objdump, llvm-mc, bpftool and the verifier log print
//    (`r0 = *(u32 *)(r1 + 0x4)`, `if w1 s> 5 goto +2`, `call bpf_map_lookup_elem#1`, `(b7) r0 = 0`);
//  - 'ubpf': the mnemonic syntax of the BPF conformance suite (`ldxw %r0, [%r1+4]`, `jne %r1, 5, label`).
// Both share the scanner, labels, directives, ranges and error collection; each statement is
// parsed by a small recursive-descent routine over the scanner's token arrays.

import { type AssemblerDiagnostic, AssemblerError } from './errors.js';
import {
  decodeSlot,
  type Instruction,
  LDDW,
  type Reference,
  type SourcePos,
  splitWide,
} from './instruction.js';
import { LineLexer, opId, Tok } from './lexer.js';
import {
  ADDR_SPACE_CAST_OFF,
  type AluOp,
  AluOps,
  type AtomicOp,
  AtomicOps,
  CallKind,
  Class,
  type JmpOp,
  JmpOps,
  Mode,
  Pseudo,
  PseudoSources,
  REGISTER_COUNT,
  Size,
  type SizeCode,
  Source,
  sizeSuffix,
  sizeType,
} from './opcodes.js';
import { instructionProblem } from './validity.js';

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
  instructions: Instruction[];
  /** Label name → slot index. */
  labels: Map<string, number>;
  /** Total slots (lddw counts two). */
  slots: number;
  /** Lines that assembled but may not mean what they say (sign-extended immediates, forms the kernel rejects). */
  warnings: AssemblerDiagnostic[];
}

/** A failure inside one line: absolute text offset, offending text, message. */
class LineFailure {
  constructor(
    readonly pos: number,
    readonly text: string,
    readonly message: string,
  ) {}
}

interface Fixup {
  ins: Instruction;
  slot: number;
  label: string;
  pos: number;
  /** Which field receives the pc-relative distance. */
  field: 'off' | 'imm';
  /** lddw of a function address (src=PSEUDO_FUNC): imm = distance, relative to the next slot. */
}

const OP_ASSIGN = opId('=');
const OP_MINUS = opId('-');
const OP_PLUS = opId('+');
const OP_STAR = opId('*');
const OP_LT = opId('<');
const OP_GT = opId('>');
const P_LPAREN = 40;
const P_RPAREN = 41;
const P_LBRACK = 91;
const P_RBRACK = 93;
const P_COMMA = 44;
const P_COLON = 58;
const P_HASH = 35;
const S_PREFIX = 1 << 24;

// Operator tables derived from opcodes.ts.
const aluByLlvm = new Map<number, AluOp>();
const aluByName = new Map<string, AluOp>();
for (const a of AluOps) {
  aluByName.set(a.name, a);
  if (!a.llvm || a.llvm === '=') continue;
  const signed = a.llvm.startsWith('s');
  aluByLlvm.set(opId(signed ? a.llvm.slice(1) : a.llvm) + (signed ? S_PREFIX : 0), a);
}
const jmpByLlvm = new Map<number, JmpOp>();
const jmpByName = new Map<string, JmpOp>();
for (const j of JmpOps) {
  jmpByName.set(j.name, j);
  if (!j.llvm) continue;
  const signed = j.llvm.startsWith('s');
  jmpByLlvm.set(opId(signed ? j.llvm.slice(1) : j.llvm) + (signed ? S_PREFIX : 0), j);
}
const atomicByLlvm = new Map<number, AtomicOp>();
const atomicByName = new Map<string, AtomicOp>();
for (const a of AtomicOps) {
  atomicByName.set(a.name, a);
  if (a.llvm) atomicByLlvm.set(opId(a.llvm), a);
}
const sizeByType = new Map<string, { size: SizeCode; signed: boolean }>();
for (const [code, name] of Object.entries(sizeType)) {
  const size = Number(code) as SizeCode;
  sizeByType.set(name, { size, signed: false });
  // s64 is not a load the ISA has; it parses so the shared validity rule can say so.
  sizeByType.set(`s${name.slice(1)}`, { size, signed: true });
}
/** Bit width → [unsigned, signed] access type, for the scanner-level type match. */
const sizeByBits = new Map<
  number,
  [{ size: SizeCode; signed: boolean }, { size: SizeCode; signed: boolean } | undefined]
>();
for (const [name, ty] of sizeByType) {
  if (ty.signed) continue;
  sizeByBits.set(Number(name.slice(1)), [ty, sizeByType.get(`s${name.slice(1)}`)]);
}
const sizeBySuffix = new Map<string, SizeCode>();
for (const [code, suffix] of Object.entries(sizeSuffix)) sizeBySuffix.set(suffix, Number(code) as SizeCode);

/** `be16` … `bswap64`: the byte-swap words of the LLVM syntax. */
const swapForms = new Map<string, { code: number; bits: number }>();
for (const bits of [16, 32, 64]) {
  swapForms.set(`le${bits}`, { code: Class.ALU | Source.K | 0xd0, bits });
  swapForms.set(`be${bits}`, { code: Class.ALU | Source.X | 0xd0, bits });
  swapForms.set(`bswap${bits}`, { code: Class.ALU64 | Source.K | 0xd0, bits });
}

/** `unknown instruction 'mov'` in the LLVM dialect: say when the word is a ubpf mnemonic. */
function ubpfHint(word: string): string {
  return ubpfHandlers.has(word)
    ? ` ('${word}' is the ubpf dialect's mnemonic: assemble with dialect 'ubpf' (--dialect ubpf), or write the LLVM form, e.g. 'r0 = 1' for 'mov %r0, 1')`
    : '';
}

/** `bswap8`, `le128`: byte swaps exist only at widths 16, 32 and 64. */
function swapWidthHint(word: string): string {
  const m = /^(le|be|bswap|swap)(\d+)$/.exec(word);
  if (!m || m[2] === '16' || m[2] === '32' || m[2] === '64') return '';
  return `: byte swap width ${m[2]} is not 16, 32 or 64 (${m[1]}16, ${m[1]}32, ${m[1]}64)`;
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

// The line being assembled: instructions are born with their source position, so they keep one
// object shape and are never patched after allocation (cheaper for the garbage collector).
let currentSource: SourcePos | undefined;
const ins = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  code,
  dst,
  src,
  off,
  imm,
  source: currentSource,
});

/** Assembles eBPF text. Throws AssemblerError listing every bad line. */
export function assemble(text: string, options: AssembleOptions = {}): AssembleResult {
  return new Assembler(text, options).run();
}

class Assembler {
  private readonly L = new LineLexer();
  private p = 0;
  private readonly ubpf: boolean;
  private readonly out: Instruction[] = [];
  private readonly labels = new Map<string, number>();
  private readonly labelPos = new Map<string, number>();
  private readonly fixups: Fixup[] = [];
  private readonly errors: AssemblerDiagnostic[] = [];
  private readonly warnings: AssemblerDiagnostic[] = [];
  /** The last hex immediate above 0x7fffffff read on this line (token index), for the sign-extension warning. */
  private wrappedImm = -1;
  private slot = 0;
  private implicitExit = -1;
  private lineNo = 0;
  private lineStart = 0;
  private lineEnd = 0;
  /** Bytes of `.byte` directives not yet forming a full slot. */
  private pending: number[] = [];
  private pendingPos = 0;

  constructor(
    private readonly text: string,
    private readonly options: AssembleOptions,
  ) {
    this.ubpf = options.dialect === 'ubpf';
    this.L.reset(text);
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
      try {
        this.line(start, end);
      } catch (e) {
        if (!(e instanceof LineFailure)) throw e;
        this.fail(e);
      }
      start = end + 1;
    }
    if (this.pending.length > 0) {
      this.failAt(this.pendingPos, '.byte', `.byte data ends mid-slot (${this.pending.length} of 8 bytes)`);
    }
    currentSource = undefined;
    this.resolveFixups();
    if (this.errors.length > 0) {
      this.errors.sort((a, b) => a.line - b.line || a.col - b.col);
      throw new AssemblerError(this.errors);
    }
    return { instructions: this.out, labels: this.labels, slots: this.slot, warnings: this.warnings };
  }

  // ---- error plumbing -------------------------------------------------------------------------

  private fail(e: LineFailure): void {
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

  private failAt(pos: number, text: string, message: string): void {
    this.fail(new LineFailure(pos, text, message));
  }

  private warnAt(pos: number, text: string, message: string): void {
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
  private check(i: Instruction, t0: number): void {
    const L = this.L;
    const problem = instructionProblem(i);
    if (!problem && this.wrappedImm < 0) return;
    const at = L.start[t0];
    const text = this.text.slice(at, L.end[this.p - 1]);
    if (problem) {
      if (problem.severity === 'invalid' || (!this.ubpf && !problem.llvmForm))
        throw new LineFailure(at, text, problem.message);
      this.warnAt(at, text, `the kernel rejects this: ${problem.message}`);
    }
    if (this.wrappedImm >= 0 && signExtendsImm(i)) {
      const t = this.wrappedImm;
      const shown = L.tokenText(t);
      const v = BigInt.asUintN(64, BigInt(i.imm));
      const wide =
        i.code === (Class.ALU64 | Source.K | 0xb0) && !this.ubpf
          ? `; write '${text} ll' for the 64-bit value`
          : '';
      this.warnAt(
        L.start[t],
        shown,
        `immediate ${shown} is sign-extended to 64 bits: the operand is ${i.imm} (0x${v.toString(16)})${wide}`,
      );
    }
  }

  private tokDesc(t: number): string {
    return this.L.kind[t] === Tok.End ? 'end of line' : `'${this.L.tokenText(t)}'`;
  }

  /** Builds the failure "expected X after 'prev', found 'tok'" at token `t`. */
  private expected(what: string, t = this.p): LineFailure {
    const L = this.L;
    const after = t > 0 ? ` after '${L.tokenText(t - 1)}'` : '';
    const text = L.kind[t] === Tok.End ? '' : L.tokenText(t);
    return new LineFailure(L.start[t], text, `expected ${what}${after}, found ${this.tokDesc(t)}`);
  }

  private failTok(t: number, message: string): LineFailure {
    return new LineFailure(this.L.start[t], this.L.tokenText(t), message);
  }

  // ---- token helpers --------------------------------------------------------------------------

  private kind(): number {
    return this.L.kind[this.p];
  }

  private isOp(op: number, t = this.p): boolean {
    return this.L.kind[t] === Tok.Op && this.L.value[t] === op;
  }

  private isPunct(c: number, t = this.p): boolean {
    return this.L.kind[t] === Tok.Punct && this.L.value[t] === c;
  }

  private expectPunct(c: number): void {
    if (!this.isPunct(c)) throw this.expected(`'${String.fromCharCode(c)}'`);
    this.p++;
  }

  private expectOp(op: number, shown: string): void {
    if (!this.isOp(op)) throw this.expected(`'${shown}'`);
    this.p++;
  }

  private expectWord(word: string): void {
    if (!this.L.identIs(this.p, word)) throw this.expected(`'${word}'`);
    this.p++;
  }

  private expectEnd(): void {
    if (this.kind() !== Tok.End) throw this.expected('end of line');
    if (this.L.badAt >= 0) this.badChar();
  }

  private badChar(): never {
    const at = this.L.badAt;
    throw new LineFailure(at, this.text[at], `unexpected character '${this.text[at]}'`);
  }

  /** A register token: returns its index; `wide` out-param through the lexer flag. */
  private reg(what = 'a register (r0-r10)'): number {
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
  private lastWasW(): boolean {
    return this.L.flag[this.p - 1] === 1;
  }

  /** Optional sign then a number; returns [value, isHex, tokenIndex]. Exact to 2^53. */
  private signedNumber(what: string): { value: number; hex: boolean; t: number; big: boolean } {
    // One reused result object: this runs for most lines, and callers read it at once.
    const n = this.num;
    const L = this.L;
    const t0 = this.p;
    let neg = false;
    if (this.isOp(OP_MINUS)) {
      neg = true;
      this.p++;
    } else if (this.isOp(OP_PLUS)) this.p++;
    if (L.kind[this.p] !== Tok.Num) throw this.expected(what);
    const t = this.p++;
    const v = L.value[t];
    n.value = neg ? -v : v;
    n.hex = L.flag[t] === 1;
    n.t = t0;
    n.big = L.big[t] === 1;
    return n;
  }

  private readonly num = { value: 0, hex: false, t: 0, big: false };
  private readonly addr = { reg: 0, off: 0 };

  /** A 32-bit immediate: decimal within s32, hex within u32 (a bit pattern); never wraps silently. */
  private imm32(what = 'an immediate'): number {
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

  private imm64(what = 'a 64-bit immediate'): bigint {
    const L = this.L;
    const t0 = this.p;
    let neg = false;
    if (this.isOp(OP_MINUS)) {
      neg = true;
      this.p++;
    } else if (this.isOp(OP_PLUS)) this.p++;
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

  private textFrom(t0: number): string {
    return this.text.slice(this.L.start[t0], this.L.end[this.p - 1]);
  }

  /** A signed 16-bit memory offset with its sign (`+ 0x4`, `- 8`, `+8`). */
  private offset16(requireSign: boolean): number {
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

  private line(start: number, end: number): void {
    const L = this.L;
    L.scan(start, end);
    this.p = 0;
    if (L.count === 0) {
      if (L.badAt >= 0) this.badChar();
      return;
    }
    this.forcedLddw = false;
    if (!this.ubpf) this.skipListingPrefix();
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
    const file = this.options.file;
    const text = this.text.slice(start, end);
    currentSource =
      file === undefined ? { line: this.lineNo, col, text } : { line: this.lineNo, col, text, file };
    const produced = this.ubpf ? this.ubpfStatement() : this.llvmStatement();
    this.expectEnd();
    this.check(produced, t0);
    this.emit(produced);
  }

  private emit(i: Instruction): void {
    // ubpf (bpf_conformance's assembler): the first `exit` is also the label `exit`.
    if (this.ubpf && this.implicitExit < 0 && i.code === (Class.JMP | 0x90)) this.implicitExit = this.slot;
    this.out.push(i);
    this.slot += i.code === LDDW && i.imm2 !== undefined ? 2 : 1;
  }

  /**
   * Skips what listings put before an instruction: llvm-objdump's `12:` and raw bytes, the
   * verifier's `12: (b7)`. Only after a numeric `N:` are hex byte pairs taken as listing bytes.
   */
  private skipListingPrefix(): void {
    const L = this.L;
    if (L.kind[0] === Tok.Num && this.isPunct(P_COLON, 1)) {
      this.p = 2;
      while (this.isHexByte(this.p)) this.p++;
    }
    if (
      this.isPunct(P_LPAREN) &&
      (L.kind[this.p + 1] === Tok.Num || L.kind[this.p + 1] === Tok.Ident) &&
      this.isPunct(P_RPAREN, this.p + 2)
    ) {
      const t = this.p + 1;
      if (L.end[t] - L.start[t] === 2 && /^[0-9a-f]{2}$/.test(L.tokenText(t))) {
        this.forcedLddw = L.tokenText(t) === '18';
        this.p += 3;
      }
    }
  }

  private isHexByte(t: number): boolean {
    const L = this.L;
    if (L.kind[t] !== Tok.Num && L.kind[t] !== Tok.Ident) return false;
    if (L.end[t] - L.start[t] !== 2) return false;
    const s = L.tokenText(t);
    return /^[0-9a-f]{2}$/.test(s) && !this.isPunct(P_COLON, t + 1);
  }

  private defineLabel(t: number): void {
    const name = this.L.tokenText(t);
    if (this.labels.has(name)) throw this.failTok(t, `label '${name}' is already defined`);
    this.labels.set(name, this.slot);
    this.labelPos.set(name, this.L.start[t]);
  }

  private directive(): void {
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
        const slot = decodeSlot(new DataView(bytes.buffer), 0, true);
        slot.source = {
          line: this.lineNo,
          col: L.start[t] - this.lineStart + 1,
          text: this.text.slice(this.lineStart, this.lineEnd),
        };
        this.emit(slot);
      }
      return;
    }
    if (name === '.8byte' || name === '.quad' || name === '.dword') {
      const v = BigInt.asUintN(64, this.imm64('a 64-bit value'));
      this.expectEnd();
      const { imm, imm2 } = splitWide(v);
      // Little-endian slot: the low 32 bits hold code, regs and off; the high 32 bits the imm.
      const slot = ins(imm & 0xff, (imm >>> 8) & 0xf, (imm >>> 12) & 0xf, (imm >> 16) | 0, imm2);
      slot.off = (slot.off << 16) >> 16;
      slot.source = {
        line: this.lineNo,
        col: L.start[t] - this.lineStart + 1,
        text: this.text.slice(this.lineStart, this.lineEnd),
      };
      this.emit(slot);
      return;
    }
    if (IGNORED_DIRECTIVES.has(name)) return;
    throw this.failTok(t, `unknown directive '${name}'`);
  }

  // ---- jump targets and fixups ----------------------------------------------------------------

  /** A jump target: `+N`/`-N`/`N`, `pc+N` (verifier), or a label. Returns the value or schedules a fixup. */
  private target(i: Instruction, field: 'off' | 'imm'): void {
    const L = this.L;
    const t = this.p;
    if (L.kind[t] === Tok.Ident && !L.identIs(t, 'pc')) {
      this.p++;
      this.fixups.push({ ins: i, slot: this.slot, label: L.tokenText(t), pos: L.start[t], field });
    } else {
      if (L.identIs(t, 'pc')) {
        this.p++;
        if (!this.isOp(OP_PLUS) && !this.isOp(OP_MINUS)) throw this.expected("'+' or '-'");
      }
      const n = this.signedNumber('a jump offset or label');
      this.setDistance(i, field, n.value, n.t, n.big);
    }
    if (!this.ubpf) this.skipObjdumpTarget();
  }

  private setDistance(i: Instruction, field: 'off' | 'imm', d: number, t: number, big = false): void {
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

  /** llvm-objdump appends the resolved target: `goto +0x2 <.text+0x40>`; accept and ignore it. */
  private skipObjdumpTarget(): void {
    if (!this.isOp(OP_LT)) return;
    let q = this.p + 1;
    while (this.L.kind[q] !== Tok.End && !this.isOp(OP_GT, q)) q++;
    if (this.isOp(OP_GT, q)) this.p = q + 1;
  }

  private resolveFixups(): void {
    for (const f of this.fixups) {
      let target = this.labels.get(f.label);
      if (target === undefined && f.label === 'exit' && this.implicitExit >= 0) target = this.implicitExit;
      const callName = this.pendingCallNames.get(f.ins);
      if (target === undefined && callName !== undefined) {
        // `call name` of no label in this text: a helper by name, bound by resolveHelper or later.
        f.ins.src = CallKind.HELPER;
        f.ins.imm = this.options.resolveHelper?.(callName) ?? 0;
        f.ins.ref = { kind: 'helper', name: callName };
        continue;
      }
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
      f.ins[f.field] = d;
    }
  }

  // ---- the LLVM dialect -----------------------------------------------------------------------

  private llvmStatement(): Instruction {
    const L = this.L;
    const t = this.p;
    const k = L.kind[t];
    if (k === Tok.Reg) return this.llvmRegStatement();
    if (k === Tok.Op && L.value[t] === OP_STAR) return this.llvmStore();
    if (k !== Tok.Ident) throw this.expected('an instruction');
    // The commonest words first, compared in place (no slice).
    if (L.identIs(t, 'if')) {
      this.p++;
      return this.llvmIf();
    }
    if (L.identIs(t, 'exit')) {
      this.p++;
      return ins(Class.JMP | 0x90, 0, 0, 0, 0);
    }
    const word = L.tokenText(t);
    this.p++;
    switch (word) {
      case 'exit':
        return ins(Class.JMP | 0x90, 0, 0, 0, 0);
      case 'goto': {
        const i = ins(Class.JMP | 0x00, 0, 0, 0, 0);
        this.target(i, 'off');
        return i;
      }
      case 'gotol': {
        const i = ins(Class.JMP32 | 0x00, 0, 0, 0, 0);
        this.target(i, 'imm');
        return i;
      }
      case 'may_goto': {
        const i = ins(Class.JMP | 0xe0, 0, 0, 0, 0);
        this.target(i, 'off');
        return i;
      }
      case 'call':
        return this.llvmCall();
      case 'callx': {
        const r = this.reg();
        return ins(Class.JMP | Source.X | 0x80, r, 0, 0, 0);
      }
      case 'if':
        return this.llvmIf();
      case 'lock':
        return this.llvmLock();
      case 'ld_pseudo':
        return this.llvmLdPseudo();
      case 'store_release':
        return this.llvmStoreRelease();
      default:
        throw this.failTok(t, `unknown instruction '${word}'${ubpfHint(word)}`);
    }
  }

  /** `call 12`, `call -1`, `call name`, `call name#12`, `call pc+5`, `call kfunc 77[, 3]`. */
  private llvmCall(): Instruction {
    const L = this.L;
    const i = ins(Class.JMP | 0x80, 0, CallKind.HELPER, 0, 0);
    const t = this.p;
    if (L.identIs(t, 'pc')) {
      i.src = CallKind.LOCAL;
      this.target(i, 'imm');
      return i;
    }
    if (L.identIs(t, 'kfunc')) {
      this.p++;
      i.src = CallKind.KFUNC;
      i.imm = this.imm32('a BTF id');
      if (this.isPunct(P_COMMA)) {
        this.p++;
        i.off = this.offset16(false);
      }
      return i;
    }
    if (L.kind[t] === Tok.Ident) {
      const name = L.tokenText(t);
      this.p++;
      if (this.isPunct(P_HASH)) {
        // verifier form: name#id
        this.p++;
        i.imm = this.imm32('a helper id');
        i.ref = { kind: 'helper', name };
        return i;
      }
      // A call of a label in this text is a local (bpf-to-bpf) call; anything else a helper by name.
      i.src = CallKind.LOCAL;
      this.fixups.push({ ins: i, slot: this.slot, label: name, pos: L.start[t], field: 'imm' });
      this.pendingCallNames.set(i, name);
      this.skipObjdumpTarget();
      return i;
    }
    i.imm = this.imm32('a helper id, function label or pc+offset');
    this.skipObjdumpTarget();
    return i;
  }

  /** Calls by name whose name may turn out to be a helper rather than a label. */
  private readonly pendingCallNames = new Map<Instruction, string>();

  /** `if r1 s> 0x5 goto +2`, `if w1 & w2 goto label`. */
  private llvmIf(): Instruction {
    const dst = this.reg();
    const w = this.lastWasW();
    const op = this.llvmOperator(jmpByLlvm, 'a comparison operator (== != > >= < <= s> s>= s< s<= &)');
    const jop = op as JmpOp;
    let i: Instruction;
    if (this.kind() === Tok.Reg) {
      const src = this.reg();
      if (this.lastWasW() !== w)
        throw this.failTok(
          this.p - 1,
          `register ${this.L.tokenText(this.p - 1)} does not match the width of ${w ? 'w' : 'r'}${dst}`,
        );
      i = ins((w ? Class.JMP32 : Class.JMP) | Source.X | jop.op, dst, src, 0, 0);
    } else {
      i = ins(
        (w ? Class.JMP32 : Class.JMP) | Source.K | jop.op,
        dst,
        0,
        0,
        this.imm32('a register or immediate'),
      );
    }
    this.expectWord('goto');
    this.target(i, 'off');
    return i;
  }

  /** Reads an operator (`+=`, `s>>=`, `==`, `s<` …) and looks it up in `table`. */
  private llvmOperator<T>(table: Map<number, T>, what: string): T {
    const L = this.L;
    let key = 0;
    const t = this.p;
    if (L.identIs(t, 's') && L.kind[t + 1] === Tok.Op && L.start[t + 1] === L.end[t]) {
      key = S_PREFIX + L.value[t + 1];
      this.p += 2;
    } else if (L.kind[t] === Tok.Op) {
      key = L.value[t];
      this.p++;
    } else {
      throw this.expected(what);
    }
    const found = table.get(key);
    if (found === undefined) {
      this.p = t;
      throw this.expected(what);
    }
    return found;
  }

  /** `(u32 *)` */
  private llvmTypeCast(): { size: SizeCode; signed: boolean } {
    this.expectPunct(P_LPAREN);
    const t = this.p;
    const ty = this.typeAt(t);
    if (!ty) throw this.expected('a type (u8 u16 u32 u64 s8 s16 s32)');
    this.p++;
    this.expectOp(OP_STAR, '*');
    this.expectPunct(P_RPAREN);
    return ty;
  }

  /** The access type named by token `t` (`u32`, `s8` …), matched on char codes without slicing. */
  private typeAt(t: number): { size: SizeCode; signed: boolean } | undefined {
    const L = this.L;
    if (L.kind[t] !== Tok.Ident) return undefined;
    const a = L.start[t];
    const len = L.end[t] - a;
    if (len < 2 || len > 3) return undefined;
    const c0 = this.text.charCodeAt(a);
    if (c0 !== 117 /* u */ && c0 !== 115 /* s */) return undefined;
    const found = sizeByBits.get(
      len === 2
        ? this.text.charCodeAt(a + 1) - 48
        : (this.text.charCodeAt(a + 1) - 48) * 10 + this.text.charCodeAt(a + 2) - 48,
    );
    if (!found) return undefined;
    const ty = c0 === 117 ? found[0] : found[1];
    return ty;
  }

  /** `(r1 + 0x4)` or `r1 + 0x4` (xchg/cmpxchg forms) */
  private llvmAddress(parens: boolean): { reg: number; off: number } {
    if (parens) this.expectPunct(P_LPAREN);
    const a = this.addr;
    a.reg = this.reg();
    a.off = this.isOp(OP_PLUS) || this.isOp(OP_MINUS) ? this.offset16(true) : 0;
    if (parens) this.expectPunct(P_RPAREN);
    return a;
  }

  private llvmStore(): Instruction {
    this.expectOp(OP_STAR, '*');
    const ty = this.llvmTypeCast();
    if (ty.signed) throw this.failTok(this.p - 3, 'a store takes an unsigned type (u8 u16 u32 u64)');
    const a = this.llvmAddress(true);
    this.expectOp(OP_ASSIGN, '=');
    if (this.kind() === Tok.Reg) {
      const src = this.reg();
      return ins(Class.STX | Mode.MEM | ty.size, a.reg, src, a.off, 0);
    }
    return ins(Class.ST | Mode.MEM | ty.size, a.reg, 0, a.off, this.imm32('a register or immediate'));
  }

  /** `lock *(u64 *)(r10 - 8) += r1` */
  private llvmLock(): Instruction {
    this.expectOp(OP_STAR, '*');
    const ty = this.llvmTypeCast();
    const a = this.llvmAddress(true);
    const op = this.llvmOperator(atomicByLlvm, 'an atomic operator (+= |= &= ^=)');
    const src = this.reg();
    return ins(Class.STX | Mode.ATOMIC | ty.size, a.reg, src, a.off, op.imm);
  }

  /** `ld_pseudo r1, 2, 5` (LLVM) and our `ld_pseudo r1, 2, 5, 7` that keeps the second imm. */
  private llvmLdPseudo(): Instruction {
    const dst = this.reg();
    this.expectPunct(P_COMMA);
    const t = this.p;
    const src = this.imm32('a pseudo-source number');
    if (src < 0 || src > 15) throw this.failTok(t, `pseudo-source ${src} does not fit in 4 bits`);
    this.expectPunct(P_COMMA);
    const imm = this.imm32('an immediate');
    let imm2 = 0;
    if (this.isPunct(P_COMMA)) {
      this.p++;
      imm2 = this.imm32('an immediate');
    }
    const i = ins(LDDW, dst, src, 0, imm);
    i.imm2 = imm2;
    return i;
  }

  /** `store_release((u64 *)(r1 + 0x0), r2)` (LLVM ≥ 20) */
  private llvmStoreRelease(): Instruction {
    this.expectPunct(P_LPAREN);
    const ty = this.llvmTypeCast();
    const a = this.llvmAddress(true);
    this.expectPunct(P_COMMA);
    const src = this.reg();
    this.expectPunct(P_RPAREN);
    return ins(Class.STX | Mode.ATOMIC | ty.size, a.reg, src, a.off, atomicByName.get('store_release')!.imm);
  }

  /** Statements that start with a register: assignments and compound ALU operations. */
  private llvmRegStatement(): Instruction {
    const L = this.L;
    const dst = this.reg();
    const w = this.lastWasW();
    const cls = w ? Class.ALU : Class.ALU64;
    if (this.isOp(OP_ASSIGN)) {
      this.p++;
      return this.llvmAssign(dst, w);
    }
    const op = this.llvmOperator(
      aluByLlvm,
      "'=' or a compound operator (+= -= *= /= s/= %= s%= |= &= ^= <<= >>= s>>=)",
    );
    const off = op.off ?? 0;
    if (L.kind[this.p] === Tok.Reg) {
      const src = this.reg();
      if (this.lastWasW() !== w)
        throw this.failTok(
          this.p - 1,
          `register ${L.tokenText(this.p - 1)} does not match the width of ${w ? 'w' : 'r'}${dst}`,
        );
      return ins(cls | Source.X | op.op, dst, src, off, 0);
    }
    return ins(cls | Source.K | op.op, dst, 0, off, this.imm32('a register or immediate'));
  }

  private llvmAssign(dst: number, w: boolean): Instruction {
    const L = this.L;
    const cls = w ? Class.ALU : Class.ALU64;
    const t = this.p;
    const k = L.kind[t];
    if (k === Tok.Reg) {
      const src = this.reg();
      if (this.lastWasW() !== w)
        throw this.failTok(
          t,
          `register ${L.tokenText(t)} does not match the width of ${w ? 'w' : 'r'}${dst}`,
        );
      return ins(cls | Source.X | 0xb0, dst, src, 0, 0);
    }
    if (
      k === Tok.Num ||
      (k === Tok.Op && (L.value[t] === OP_MINUS || L.value[t] === OP_PLUS) && L.kind[t + 1] === Tok.Num)
    ) {
      // `r1 = 5` or `r1 = 0x1122334455667788 ll`
      let q = this.p + (k === Tok.Num ? 1 : 2);
      if (L.identIs(q, 'll') || this.forcedLddw) {
        if (w) throw this.failTok(t - 1, 'a 64-bit load (ll) needs an r register');
        const v = this.imm64();
        if (L.identIs(this.p, 'll')) this.p++;
        const i = ins(LDDW, dst, Pseudo.NONE, 0, 0);
        const halves = splitWide(v);
        i.imm = halves.imm;
        i.imm2 = halves.imm2;
        return i;
      }
      q = 0;
      return ins(cls | Source.K | 0xb0, dst, 0, q, this.imm32());
    }
    if (k === Tok.Op && L.value[t] === OP_MINUS && L.kind[t + 1] === Tok.Reg) {
      this.p++;
      const r = this.reg();
      if (r !== dst || this.lastWasW() !== w)
        throw this.failTok(t + 1, `negation must use the destination register ${w ? 'w' : 'r'}${dst}`);
      return ins(cls | Source.K | 0x80, dst, 0, 0, 0);
    }
    if (k === Tok.Op && L.value[t] === OP_STAR) return this.llvmLoad(dst, w);
    if (k === Tok.Punct && L.value[t] === P_LPAREN) {
      // movsx: `r1 = (s8)r2`, `w1 = (s16)w2`, `r1 = (s32)r2`
      this.p++;
      const tt = this.p;
      const ty = L.kind[tt] === Tok.Ident ? sizeByType.get(L.tokenText(tt)) : undefined;
      if (!ty?.signed) throw this.expected('a signed type (s8 s16 s32)');
      this.p++;
      this.expectPunct(P_RPAREN);
      if (L.kind[this.p] !== Tok.Reg && L.kind[this.p] !== Tok.End)
        throw this.failTok(
          this.p,
          `sign extension (movsx) takes a register source, not an immediate ('${L.tokenText(this.p)}'): load the constant into a register first, or write the sign-extended value as the immediate`,
        );
      const src = this.reg();
      if (this.lastWasW() !== w)
        throw this.failTok(
          this.p - 1,
          `register ${L.tokenText(this.p - 1)} does not match the width of ${w ? 'w' : 'r'}${dst}`,
        );
      if (ty.size === Size.DW)
        throw this.failTok(tt, 'sign extension takes s8, s16 or s32; a 64-bit value needs none');
      const bits = ty.size === Size.B ? 8 : ty.size === Size.H ? 16 : 32;
      return ins(cls | Source.X | 0xb0, dst, src, bits, 0);
    }
    if (k === Tok.Ident) return this.llvmAssignCall(dst, w);
    throw this.expected('a register, immediate, memory reference or operation');
  }

  /** Set by a `(18)` verifier prefix: `r1 = 0x…` without `ll` is still an lddw. */
  private forcedLddw = false;

  private llvmLoad(dst: number, w: boolean): Instruction {
    const L = this.L;
    this.expectOp(OP_STAR, '*');
    const ty = this.llvmTypeCast();
    if (L.identIs(this.p, 'skb')) {
      // legacy packet access: `r0 = *(u8 *)skb[0x4]`, `r0 = *(u16 *)skb[r1]`, `skb[r1 + 0x4]`
      this.p++;
      if (ty.signed || ty.size === Size.DW)
        throw this.failTok(this.p - 1, 'packet loads take u8, u16 or u32');
      if (dst !== 0) throw this.failTok(0, 'packet loads always load into r0');
      this.expectPunct(P_LBRACK);
      let i: Instruction;
      if (this.kind() === Tok.Reg) {
        const src = this.reg();
        const imm = this.isOp(OP_PLUS) || this.isOp(OP_MINUS) ? this.imm32() : 0;
        i = ins(Class.LD | Mode.IND | ty.size, 0, src, 0, imm);
      } else {
        i = ins(Class.LD | Mode.ABS | ty.size, 0, 0, 0, this.imm32('a register or offset'));
      }
      this.expectPunct(P_RBRACK);
      return i;
    }
    const a = this.llvmAddress(true);
    if (w && (ty.signed || ty.size === Size.DW))
      throw this.failTok(0, `a ${ty.signed ? 'sign-extending' : '64-bit'} load needs an r register`);
    return ins(Class.LDX | (ty.signed ? Mode.MEMSX : Mode.MEM) | ty.size, dst, a.reg, a.off, 0);
  }

  /** `dst = word ...`: byte swaps, casts, atomics, map references. */
  private llvmAssignCall(dst: number, w: boolean): Instruction {
    const L = this.L;
    const t = this.p;
    const word = L.tokenText(t);
    this.p++;
    const swap = swapForms.get(word);
    const hint = swapWidthHint(word);
    if (hint) throw this.failTok(t, `unknown operation '${word}'${hint}`);
    if (swap) {
      const r = this.reg();
      if (r !== dst) throw this.failTok(this.p - 1, `byte swap must use the destination register r${dst}`);
      const { code, bits } = swap;
      return ins(code, dst, 0, 0, bits);
    }
    if (word === 'addr_space_cast') {
      this.expectPunct(P_LPAREN);
      const src = this.reg();
      this.expectPunct(P_COMMA);
      const dstAs = this.imm32('an address space');
      this.expectPunct(P_COMMA);
      const srcAs = this.imm32('an address space');
      this.expectPunct(P_RPAREN);
      if (dstAs < 0 || dstAs > 0xffff || srcAs < 0 || srcAs > 0xffff)
        throw this.failTok(t, 'address spaces must fit in 16 bits');
      return ins(Class.ALU64 | Source.X | 0xb0, dst, src, ADDR_SPACE_CAST_OFF, (dstAs << 16) | srcAs | 0);
    }
    if (word.startsWith('atomic_fetch_')) {
      // `r1 = atomic_fetch_add((u64 *)(r10 - 8), r1)`
      const op = atomicByName.get(word.slice(7));
      if (!op?.fetch) throw this.failTok(t, `unknown atomic operation '${word}'`);
      this.expectPunct(P_LPAREN);
      const ty = this.llvmTypeCast();
      const a = this.llvmAddress(true);
      this.expectPunct(P_COMMA);
      const src = this.reg();
      this.expectPunct(P_RPAREN);
      if (src !== dst)
        throw this.failTok(this.p - 2, `the fetched value goes to the source register; write r${src} = …`);
      return ins(Class.STX | Mode.ATOMIC | ty.size, a.reg, src, a.off, op.imm);
    }
    if (word === 'xchg_64' || word === 'xchg32_32' || word === 'cmpxchg_64' || word === 'cmpxchg32_32') {
      const cmp = word.startsWith('cmp');
      this.expectPunct(P_LPAREN);
      const a = this.llvmAddress(false);
      this.expectPunct(P_COMMA);
      if (cmp) {
        const r0 = this.reg();
        if (r0 !== 0) throw this.failTok(this.p - 1, 'cmpxchg compares with r0');
        this.expectPunct(P_COMMA);
      }
      const src = this.reg();
      this.expectPunct(P_RPAREN);
      if (cmp ? dst !== 0 : dst !== src)
        throw this.failTok(
          0,
          cmp ? 'cmpxchg returns into r0' : `xchg returns into its source register r${src}`,
        );
      const size = word.endsWith('_64') ? Size.DW : Size.W;
      return ins(
        Class.STX | Mode.ATOMIC | size,
        a.reg,
        src,
        a.off,
        atomicByName.get(cmp ? 'cmpxchg' : 'xchg')!.imm,
      );
    }
    if (word === 'load_acquire') {
      this.expectPunct(P_LPAREN);
      const ty = this.llvmTypeCast();
      const a = this.llvmAddress(true);
      this.expectPunct(P_RPAREN);
      // The kernel's BPF_LOAD_ACQ: dst_reg = *(src_reg + off); dst is the result.
      return ins(Class.STX | Mode.ATOMIC | ty.size, dst, a.reg, a.off, atomicByName.get('load_acquire')!.imm);
    }
    if (w) throw this.failTok(t, `unknown operation '${word}'`);
    return this.llvmMapReference(dst, t, word);
  }

  /** `r1 = name ll` (map by name), `r1 = map_value(name) + 8 ll`, `r1 = map_fd(3) ll` … */
  private llvmMapReference(dst: number, t: number, word: string): Instruction {
    const L = this.L;
    const i = ins(LDDW, dst, Pseudo.MAP_FD, 0, 0);
    i.imm2 = 0;
    const pseudo = PseudoSources.find((p) => p.keyword === word && p.keyword !== '');
    if (pseudo) {
      // `r1 = map_value(name) + 8 ll` or with a number instead of a name: `map_fd(3)`.
      this.expectPunct(P_LPAREN);
      i.src = pseudo.src;
      let name: string | undefined;
      if (L.kind[this.p] === Tok.Ident) name = L.tokenText(this.p++);
      else i.imm = this.imm32('a map name or number');
      this.expectPunct(P_RPAREN);
      let offset = 0;
      if (this.isOp(OP_PLUS) || this.isOp(OP_MINUS)) offset = this.imm32('an offset');
      if (pseudo.src === Pseudo.MAP_VALUE || pseudo.src === Pseudo.MAP_IDX_VALUE) i.imm2 = offset;
      else if (offset !== 0) throw this.failTok(t, `${word} takes no offset`);
      if (name !== undefined) {
        i.ref = (
          pseudo.src === Pseudo.MAP_VALUE
            ? { kind: 'map_value', name, offset }
            : pseudo.src === Pseudo.FUNC
              ? { kind: 'func', name }
              : { kind: 'map', name }
        ) as Reference;
        if (pseudo.src === Pseudo.FUNC)
          this.fixups.push({ ins: i, slot: this.slot, label: name, pos: L.start[t + 2], field: 'imm' });
      }
    } else {
      i.ref = { kind: 'map', name: word };
    }
    this.expectWord('ll');
    return i;
  }

  // ---- the ubpf dialect -----------------------------------------------------------------------

  private ubpfStatement(): Instruction {
    const L = this.L;
    const t = this.p;
    if (L.kind[t] !== Tok.Ident) throw this.expected('a mnemonic');
    const word = L.tokenText(t);
    this.p++;
    const handler = ubpfHandlers.get(word);
    if (!handler) throw this.failTok(t, `unknown mnemonic '${word}'${swapWidthHint(word)}`);
    return handler(this, t);
  }

  /** `[%r1+4]`, `[%r1-0x8]`, `[%r1]` */
  memOperand(): { reg: number; off: number } {
    if (!this.isPunct(P_LBRACK)) throw this.expected('a memory operand [%rN+offset]');
    this.p++;
    const reg = this.reg();
    const off = this.isPunct(P_RBRACK) ? 0 : this.offset16(true);
    this.expectPunct(P_RBRACK);
    return { reg, off };
  }

  comma(): void {
    this.expectPunct(P_COMMA);
  }

  regOperand(): number {
    return this.reg('a register (%r0-%r10)');
  }

  isRegNext(): boolean {
    return this.kind() === Tok.Reg;
  }

  immOperand(what?: string): number {
    return this.imm32(what);
  }

  imm64Operand(): bigint {
    return this.imm64();
  }

  jumpTarget(i: Instruction, field: 'off' | 'imm'): void {
    this.target(i, field);
  }

  word(): string | undefined {
    if (this.kind() !== Tok.Ident) return undefined;
    return this.L.tokenText(this.p++);
  }

  atEnd(): boolean {
    return this.kind() === Tok.End;
  }

  fatal(t: number, message: string): LineFailure {
    return this.failTok(t, message);
  }

  /** A local call by label (ubpf `call local f`). */
  localCall(i: Instruction): void {
    const t = this.p;
    if (this.L.kind[t] !== Tok.Ident) throw this.expected('a function label');
    this.p++;
    this.fixups.push({
      ins: i,
      slot: this.slot,
      label: this.L.tokenText(t),
      pos: this.L.start[t],
      field: 'imm',
    });
  }
}

type UbpfHandler = (a: Assembler, t: number) => Instruction;
const ubpfHandlers = new Map<string, UbpfHandler>();

// ALU: `add %r0, 1`, `add32 %r0, %r1`, `add64 …`, `neg %r0`
for (const op of AluOps) {
  if (op.name === 'end' || op.name.startsWith('movsx')) continue;
  for (const [suffix, cls] of [
    ['', Class.ALU64],
    ['64', Class.ALU64],
    ['32', Class.ALU],
  ] as const) {
    ubpfHandlers.set(op.name + suffix, (a) => {
      const dst = a.regOperand();
      if (op.name === 'neg') return ins(cls | Source.K | op.op, dst, 0, 0, 0);
      a.comma();
      if (a.isRegNext()) return ins(cls | Source.X | op.op, dst, a.regOperand(), op.off ?? 0, 0);
      return ins(cls | Source.K | op.op, dst, 0, op.off ?? 0, a.immOperand('a register or immediate'));
    });
  }
}
// movsx<from><to>: movsx832, movsx1632, movsx864, movsx1664, movsx3264
for (const [from, to] of [
  [8, 32],
  [16, 32],
  [8, 64],
  [16, 64],
  [32, 64],
] as const) {
  ubpfHandlers.set(`movsx${from}${to}`, (a) => {
    const dst = a.regOperand();
    a.comma();
    const src = a.regOperand();
    return ins((to === 64 ? Class.ALU64 : Class.ALU) | Source.X | 0xb0, dst, src, from, 0);
  });
}
// Byte swaps: le16/be32 (ALU), bswap64 and its alias swap64 (ALU64).
for (const bits of [16, 32, 64]) {
  ubpfHandlers.set(`le${bits}`, (a) => ins(Class.ALU | Source.K | 0xd0, a.regOperand(), 0, 0, bits));
  ubpfHandlers.set(`be${bits}`, (a) => ins(Class.ALU | Source.X | 0xd0, a.regOperand(), 0, 0, bits));
  ubpfHandlers.set(`bswap${bits}`, (a) => ins(Class.ALU64 | Source.K | 0xd0, a.regOperand(), 0, 0, bits));
  ubpfHandlers.set(`swap${bits}`, (a) => ins(Class.ALU64 | Source.K | 0xd0, a.regOperand(), 0, 0, bits));
}
// Loads and stores: ldx{b,h,w,dw}, ldxs{b,h,w}, st{…} [dst+off], imm, stx{…} [dst+off], src.
for (const [suffix, size] of sizeBySuffix) {
  ubpfHandlers.set(`ldx${suffix}`, (a) => {
    const dst = a.regOperand();
    a.comma();
    const m = a.memOperand();
    return ins(Class.LDX | Mode.MEM | size, dst, m.reg, m.off, 0);
  });
  if (size !== Size.DW) {
    ubpfHandlers.set(`ldxs${suffix}`, (a) => {
      const dst = a.regOperand();
      a.comma();
      const m = a.memOperand();
      return ins(Class.LDX | Mode.MEMSX | size, dst, m.reg, m.off, 0);
    });
    ubpfHandlers.set(`ldabs${suffix}`, (a) => ins(Class.LD | Mode.ABS | size, 0, 0, 0, a.immOperand()));
    ubpfHandlers.set(`ldind${suffix}`, (a) => {
      const src = a.regOperand();
      a.comma();
      return ins(Class.LD | Mode.IND | size, 0, src, 0, a.immOperand());
    });
  }
  ubpfHandlers.set(`st${suffix}`, (a) => {
    const m = a.memOperand();
    a.comma();
    return ins(Class.ST | Mode.MEM | size, m.reg, 0, m.off, a.immOperand());
  });
  ubpfHandlers.set(`stx${suffix}`, (a) => {
    const m = a.memOperand();
    a.comma();
    return ins(Class.STX | Mode.MEM | size, m.reg, a.regOperand(), m.off, 0);
  });
}
ubpfHandlers.set('lddw', (a) => {
  const dst = a.regOperand();
  a.comma();
  const { imm, imm2 } = splitWide(a.imm64Operand());
  const i = ins(LDDW, dst, 0, 0, imm);
  i.imm2 = imm2;
  return i;
});
// Jumps: ja +N|label, ja32 (gotol), j<cond>[32] dst, src|imm, target.
ubpfHandlers.set('ja', (a) => {
  const i = ins(Class.JMP | 0x00, 0, 0, 0, 0);
  a.jumpTarget(i, 'off');
  return i;
});
ubpfHandlers.set('ja32', (a) => {
  const i = ins(Class.JMP32 | 0x00, 0, 0, 0, 0);
  a.jumpTarget(i, 'imm');
  return i;
});
ubpfHandlers.set('exit', () => ins(Class.JMP | 0x90, 0, 0, 0, 0));
for (const j of JmpOps) {
  if (!j.llvm) continue;
  for (const [suffix, cls] of [
    ['', Class.JMP],
    ['32', Class.JMP32],
  ] as const) {
    ubpfHandlers.set(j.name + suffix, (a) => {
      const dst = a.regOperand();
      a.comma();
      const i = a.isRegNext()
        ? ins(cls | Source.X | j.op, dst, a.regOperand(), 0, 0)
        : ins(cls | Source.K | j.op, dst, 0, 0, a.immOperand('a register or immediate'));
      a.comma();
      a.jumpTarget(i, 'off');
      return i;
    });
  }
}
// `call 5` (helper), `call local f` (src=1), `call %r2` (callx: register in dst).
ubpfHandlers.set('call', (a) => {
  if (a.isRegNext()) return ins(Class.JMP | Source.X | 0x80, a.regOperand(), 0, 0, 0);
  const i = ins(Class.JMP | 0x80, 0, CallKind.HELPER, 0, 0);
  if (a.word() === 'local') {
    i.src = CallKind.LOCAL;
    a.localCall(i);
    return i;
  }
  i.imm = a.immOperand('a helper id or `local` and a label');
  return i;
});
// `lock [fetch] add|and|or|xor|xchg|cmpxchg[32] [%r10-8], %r1`
ubpfHandlers.set('lock', (a, t) => {
  let fetch = false;
  let name = a.word();
  if (name === 'fetch') {
    fetch = true;
    name = a.word();
  }
  if (name === undefined)
    throw a.fatal(t, 'Invalid number of operands for lock: expected lock [fetch] op [%rN+off], %rM');
  let size: SizeCode = Size.DW;
  if (name.endsWith('32')) {
    size = Size.W;
    name = name.slice(0, -2);
  }
  const op = atomicByName.get(fetch ? `fetch_${name}` : name);
  if (!op || (fetch && !op.fetch) || op.name === 'load_acquire' || op.name === 'store_release') {
    throw a.fatal(t, `unknown atomic operation '${fetch ? 'fetch ' : ''}${name}'`);
  }
  if (a.atEnd()) throw a.fatal(t, 'Invalid number of operands for lock: expected [%rN+off], %rM');
  const m = a.memOperand();
  if (a.atEnd())
    throw a.fatal(
      t,
      'Invalid number of operands for lock: expected a source register after the memory operand',
    );
  a.comma();
  const src = a.regOperand();
  return ins(Class.STX | Mode.ATOMIC | size, m.reg, src, m.off, op.imm);
});
