// The program builder: one method per instruction kind, labels and subprograms resolved at
// build(), map references left late-bound. Methods chain (`b.mov(R0, 0).exit()`); helpers that
// emit code take a Builder, so code generators compose (see docs/builder.md).

import { helperId } from '../helper-id.js';
import type { Instruction, Reference } from '../instruction.js';
import { LDDW, splitWide } from '../instruction.js';
import {
  ADDR_SPACE_CAST_OFF,
  AluOps,
  AtomicOps,
  CallKind,
  Class,
  JmpOps,
  Mode,
  Pseudo,
  Source,
  STACK_SIZE,
} from '../opcodes.js';
import { instructionProblem } from '../validity.js';
import {
  fail,
  imm32,
  imm64,
  integer,
  type LoadSize,
  type Operand,
  offset16,
  register,
  type StoreSize,
  size,
  writable,
} from './operands.js';
import { type Body, type BuilderOptions, ProgramState } from './program.js';
import { type AnyRegister, type Register, reg } from './registers.js';
import { type BuildResult, build } from './resolve.js';
import { captureCallSite } from './source.js';

/** Comparison operators of conditional jumps, spelled as LLVM prints them. */
export type CompareOp = '==' | '!=' | '>' | '>=' | '<' | '<=' | 's>' | 's>=' | 's<' | 's<=' | '&';

/** Atomic read-modify-write operations (STX | ATOMIC); `fetch_*`, xchg and cmpxchg return the old value. */
export type AtomicName =
  | 'add'
  | 'or'
  | 'and'
  | 'xor'
  | 'fetch_add'
  | 'fetch_or'
  | 'fetch_and'
  | 'fetch_xor'
  | 'xchg'
  | 'cmpxchg';

const aluOp = (name: string): number => (AluOps.find((a) => a.name === name) as { op: number }).op;
const jmpByCompare = new Map(JmpOps.filter((j) => j.llvm).map((j) => [j.llvm as CompareOp, j.op]));
const negated: Partial<Record<CompareOp, CompareOp>> = {
  '==': '!=',
  '!=': '==',
  '>': '<=',
  '<=': '>',
  '>=': '<',
  '<': '>=',
  's>': 's<=',
  's<=': 's>',
  's>=': 's<',
  's<': 's>=',
};
const atomicImm = new Map(AtomicOps.map((a) => [a.name, a.imm]));

const OP = {
  add: aluOp('add'),
  sub: aluOp('sub'),
  mul: aluOp('mul'),
  div: aluOp('div'),
  or: aluOp('or'),
  and: aluOp('and'),
  lsh: aluOp('lsh'),
  rsh: aluOp('rsh'),
  neg: aluOp('neg'),
  mod: aluOp('mod'),
  xor: aluOp('xor'),
  mov: aluOp('mov'),
  arsh: aluOp('arsh'),
  end: aluOp('end'),
} as const;
const JA = 0x00;
const CALL = 0x80;
const EXIT = 0x90;
const MAY_GOTO = 0xe0;
const CALLEE_SAVED = [6, 7, 8, 9] as const;

export class Builder {
  readonly #state: ProgramState;
  readonly #body: Body;

  /** A new program; `options.sourcePositions: false` skips call-site capture. */
  constructor(options: BuilderOptions = {}) {
    const sub = adopting;
    adopting = undefined;
    this.#state = sub?.state ?? new ProgramState(options);
    this.#body = sub?.body ?? this.#state.addBody('');
  }

  /** Name of the function this builder emits into ('' for the main program). */
  get functionName(): string {
    return this.#body.name;
  }

  /** Instructions emitted so far into this function. */
  get length(): number {
    return this.#body.code.length;
  }

  // ---- emission core

  #emit(method: string, ins: Instruction): this {
    // The validity rule the assembler, disassembler and interpreter share (callx, which LLVM
    // writes and the kernel refuses, stays allowed: callx() exists for the interpreter's sake).
    const problem = instructionProblem(ins);
    if (problem && !problem.llvmForm) fail(method, problem.message);
    if (this.#state.positions) ins.source = captureCallSite(method);
    this.#body.code.push(ins);
    return this;
  }

