// Every instruction form the assembler knows, generated from the opcode tables, plus the
// near-misses a learner writes (8/16-bit atomics, shifts by the width, division by 0, movsx32 in
// ALU, byte swaps of 8 bits …). Each form is what the user writes (LLVM syntax), the encoding it
// means, and the builder call that asks for the same thing. test/isa/agreement.test.ts sends each
// through the assembler, disassembler, interpreter, builder and the kernel's verifier.
import {
  AluOps,
  AtomicOps,
  type Builder,
  type CompareOp,
  classify,
  formatInstruction,
  type Instruction,
  JmpOps,
  type LoadSize,
  PseudoSources,
  R3,
  R4,
  R10,
  type StoreSize,
  W3,
  W4,
} from 'tsbpf/isa';

export interface Form {
  /** What the learner writes; undefined when no syntax expresses it. */
  readonly text?: string;
  readonly ins: Instruction;
  /** The builder call for the same instruction. */
  readonly build: (b: Builder) => unknown;
  /**
   * What the kernel needs around it: a subprogram to call or point at (`subprog`, with the call's
   * slot distance to it), a map fd (`map`), a map in fd_array (`map_idx`), or the form is the
   * program's last instruction (`last`).
   */
  readonly context?: 'subprog' | 'map' | 'map_idx' | 'last';
}

const ins = (code: number, dst: number, src: number, off: number, imm: number, imm2?: number): Instruction =>
  imm2 === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, imm2 };
const text = (i: Instruction): string | undefined =>
  classify(i).kind === 'invalid' ? undefined : formatInstruction(i, { rfc: true });
const sizes: [StoreSize, number][] = [
  ['u8', 0x10],
  ['u16', 0x08],
  ['u32', 0x00],
  ['u64', 0x18],
];
const method = (name: string) => (b: Builder) =>
  (b as unknown as Record<string, (...a: unknown[]) => unknown>)[name];

function aluForms(): Form[] {
  const out: Form[] = [];
  for (const wide of [true, false]) {
    const cls = wide ? 0x07 : 0x04;
    const [d, s] = wide ? [R3, R4] : [W3, W4];
    const width = wide ? 64 : 32;
    for (const op of AluOps) {
      if (op.name === 'end') continue;
      if (op.name === 'neg') {
        const i = ins(cls | 0x80, 3, 0, 0, 0);
        out.push({ text: text(i), ins: i, build: (b) => b.neg(d) });
        continue;
      }
      if (op.name.startsWith('movsx')) {
        const bits = op.off as 8 | 16 | 32;
        const i = ins(cls | 0x08 | 0xb0, 3, 4, bits, 0);
        out.push({
          text: `${wide ? 'r' : 'w'}3 = (s${bits})${wide ? 'r' : 'w'}4`,
          ins: i,
          build: (b) => b.movsx(d, s, bits),
        });
        // movsx takes a register: there is no immediate form
        out.push({
          text: `${wide ? 'r' : 'w'}3 = (s${bits})5`,
          ins: ins(cls | 0xb0, 3, 0, bits, 5),
          build: (b) => b.emit(ins(cls | 0xb0, 3, 0, bits, 5)),
        });
        continue;
      }
      const call = (b: Builder, src: unknown) => method(op.name)(b).call(b, d, src);
      const x = ins(cls | 0x08 | op.op, 3, 4, op.off ?? 0, 0);
      out.push({ text: text(x), ins: x, build: (b) => call(b, s) });
      const shift = op.name === 'lsh' || op.name === 'rsh' || op.name === 'arsh';
      const divides = ['div', 'sdiv', 'mod', 'smod'].includes(op.name);
      const imms = shift ? [0, 5, width - 1, width, -1] : divides ? [5, 0] : [5];
      for (const imm of imms) {
        const k = ins(cls | op.op, 3, 0, op.off ?? 0, imm);
        out.push({ text: text(k), ins: k, build: (b) => call(b, imm) });
      }
    }
  }
  for (const [code, name] of [
    [0xd4, 'le'],
    [0xdc, 'be'],
    [0xd7, 'bswap'],
  ] as const)
    for (const bits of [8, 16, 32, 64]) {
      const i = ins(code, 3, 0, 0, bits);
      out.push({
        text: `r3 = ${name}${bits} r3`,
        ins: i,
        build: (b) => (b[name] as (r: typeof R3, n: number) => unknown).call(b, R3, bits),
      });
    }
  const cast = ins(0xbf, 3, 4, 1, 1);
  out.push({ text: text(cast), ins: cast, build: (b) => b.addrSpaceCast(R3, R4, 0, 1) });
  return out;
}

