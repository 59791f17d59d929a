// The LLVM dialect: the C-like syntax llvm-objdump, llvm-mc, bpftool and the verifier log print
// (`r0 = *(u32 *)(r1 + 0x4)`, `if w1 s> 5 goto +2`, `call bpf_map_lookup_elem#1`, `(b7) r0 = 0`),
// parsed by small recursive-descent routines over the scanner's token arrays. Listing prefixes
// (`12:`, raw bytes, `(b7)`) and objdump's `<.text+0x40>` target notes are accepted and skipped.

import type { Instruction, Reference } from '../instruction.js';
import { LDDW, splitWide } from '../instruction.js';
import {
  ADDR_SPACE_CAST_OFF,
  CallKind,
  Class,
  type JmpOp,
  Mode,
  Pseudo,
  PseudoSources,
  Size,
  type SizeCode,
  Source,
} from '../opcodes.js';
import { type Fixup, LineAssembler } from './core.js';
import { Tok } from './lexer.js';
import {
  aluByLlvm,
  atomicByLlvm,
  atomicByName,
  jmpByLlvm,
  OP_ASSIGN,
  OP_GT,
  OP_LT,
  OP_MINUS,
  OP_PLUS,
  OP_STAR,
  P_COLON,
  P_COMMA,
  P_HASH,
  P_LBRACK,
  P_LPAREN,
  P_RBRACK,
  P_RPAREN,
  S_PREFIX,
  sizeByBits,
  sizeByType,
  swapForms,
  swapWidthHint,
} from './tables.js';
import { isUbpfMnemonic } from './ubpf.js';

/** `unknown instruction 'mov'` in the LLVM dialect: say when the word is a ubpf mnemonic. */
function ubpfHint(word: string): string {
  return isUbpfMnemonic(word)
    ? ` ('${word}' is the ubpf dialect's mnemonic: assemble with dialect 'ubpf' (--dialect ubpf), or write the LLVM form, e.g. 'r0 = 1' for 'mov %r0, 1')`
    : '';
}

export class LlvmAssembler extends LineAssembler {
  protected readonly kernelRejectsAreErrors = true;

  protected override beginLine(): void {
    this.forcedLddw = false;
    this.skipListingPrefix();
  }

  protected override afterTarget(): void {
    this.skipObjdumpTarget();
  }

  protected override wideImmHint(text: string): string {
    return `; write '${text} ll' for the 64-bit value`;
  }

  protected override bindUnresolved(f: Fixup): boolean {
    const callName = f.call;
    if (callName === undefined) return false;
    // `call name` of no label in this text: a helper by name, bound by resolveHelper or later.
    this.out.patch(f.row, 'src', CallKind.HELPER);
    this.out.patch(f.row, 'imm', this.options.resolveHelper?.(callName) ?? 0);
    this.out.refs.set(f.row, { kind: 'helper', name: callName });
    return true;
  }