  /** Appends a raw instruction (checked by the same validity rule as every other method). */
  emit(ins: Instruction): this {
    return this.#emit('emit', { ...ins });
  }

  // ---- ALU

  #alu(method: string, op: number, dst: unknown, src: unknown, off = 0): this {
    const d = writable(method, dst);
    const cls = d.bits === 64 ? Class.ALU64 : Class.ALU;
    if (typeof src === 'object' && src !== null) {
      const s = sameWidth(method, d, register(method, src, 'source'));
      return this.#emit(method, { code: cls | Source.X | op, dst: d.index, src: s.index, off, imm: 0 });
    }
    // Out-of-range shifts and division by a constant 0 fail in #emit, in the shared words.
    const imm = d.bits === 64 ? imm64(method, src) : imm32(method, src);
    return this.#emit(method, { code: cls | Source.K | op, dst: d.index, src: 0, off, imm });
  }

  /** dst = src (register or immediate). A 64-bit dst takes an s32 immediate; use loadImm64 for more. */
  mov(dst: AnyRegister, src: Operand): this {
    return this.#alu('mov', OP.mov, dst, src);
  }
  add(dst: AnyRegister, src: Operand): this {
    return this.#alu('add', OP.add, dst, src);
  }
  sub(dst: AnyRegister, src: Operand): this {
    return this.#alu('sub', OP.sub, dst, src);
  }
  mul(dst: AnyRegister, src: Operand): this {
    return this.#alu('mul', OP.mul, dst, src);
  }
  /** Unsigned division; x / 0 = 0 at run time, a constant 0 is rejected here. */
  div(dst: AnyRegister, src: Operand): this {
    return this.#alu('div', OP.div, dst, src);
  }
  /** Signed division (cpu v4). */
  sdiv(dst: AnyRegister, src: Operand): this {
    return this.#alu('sdiv', OP.div, dst, src, 1);
  }
  mod(dst: AnyRegister, src: Operand): this {
    return this.#alu('mod', OP.mod, dst, src);
  }
  /** Signed modulo (cpu v4). */
  smod(dst: AnyRegister, src: Operand): this {
    return this.#alu('smod', OP.mod, dst, src, 1);
  }
  or(dst: AnyRegister, src: Operand): this {
    return this.#alu('or', OP.or, dst, src);
  }
  and(dst: AnyRegister, src: Operand): this {
    return this.#alu('and', OP.and, dst, src);
  }
  xor(dst: AnyRegister, src: Operand): this {
    return this.#alu('xor', OP.xor, dst, src);
  }
  lsh(dst: AnyRegister, src: Operand): this {
    return this.#alu('lsh', OP.lsh, dst, src);
  }
  /** Logical right shift. */
  rsh(dst: AnyRegister, src: Operand): this {
    return this.#alu('rsh', OP.rsh, dst, src);
  }
  /** Arithmetic (sign-filling) right shift. */
  arsh(dst: AnyRegister, src: Operand): this {
    return this.#alu('arsh', OP.arsh, dst, src);
  }
  neg(dst: AnyRegister): this {
    const d = writable('neg', dst);
    return this.#emit('neg', {
      code: (d.bits === 64 ? Class.ALU64 : Class.ALU) | OP.neg,
      dst: d.index,
      src: 0,
      off: 0,
      imm: 0,
    });
  }
  /** dst = (s8/s16/s32) src, sign-extended to dst's width (cpu v4; 32 only for a 64-bit dst). */
  movsx(dst: AnyRegister, src: AnyRegister, bits: 8 | 16 | 32): this {
    writable('movsx', dst);
    register('movsx', src, 'source');
    // Widths the encoding cannot take (movsx32 into a w register …) fail in #emit, in the shared words.
    if (bits !== 8 && bits !== 16 && bits !== 32)
      fail('movsx', `cannot sign-extend from ${bits} bits (8, 16 or 32)`);
    return this.#alu('movsx', OP.mov, dst, src, bits);
  }

  #endian(method: string, cls: number, source: number, dst: unknown, bits: unknown): this {
    const d = writable(method, dst);
    if (typeof bits !== 'number' || !Number.isInteger(bits))
      fail(method, `width ${String(bits)} is not 16, 32 or 64`);
    return this.#emit(method, {
      code: cls | source | OP.end,
      dst: d.index,
      src: 0,
      off: 0,
      imm: bits as number,
    });
  }
  /** Convert to little-endian (a no-op on little-endian hosts except that it truncates to `bits`). */
  le(dst: AnyRegister, bits: 16 | 32 | 64): this {
    return this.#endian('le', Class.ALU, Source.K, dst, bits);
  }
  /** Convert to big-endian (network order). */
  be(dst: AnyRegister, bits: 16 | 32 | 64): this {
    return this.#endian('be', Class.ALU, Source.X, dst, bits);
  }
  /** Unconditional byte swap of the low `bits` (cpu v4). */
  bswap(dst: AnyRegister, bits: 16 | 32 | 64): this {
    return this.#endian('bswap', Class.ALU64, Source.K, dst, bits);
  }
  /** Arena pointer cast between address spaces: dst = addr_space_cast(src, dstAs, srcAs). */
  addrSpaceCast(dst: Register, src: Register, dstAs: number, srcAs: number): this {
    const d = writable('addrSpaceCast', dst);
    const s = register('addrSpaceCast', src, 'source');
    const to = integer('addrSpaceCast', dstAs, 0, 0xffff, 'destination address space');
    const from = integer('addrSpaceCast', srcAs, 0, 0xffff, 'source address space');
    return this.#emit('addrSpaceCast', {
      code: Class.ALU64 | Source.X | OP.mov,
      dst: d.index,
      src: s.index,
      off: ADDR_SPACE_CAST_OFF,
      imm: (to << 16) | from | 0,
    });
  }

  // ---- jumps

  #label(method: string, name: unknown): string {
    if (typeof name !== 'string' || name === '')
      return fail(method, `label ${String(name)} must be a non-empty string`);
    return name;
  }

  /** Conditional jump to `label`; a 32-bit dst (W1) compares the low halves (JMP32). */
  jmp(dst: AnyRegister, op: CompareOp, src: Operand, label: string): this {
    return this.#jcond(op, 'jmp', dst, src, label);
  }

  #jcond(op: CompareOp, method: string, dst: unknown, src: unknown, label: unknown): this {
    const code = jmpByCompare.get(op);
    if (code === undefined)
      return fail(
        method,
        `comparison ${JSON.stringify(op)} is not one of ${[...jmpByCompare.keys()].join(' ')}`,
      );
    const d = register(method, dst, 'left operand');
    const name = this.#label(method, label);
    const cls = d.bits === 64 ? Class.JMP : Class.JMP32;
    const ref: Reference = { kind: 'label', name };
    if (typeof src === 'object' && src !== null) {
      const s = sameWidth(method, d, register(method, src, 'right operand'));
      return this.#emit(method, {
        code: cls | Source.X | code,
        dst: d.index,
        src: s.index,
        off: 0,
        imm: 0,
        ref,
      });
    }
    const imm = d.bits === 64 ? imm64(method, src) : imm32(method, src);
    return this.#emit(method, { code: cls | Source.K | code, dst: d.index, src: 0, off: 0, imm, ref });
  }
  jeq(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('==', 'jeq', dst, src, label);
  }
  jne(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('!=', 'jne', dst, src, label);
  }
  jgt(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('>', 'jgt', dst, src, label);
  }
  jge(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('>=', 'jge', dst, src, label);
  }
  jlt(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('<', 'jlt', dst, src, label);
  }
  jle(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('<=', 'jle', dst, src, label);
  }
  jsgt(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('s>', 'jsgt', dst, src, label);
  }
  jsge(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('s>=', 'jsge', dst, src, label);
  }
  jslt(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('s<', 'jslt', dst, src, label);
  }
  jsle(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('s<=', 'jsle', dst, src, label);
  }
  /** Jump if dst & src is non-zero. */
  jset(dst: AnyRegister, src: Operand, label: string): this {
    return this.#jcond('&', 'jset', dst, src, label);
  }
  /** Unconditional jump; becomes gotol (32-bit offset, cpu v4) when the label is beyond ±32K slots. */
  ja(label: string): this {
    const name = this.#label('ja', label);
    return this.#emit('ja', {
      code: Class.JMP | JA,
      dst: 0,
      src: 0,
      off: 0,
      imm: 0,
      ref: { kind: 'label', name },
    });
  }
  /** Unconditional jump with a 32-bit offset (cpu v4), whatever the distance. */
  gotol(label: string): this {
    const name = this.#label('gotol', label);
    return this.#emit('gotol', {
      code: Class.JMP32 | JA,
      dst: 0,
      src: 0,
      off: 0,
      imm: 0,
      ref: { kind: 'label', name },
    });
  }
  /** Bounded-loop escape: the kernel jumps to `label` once the loop budget is spent (cpu v4). */
  mayGoto(label: string): this {
    const name = this.#label('mayGoto', label);
    return this.#emit('mayGoto', {
      code: Class.JMP | MAY_GOTO,
      dst: 0,
      src: 0,
      off: 0,
      imm: 0,
      ref: { kind: 'label', name },
    });
  }

  // ---- calls

  /** Calls a helper by name (`'map_lookup_elem'` or `'bpf_map_lookup_elem'`) or id. Result in r0; r1-r5 clobbered. */
  call(helper: string | number): this {
    let id: number;
    if (typeof helper === 'string') {
      const found = helperId(helper);
      if (found === undefined)
        return fail('call', `unknown helper '${helper}' (see helperInfo / HELPERS for names)`);
      id = found;
    } else id = integer('call', helper, 0, 0x7fff_ffff, 'helper id');
    return this.#emit('call', { code: Class.JMP | CALL, dst: 0, src: CallKind.HELPER, off: 0, imm: id });
  }
  /** Calls subprogram `name` (defined with func(), before or after this call). */
  callLocal(name: string): this {
    const fn = this.#label('callLocal', name);
    return this.#emit('callLocal', {
      code: Class.JMP | CALL,
      dst: 0,
      src: CallKind.LOCAL,
      off: 0,
      imm: 0,
      ref: { kind: 'func', name: fn },
    });
  }
  /**
   * Calls a kernel function: by BTF id (with `module`, the fd_array slot of a module's BTF, 0 =
   * vmlinux), or by name, left as a `kfunc` reference for the loader to resolve against BTF.
   */
  callKfunc(kfunc: string | number, module = 0): this {
    const off = offset16('callKfunc', module, 'module BTF slot');
    if (typeof kfunc === 'string') {
      const name = this.#label('callKfunc', kfunc);
      return this.#emit('callKfunc', {
        code: Class.JMP | CALL,
        dst: 0,
        src: CallKind.KFUNC,
        off,
        imm: 0,
        ref: { kind: 'kfunc', name },
      });
    }
    const id = integer('callKfunc', kfunc, 1, 0x7fff_ffff, 'BTF id');
    return this.#emit('callKfunc', { code: Class.JMP | CALL, dst: 0, src: CallKind.KFUNC, off, imm: id });
  }
  /** Indirect call through the function address in `target` (callx). */
  callx(target: Register): this {
    const t = register('callx', target, 'target');
    return this.#emit('callx', { code: Class.JMP | Source.X | CALL, dst: t.index, src: 0, off: 0, imm: 0 });
  }
  exit(): this {
    return this.#emit('exit', { code: Class.JMP | EXIT, dst: 0, src: 0, off: 0, imm: 0 });
  }
  /** r0 = value; exit. */
  ret(value: Operand<Register>): this {
    return this.#alu('ret', OP.mov, reg(0), value).exit();
  }

  // ---- 64-bit immediates (lddw, two slots)

  #lddw(method: string, dst: unknown, pseudo: number, imm: number, imm2: number, ref?: Reference): this {
    const d = writable(method, dst);
    if (d.bits !== 64) fail(method, `destination ${d} must be a 64-bit register (r0-r9)`);
    const ins: Instruction = { code: LDDW, dst: d.index, src: pseudo, off: 0, imm, imm2 };
    if (ref) ins.ref = ref;
    return this.#emit(method, ins);
  }
  /** dst = a 64-bit constant (lddw). */
  loadImm64(dst: Register, value: number | bigint): this {
    let v: bigint;
    if (typeof value === 'bigint') v = value;
    else if (Number.isSafeInteger(value)) v = BigInt(value);
    else return fail('loadImm64', `value ${value} is not a safe integer (pass a bigint)`);
    if (v < -(1n << 63n) || v >= 1n << 64n) fail('loadImm64', `value ${v}n does not fit in 64 bits`);
    const { imm, imm2 } = splitWide(v);
    return this.#lddw('loadImm64', dst, Pseudo.NONE, imm, imm2);
  }
  /** dst = pointer to map `name`; the loader (or interpreter) binds the name to a map fd. */
  ldMap(dst: Register, name: string): this {
    const map = this.#label('ldMap', name);
    return this.#lddw('ldMap', dst, Pseudo.MAP_FD, 0, 0, { kind: 'map', name: map });
  }
  /** dst = address of byte `offset` in the value of array map `name` (a global variable's section). */
  ldMapValue(dst: Register, name: string, offset = 0): this {
    const map = this.#label('ldMapValue', name);
    const off = integer('ldMapValue', offset, 0, 0x7fff_ffff, 'value offset');
    return this.#lddw('ldMapValue', dst, Pseudo.MAP_VALUE, 0, off, {
      kind: 'map_value',
      name: map,
      offset: off,
    });
  }
  /** dst = address of subprogram `name` (a callback for bpf_loop, for_each_map_elem, timers). */
  ldFunc(dst: Register, name: string): this {
    const fn = this.#label('ldFunc', name);
    return this.#lddw('ldFunc', dst, Pseudo.FUNC, 0, 0, { kind: 'func', name: fn });
  }

  // ---- legacy packet loads (socket filters): r0 = ntoh(*(size *)(skb->data + [src +] imm))

  ldAbs(sz: 'u8' | 'u16' | 'u32', imm: number): this {
    const s = size('ldAbs', sz, false);
    if (s.bytes === 8) fail('ldAbs', 'packet loads are 1, 2 or 4 bytes');
    return this.#emit('ldAbs', {
      code: Class.LD | Mode.ABS | s.code,
      dst: 0,
      src: 0,
      off: 0,
      imm: imm32('ldAbs', imm),
    });
  }
  ldInd(sz: 'u8' | 'u16' | 'u32', src: Register, imm: number): this {
    const s = size('ldInd', sz, false);
    if (s.bytes === 8) fail('ldInd', 'packet loads are 1, 2 or 4 bytes');
    const r = register('ldInd', src, 'index register');
    return this.#emit('ldInd', {
      code: Class.LD | Mode.IND | s.code,
      dst: 0,
      src: r.index,
      off: 0,
      imm: imm32('ldInd', imm),
    });
  }

  // ---- memory

  /** dst = *(size *)(src + off); `s8`/`s16`/`s32` sign-extend (cpu v4). */
  ldx(sz: LoadSize, dst: AnyRegister, src: AnyRegister, off = 0): this {
    const s = size('ldx', sz, true);
    const d = writable('ldx', dst);
    const base = register('ldx', src, 'base');
    const mode = s.signed ? Mode.MEMSX : Mode.MEM;
    return this.#emit('ldx', {
      code: Class.LDX | mode | s.code,
      dst: d.index,
      src: base.index,
      off: offset16('ldx', off),
      imm: 0,
    });
  }
  /** *(size *)(dst + off) = imm (a u64 store sign-extends the s32 imm). */
  st(sz: StoreSize, dst: AnyRegister, off: number, imm: number | bigint): this {
    const s = size('st', sz, false);
    const base = register('st', dst, 'base');
    const value =
      s.bytes === 8
        ? imm64('st', imm)
        : integer('st', imm, -(2 ** (s.bytes * 8 - 1)), 2 ** (s.bytes * 8) - 1, `${sz} value`) | 0;
    return this.#emit('st', {
      code: Class.ST | Mode.MEM | s.code,
      dst: base.index,
      src: 0,
      off: offset16('st', off),
      imm: value,
    });
  }
  /** *(size *)(dst + off) = src */
  stx(sz: StoreSize, dst: AnyRegister, off: number, src: AnyRegister): this {
    const s = size('stx', sz, false);
    const base = register('stx', dst, 'base');
    const r = register('stx', src, 'source');
    return this.#emit('stx', {
      code: Class.STX | Mode.MEM | s.code,
      dst: base.index,
      src: r.index,
      off: offset16('stx', off),
      imm: 0,
    });
  }

  // ---- atomics

  /**
   * Atomic read-modify-write on *(size *)(dst + off) with src. `fetch_*` and xchg put the old value in src;
   * cmpxchg compares with r0, stores src if equal, and puts the old value in r0.
   */
  atomic(op: AtomicName, sz: 'u32' | 'u64', dst: Register, off: number, src: AnyRegister): this {
    const imm = atomicImm.get(op);
    if (imm === undefined || imm >= 0x100)
      return fail(
        'atomic',
        `atomic operation ${JSON.stringify(op)} is not add, or, and, xor, fetch_*, xchg or cmpxchg`,
      );
    const s = size('atomic', sz, false);
    const base = register('atomic', dst, 'base');
    const r = register('atomic', src, 'source');
    return this.#emit('atomic', {
      code: Class.STX | Mode.ATOMIC | s.code,
      dst: base.index,
      src: r.index,
      off: offset16('atomic', off),
      imm,
    });
  }
  /** dst = load_acquire((size *)(src + off)) (cpu v4, any size). */
  loadAcquire(sz: StoreSize, dst: AnyRegister, src: Register, off = 0): this {
    const s = size('loadAcquire', sz, false);
    const d = writable('loadAcquire', dst);
    const base = register('loadAcquire', src, 'base');
    const imm = atomicImm.get('load_acquire') as number;
    return this.#emit('loadAcquire', {
      code: Class.STX | Mode.ATOMIC | s.code,
      dst: d.index,
      src: base.index,
      off: offset16('loadAcquire', off),
      imm,
    });
  }
  /** store_release((size *)(dst + off), src) (cpu v4, any size). */
  storeRelease(sz: StoreSize, dst: Register, off: number, src: AnyRegister): this {
    const s = size('storeRelease', sz, false);
    const base = register('storeRelease', dst, 'base');
    const r = register('storeRelease', src, 'source');
    const imm = atomicImm.get('store_release') as number;
    return this.#emit('storeRelease', {
      code: Class.STX | Mode.ATOMIC | s.code,
      dst: base.index,
      src: r.index,
      off: offset16('storeRelease', off),
      imm,
    });
  }

  // ---- labels, functions, structure

  /** Names the next instruction of this function. Labels are local to their function. */
  label(name: string): this {
    const n = this.#label('label', name);
    if (this.#body.labels.has(n)) fail('label', `label '${n}' is already defined in ${this.#where()}`);
    this.#body.labels.set(n, this.#body.code.length);
    return this;
  }
  /** A fresh label name no other newLabel call returns (for code generators: `.L<hint><n>`). */
  newLabel(hint = 'L'): string {
    return `.${hint}${++this.#state.labelSeq}`;
  }
  /**
   * Defines subprogram `name`: `body` emits its instructions into a builder of its own (own
   * labels, stack and registers). Subprograms are placed after main, in definition order.
   */
  func(name: string, body: (b: Builder) => void): this {
    const n = this.#label('func', name);
    if (this.#state.funcs.has(n)) fail('func', `function '${n}' is already defined`);
    adopting = { state: this.#state, body: this.#state.addBody(n) };
    body(new Builder());
    return this;
  }

  /** Reserves `bytes` of this function's stack; returns the (negative) offset from r10 (FP). */
  stackAlloc(bytes: number, align = Math.min(8, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))))): number {
    const n = integer('stackAlloc', bytes, 1, STACK_SIZE, 'size');
    if (align !== 1 && align !== 2 && align !== 4 && align !== 8)
      fail('stackAlloc', `alignment ${align} is not 1, 2, 4 or 8`);
    const depth = Math.ceil((this.#body.stack + n) / align) * align;
    if (depth > STACK_SIZE)
      fail(
        'stackAlloc',
        `${this.#where()} would use ${depth} stack bytes, more than the kernel's ${STACK_SIZE}`,
      );
    this.#body.stack = depth;
    return -depth;
  }
  /** Stack bytes this function has reserved with stackAlloc. */
  get stackSize(): number {
    return this.#body.stack;
  }
  /** Zeroes `len` stack bytes at fp `off` with the widest aligned stores (the verifier wants initialised stack). */
  zeroStack(off: number, len: number): this {
    let at = integer('zeroStack', off, -STACK_SIZE, -1, 'offset');
    const end = at + integer('zeroStack', len, 0, -at, 'length');
    while (at < end) {
      const width = [8, 4, 2, 1].find((w) => at % w === 0 && at + w <= end) as number;
      this.st(width === 8 ? 'u64' : width === 4 ? 'u32' : width === 2 ? 'u16' : 'u8', reg(10), at, 0);
      at += width;
    }
    return this;
  }
  /**
   * Lends `count` callee-saved registers (r6-r9: they survive helper calls) to `body` and takes
   * them back after, so generators can nest without clobbering each other's registers.
   */
  withRegs<N extends 1 | 2 | 3 | 4>(count: N, body: (...regs: Register[]) => void): this {
    const lent = this.#body.lent;
    const free = CALLEE_SAVED.filter((i) => !lent.has(i));
    if (free.length < count)
      fail('withRegs', `${count} registers wanted, only ${free.length} of r6-r9 free in ${this.#where()}`);
    const regs = free.slice(0, count).map((i) => reg(i));
    for (const r of regs) lent.add(r.index);
    try {
      body(...regs);
    } finally {
      for (const r of regs) lent.delete(r.index);
    }
    return this;
  }
  /** if (dst op src) { then } else { otherwise }, with fresh labels. */
  ifThen(
    dst: AnyRegister,
    op: CompareOp,
    src: Operand,
    then: (b: this) => void,
    otherwise?: (b: this) => void,
  ): this {
    const end = this.newLabel('endif');
    const alt = otherwise ? this.newLabel('else') : end;
    const skip = negated[op];
    if (skip) this.#jcond(skip, 'ifThen', dst, src, alt);
    else {
      // jset has no negation: branch into the body, fall through to the skip.
      const body = this.newLabel('then');
      this.#jcond(op, 'ifThen', dst, src, body);
      this.ja(alt);
      this.label(body);
    }
    then(this);
    if (otherwise) {
      this.ja(end);
      this.label(alt);
      otherwise(this);
    }
    return this.label(end);
  }

  /** Resolves labels, local calls and ldFunc; map references stay as `ref` for the loader. */
  build(): BuildResult {
    return build(this.#state);
  }

  #where(): string {
    return this.#body.name === '' ? 'the main program' : `function '${this.#body.name}'`;
  }
}

let adopting: { state: ProgramState; body: Body } | undefined;

/** An ALU or compare mixes r and w views only by mistake: `add(W3, R1)` would quietly emit `w3 += w1`. */
function sameWidth(method: string, dst: AnyRegister, src: AnyRegister): AnyRegister {
  if (src.bits !== dst.bits)
    fail(
      method,
      `register ${src} does not match the width of ${dst} (write ${dst.bits === 32 ? 'W' : 'R'}${src.index})`,
    );
  return src;
}

/** A new program builder. */
export const program = (options?: BuilderOptions): Builder => new Builder(options);