function jumpForms(): Form[] {
  const out: Form[] = [];
  for (const wide of [true, false]) {
    const cls = wide ? 0x05 : 0x06;
    const [d, s] = wide ? [R3, R4] : [W3, W4];
    for (const op of JmpOps) {
      if (!op.llvm) continue;
      const x = ins(cls | 0x08 | op.op, 3, 4, 0, 0);
      const k = ins(cls | op.op, 3, 0, 0, 5);
      out.push({ text: text(x), ins: x, build: (b) => b.jmp(d, op.llvm as CompareOp, s, 'next') });
      out.push({ text: text(k), ins: k, build: (b) => b.jmp(d, op.llvm as CompareOp, 5, 'next') });
    }
  }
  const ja = ins(0x05, 0, 0, 0, 0);
  const gotol = ins(0x06, 0, 0, 0, 0);
  const mayGoto = ins(0xe5, 0, 0, 0, 0);
  out.push({ text: text(ja), ins: ja, build: (b) => b.ja('next') });
  out.push({ text: text(gotol), ins: gotol, build: (b) => b.gotol('next') });
  out.push({ text: text(mayGoto), ins: mayGoto, build: (b) => b.mayGoto('next') });
  const helper = ins(0x85, 0, 0, 0, 5); // bpf_ktime_get_ns
  out.push({ text: text(helper), ins: helper, build: (b) => b.call(5) });
  const local = ins(0x85, 0, 1, 0, 2);
  out.push({ text: text(local), ins: local, build: (b) => b.callLocal('f'), context: 'subprog' });
  const callx = ins(0x8d, 3, 0, 0, 0);
  out.push({ text: text(callx), ins: callx, build: (b) => b.callx(R3) });
  const exit = ins(0x95, 0, 0, 0, 0);
  out.push({ text: text(exit), ins: exit, build: (b) => b.exit(), context: 'last' });
  return out;
}

function memoryForms(): Form[] {
  const out: Form[] = [];
  for (const [sz, code] of sizes) {
    const ldx = ins(0x61 | code, 3, 10, -8, 0);
    out.push({ text: text(ldx), ins: ldx, build: (b) => b.ldx(sz, R3, R10, -8) });
    const sx = ins(0x81 | code, 3, 10, -8, 0);
    const signed = `s${sz.slice(1)}`;
    out.push({
      text: `r3 = *(${signed} *)(r10 - 8)`,
      ins: sx,
      build: (b) => b.ldx(signed as LoadSize, R3, R10, -8),
    });
    const st = ins(0x62 | code, 10, 0, -8, 5);
    out.push({ text: text(st), ins: st, build: (b) => b.st(sz, R10, -8, 5) });
    const stx = ins(0x63 | code, 10, 4, -8, 0);
    out.push({ text: text(stx), ins: stx, build: (b) => b.stx(sz, R10, -8, R4) });
    for (const a of AtomicOps) {
      if (a.name === 'load_acquire') {
        const i = ins(0xc3 | code, 3, 10, -8, a.imm);
        out.push({ text: text(i), ins: i, build: (b) => b.loadAcquire(sz, R3, R10, -8) });
        continue;
      }
      if (a.name === 'store_release') {
        const i = ins(0xc3 | code, 10, 4, -8, a.imm);
        out.push({ text: text(i), ins: i, build: (b) => b.storeRelease(sz, R10, -8, R4) });
        continue;
      }
      const i = ins(0xc3 | code, 10, 4, -8, a.imm);
      const r = sz === 'u64' ? 'r' : 'w';
      // LLVM has syntax for 8/16-bit atomics it never emits; a learner writes these.
      const written = a.llvm
        ? `lock *(${sz} *)(r10 - 8) ${a.llvm} ${r}4`
        : a.fetch && a.name.startsWith('fetch_')
          ? `${r}4 = atomic_${a.name}((${sz} *)(r10 - 8), ${r}4)`
          : (text(i) ?? undefined);
      out.push({ text: written, ins: i, build: (b) => b.atomic(a.name as 'add', sz as 'u32', R10, -8, R4) });
    }
  }
  for (const [sz, code] of sizes.slice(0, 3)) {
    const abs = ins(0x20 | code, 0, 0, 0, 4);
    const ind = ins(0x40 | code, 0, 4, 0, 4);
    out.push({ text: text(abs), ins: abs, build: (b) => b.ldAbs(sz as 'u8', 4) });
    out.push({ text: text(ind), ins: ind, build: (b) => b.ldInd(sz as 'u8', R4, 4) });
  }
  const wide = ins(0x18, 3, 0, 0, 0x55667788, 0x11223344);
  out.push({ text: text(wide), ins: wide, build: (b) => b.loadImm64(R3, 0x1122334455667788n) });
  for (const p of PseudoSources.slice(1)) {
    const i = ins(0x18, 3, p.src, 0, 0, 0);
    const context =
      p.src === 1 || p.src === 2
        ? 'map'
        : p.src === 5 || p.src === 6
          ? 'map_idx'
          : p.src === 4
            ? 'subprog'
            : undefined;
    if (p.src === 4) i.imm = 3; // the subprogram after `r0 = 0; exit`
    const build =
      p.src === 1
        ? (b: Builder) => b.ldMap(R3, 'm')
        : p.src === 2
          ? (b: Builder) => b.ldMapValue(R3, 'm')
          : p.src === 4
            ? (b: Builder) => b.ldFunc(R3, 'f')
            : (b: Builder) => b.emit(i);
    out.push({ text: text(i), ins: i, build, ...(context ? { context } : {}) });
  }
  return out;
}

export function allForms(): Form[] {
  return [...aluForms(), ...jumpForms(), ...memoryForms()];
}