  /**
   * Skips what listings put before an instruction: llvm-objdump's `12:` and raw bytes, the
   * verifier's `12: (b7)`. Only after a numeric `N:` are hex byte pairs taken as listing bytes.
   */
  protected skipListingPrefix(): void {
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

  protected isHexByte(t: number): boolean {
    const L = this.L;
    if (L.kind[t] !== Tok.Num && L.kind[t] !== Tok.Ident) return false;
    if (L.end[t] - L.start[t] !== 2) return false;
    const s = L.tokenText(t);
    return /^[0-9a-f]{2}$/.test(s) && !this.isPunct(P_COLON, t + 1);
  }

  /** llvm-objdump appends the resolved target: `goto +0x2 <.text+0x40>`; accept and ignore it. */
  protected skipObjdumpTarget(): void {
    if (!this.isOp(OP_LT)) return;
    let q = this.p + 1;
    while (this.L.kind[q] !== Tok.End && !this.isOp(OP_GT, q)) q++;
    if (this.isOp(OP_GT, q)) this.p = q + 1;
  }

  protected statement(): Instruction {
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
      return this.ins(Class.JMP | 0x90, 0, 0, 0, 0);
    }
    const word = L.tokenText(t);
    this.p++;
    switch (word) {
      case 'exit':
        return this.ins(Class.JMP | 0x90, 0, 0, 0, 0);
      case 'goto': {
        const i = this.ins(Class.JMP | 0x00, 0, 0, 0, 0);
        this.target(i, 'off');
        return i;
      }
      case 'gotol': {
        const i = this.ins(Class.JMP32 | 0x00, 0, 0, 0, 0);
        this.target(i, 'imm');
        return i;
      }
      case 'may_goto': {
        const i = this.ins(Class.JMP | 0xe0, 0, 0, 0, 0);
        this.target(i, 'off');
        return i;
      }
      case 'call':
        return this.llvmCall();
      case 'callx': {
        const r = this.reg();
        return this.ins(Class.JMP | Source.X | 0x80, r, 0, 0, 0);
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
  protected llvmCall(): Instruction {
    const L = this.L;
    const i = this.ins(Class.JMP | 0x80, 0, CallKind.HELPER, 0, 0);
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
      this.fixups.push({
        row: this.row,
        slot: this.slot,
        label: name,
        pos: L.start[t],
        field: 'imm',
        call: name,
      });
      this.skipObjdumpTarget();
      return i;
    }
    i.imm = this.imm32('a helper id, function label or pc+offset');
    this.skipObjdumpTarget();
    return i;
  }

  /** `if r1 s> 0x5 goto +2`, `if w1 & w2 goto label`. */
  protected llvmIf(): Instruction {
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
      i = this.ins((w ? Class.JMP32 : Class.JMP) | Source.X | jop.op, dst, src, 0, 0);
    } else {
      i = this.ins(
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
  protected llvmOperator<T>(table: Map<number, T>, what: string): T {
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
  protected llvmTypeCast(): { size: SizeCode; signed: boolean } {
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
  protected typeAt(t: number): { size: SizeCode; signed: boolean } | undefined {
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
  protected llvmAddress(parens: boolean): { reg: number; off: number } {
    if (parens) this.expectPunct(P_LPAREN);
    const a = this.addr;
    a.reg = this.reg();
    a.off = this.isOp(OP_PLUS) || this.isOp(OP_MINUS) ? this.offset16(true) : 0;
    if (parens) this.expectPunct(P_RPAREN);
    return a;
  }

  protected llvmStore(): Instruction {
    this.expectOp(OP_STAR, '*');
    const ty = this.llvmTypeCast();
    if (ty.signed) throw this.failTok(this.p - 3, 'a store takes an unsigned type (u8 u16 u32 u64)');
    const a = this.llvmAddress(true);
    this.expectOp(OP_ASSIGN, '=');
    if (this.kind() === Tok.Reg) {
      const src = this.reg();
      return this.ins(Class.STX | Mode.MEM | ty.size, a.reg, src, a.off, 0);
    }
    return this.ins(Class.ST | Mode.MEM | ty.size, a.reg, 0, a.off, this.imm32('a register or immediate'));
  }

  /** `lock *(u64 *)(r10 - 8) += r1` */
  protected llvmLock(): Instruction {
    this.expectOp(OP_STAR, '*');
    const ty = this.llvmTypeCast();
    const a = this.llvmAddress(true);
    const op = this.llvmOperator(atomicByLlvm, 'an atomic operator (+= |= &= ^=)');
    const src = this.reg();
    return this.ins(Class.STX | Mode.ATOMIC | ty.size, a.reg, src, a.off, op.imm);
  }

  /** `ld_pseudo r1, 2, 5` (LLVM) and our `ld_pseudo r1, 2, 5, 7` that keeps the second imm. */
  protected llvmLdPseudo(): Instruction {
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
    const i = this.ins(LDDW, dst, src, 0, imm);
    i.imm2 = imm2;
    return i;
  }

  /** `store_release((u64 *)(r1 + 0x0), r2)` (LLVM ≥ 20) */
  protected llvmStoreRelease(): Instruction {
    this.expectPunct(P_LPAREN);
    const ty = this.llvmTypeCast();
    const a = this.llvmAddress(true);
    this.expectPunct(P_COMMA);
    const src = this.reg();
    this.expectPunct(P_RPAREN);
    return this.ins(
      Class.STX | Mode.ATOMIC | ty.size,
      a.reg,
      src,
      a.off,
      atomicByName.get('store_release')!.imm,
    );
  }

  /** Statements that start with a register: assignments and compound ALU operations. */
  protected llvmRegStatement(): Instruction {
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
      return this.ins(cls | Source.X | op.op, dst, src, off, 0);
    }
    return this.ins(cls | Source.K | op.op, dst, 0, off, this.imm32('a register or immediate'));
  }

  protected llvmAssign(dst: number, w: boolean): Instruction {
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
      return this.ins(cls | Source.X | 0xb0, dst, src, 0, 0);
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
        const i = this.ins(LDDW, dst, Pseudo.NONE, 0, 0);
        const halves = splitWide(v);
        i.imm = halves.imm;
        i.imm2 = halves.imm2;
        return i;
      }
      q = 0;
      return this.ins(cls | Source.K | 0xb0, dst, 0, q, this.imm32());
    }
    if (k === Tok.Op && L.value[t] === OP_MINUS && L.kind[t + 1] === Tok.Reg) {
      this.p++;
      const r = this.reg();
      if (r !== dst || this.lastWasW() !== w)
        throw this.failTok(t + 1, `negation must use the destination register ${w ? 'w' : 'r'}${dst}`);
      return this.ins(cls | Source.K | 0x80, dst, 0, 0, 0);
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
      return this.ins(cls | Source.X | 0xb0, dst, src, bits, 0);
    }
    if (k === Tok.Ident) return this.llvmAssignCall(dst, w);
    throw this.expected('a register, immediate, memory reference or operation');
  }

  /** Set by a `(18)` verifier prefix: `r1 = 0x…` without `ll` is still an lddw. */
  protected forcedLddw = false;

  protected llvmLoad(dst: number, w: boolean): Instruction {
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
        i = this.ins(Class.LD | Mode.IND | ty.size, 0, src, 0, imm);
      } else {
        i = this.ins(Class.LD | Mode.ABS | ty.size, 0, 0, 0, this.imm32('a register or offset'));
      }
      this.expectPunct(P_RBRACK);
      return i;
    }
    const a = this.llvmAddress(true);
    if (w && (ty.signed || ty.size === Size.DW))
      throw this.failTok(0, `a ${ty.signed ? 'sign-extending' : '64-bit'} load needs an r register`);
    return this.ins(Class.LDX | (ty.signed ? Mode.MEMSX : Mode.MEM) | ty.size, dst, a.reg, a.off, 0);
  }

  /** `dst = word ...`: byte swaps, casts, atomics, map references. */
  protected llvmAssignCall(dst: number, w: boolean): Instruction {
    const L = this.L;
    const t = this.p;
    const word = L.tokenText(t);
    this.p++;
    const swap = swapForms.get(word);
    const hint = swap ? '' : swapWidthHint(word);
    if (hint) throw this.failTok(t, `unknown operation '${word}'${hint}`);
    if (swap) {
      const r = this.reg();
      if (r !== dst) throw this.failTok(this.p - 1, `byte swap must use the destination register r${dst}`);
      const { code, bits } = swap;
      return this.ins(code, dst, 0, 0, bits);
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
      return this.ins(
        Class.ALU64 | Source.X | 0xb0,
        dst,
        src,
        ADDR_SPACE_CAST_OFF,
        (dstAs << 16) | srcAs | 0,
      );
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
      return this.ins(Class.STX | Mode.ATOMIC | ty.size, a.reg, src, a.off, op.imm);
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
      return this.ins(
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
      return this.ins(
        Class.STX | Mode.ATOMIC | ty.size,
        dst,
        a.reg,
        a.off,
        atomicByName.get('load_acquire')!.imm,
      );
    }
    if (w) throw this.failTok(t, `unknown operation '${word}'`);
    return this.llvmMapReference(dst, t, word);
  }

  /** `r1 = name ll` (map by name), `r1 = map_value(name) + 8 ll`, `r1 = map_fd(3) ll` … */
  protected llvmMapReference(dst: number, t: number, word: string): Instruction {
    const L = this.L;
    const i = this.ins(LDDW, dst, Pseudo.MAP_FD, 0, 0);
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
          this.fixups.push({
            row: this.row,
            slot: this.slot,
            label: name,
            pos: L.start[t + 2],
            field: 'imm',
          });
      }
    } else {
      i.ref = { kind: 'map', name: word };
    }
    this.expectWord('ll');
    return i;
  }
}
