// The ubpf dialect: the mnemonic syntax of the BPF conformance suite (`ldxw %r0, [%r1+4]`,
// `jne %r1, 5, label`, `lock fetch add [%r10-8], %r1`). One handler per mnemonic, built from the
// opcode tables; a handler reads its operands through UbpfAssembler's small operand API.

import { type Instruction, LDDW, splitWide } from '../instruction.js';
import { AluOps, CallKind, Class, JmpOps, Mode, Size, type SizeCode, Source } from '../opcodes.js';
import { LineAssembler, type LineFailure } from './core.js';
import { Tok } from './lexer.js';
import { atomicByName, P_COMMA, P_LBRACK, P_RBRACK, sizeBySuffix, swapWidthHint } from './tables.js';

const EXIT = Class.JMP | 0x90;

export class UbpfAssembler extends LineAssembler {
  protected readonly kernelRejectsAreErrors = false;
  /** Slot of the first `exit`: bpf_conformance's assembler also names it the label `exit`. */
  private implicitExit = -1;

  protected override emit(i: Instruction): void {
    if (this.implicitExit < 0 && i.code === EXIT) this.implicitExit = this.slot;
    super.emit(i);
  }

  protected override implicitLabel(name: string): number | undefined {
    return name === 'exit' && this.implicitExit >= 0 ? this.implicitExit : undefined;
  }

  protected statement(): Instruction {
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
  localCall(): void {
    const t = this.p;
    if (this.L.kind[t] !== Tok.Ident) throw this.expected('a function label');
    this.p++;
    this.fixups.push({
      row: this.row,
      slot: this.slot,
      label: this.L.tokenText(t),
      pos: this.L.start[t],
      field: 'imm',
    });
  }
}
/** Is `word` a mnemonic of this dialect (for the LLVM dialect's "wrong dialect" hint)? */
export function isUbpfMnemonic(word: string): boolean {
  return ubpfHandlers.has(word);
}

type UbpfHandler = (a: UbpfAssembler, t: number) => Instruction;
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
      if (op.name === 'neg') return a.ins(cls | Source.K | op.op, dst, 0, 0, 0);
      a.comma();
      if (a.isRegNext()) return a.ins(cls | Source.X | op.op, dst, a.regOperand(), op.off ?? 0, 0);
      return a.ins(cls | Source.K | op.op, dst, 0, op.off ?? 0, a.immOperand('a register or immediate'));
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
    return a.ins((to === 64 ? Class.ALU64 : Class.ALU) | Source.X | 0xb0, dst, src, from, 0);
  });
}
// Byte swaps: le16/be32 (ALU), bswap64 and its alias swap64 (ALU64).
for (const bits of [16, 32, 64]) {
  ubpfHandlers.set(`le${bits}`, (a) => a.ins(Class.ALU | Source.K | 0xd0, a.regOperand(), 0, 0, bits));
  ubpfHandlers.set(`be${bits}`, (a) => a.ins(Class.ALU | Source.X | 0xd0, a.regOperand(), 0, 0, bits));
  ubpfHandlers.set(`bswap${bits}`, (a) => a.ins(Class.ALU64 | Source.K | 0xd0, a.regOperand(), 0, 0, bits));
  ubpfHandlers.set(`swap${bits}`, (a) => a.ins(Class.ALU64 | Source.K | 0xd0, a.regOperand(), 0, 0, bits));
}
// Loads and stores: ldx{b,h,w,dw}, ldxs{b,h,w}, st{…} [dst+off], imm, stx{…} [dst+off], src.
for (const [suffix, size] of sizeBySuffix) {
  ubpfHandlers.set(`ldx${suffix}`, (a) => {
    const dst = a.regOperand();
    a.comma();
    const m = a.memOperand();
    return a.ins(Class.LDX | Mode.MEM | size, dst, m.reg, m.off, 0);
  });
  if (size !== Size.DW) {
    ubpfHandlers.set(`ldxs${suffix}`, (a) => {
      const dst = a.regOperand();
      a.comma();
      const m = a.memOperand();
      return a.ins(Class.LDX | Mode.MEMSX | size, dst, m.reg, m.off, 0);
    });
    ubpfHandlers.set(`ldabs${suffix}`, (a) => a.ins(Class.LD | Mode.ABS | size, 0, 0, 0, a.immOperand()));
    ubpfHandlers.set(`ldind${suffix}`, (a) => {
      const src = a.regOperand();
      a.comma();
      return a.ins(Class.LD | Mode.IND | size, 0, src, 0, a.immOperand());
    });
  }
  ubpfHandlers.set(`st${suffix}`, (a) => {
    const m = a.memOperand();
    a.comma();
    return a.ins(Class.ST | Mode.MEM | size, m.reg, 0, m.off, a.immOperand());
  });
  ubpfHandlers.set(`stx${suffix}`, (a) => {
    const m = a.memOperand();
    a.comma();
    return a.ins(Class.STX | Mode.MEM | size, m.reg, a.regOperand(), m.off, 0);
  });
}
ubpfHandlers.set('lddw', (a) => {
  const dst = a.regOperand();
  a.comma();
  const { imm, imm2 } = splitWide(a.imm64Operand());
  const i = a.ins(LDDW, dst, 0, 0, imm);
  i.imm2 = imm2;
  return i;
});
// Jumps: ja +N|label, ja32 (gotol), j<cond>[32] dst, src|imm, target.
ubpfHandlers.set('ja', (a) => {
  const i = a.ins(Class.JMP | 0x00, 0, 0, 0, 0);
  a.jumpTarget(i, 'off');
  return i;
});
ubpfHandlers.set('ja32', (a) => {
  const i = a.ins(Class.JMP32 | 0x00, 0, 0, 0, 0);
  a.jumpTarget(i, 'imm');
  return i;
});
ubpfHandlers.set('exit', (a) => a.ins(Class.JMP | 0x90, 0, 0, 0, 0));
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
        ? a.ins(cls | Source.X | j.op, dst, a.regOperand(), 0, 0)
        : a.ins(cls | Source.K | j.op, dst, 0, 0, a.immOperand('a register or immediate'));
      a.comma();
      a.jumpTarget(i, 'off');
      return i;
    });
  }
}
// `call 5` (helper), `call local f` (src=1), `call %r2` (callx: register in dst).
ubpfHandlers.set('call', (a) => {
  if (a.isRegNext()) return a.ins(Class.JMP | Source.X | 0x80, a.regOperand(), 0, 0, 0);
  const i = a.ins(Class.JMP | 0x80, 0, CallKind.HELPER, 0, 0);
  if (a.word() === 'local') {
    i.src = CallKind.LOCAL;
    a.localCall();
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
  return a.ins(Class.STX | Mode.ATOMIC | size, m.reg, src, m.off, op.imm);
});
