// Compiles probe expressions into builder code. Conventions: R6 holds the context for the whole
// program, R9 a reserved ringbuf record while one is being filled; a scalar is computed into R0
// using R0-R5 and stack slots only (helpers clobber R0-R5), so R6-R9 survive every expression.
import {
  type Builder,
  type CompareOp,
  R0,
  R1,
  R2,
  R3,
  R6,
  R10,
  type Register,
  W0,
} from '../../isa/builder/index.js';
import { type IntSize, NEGATIVE_BUCKET } from './types.js';
import type { Cond, KeyPart, Node, StrNode } from './value.js';

const LOAD = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' } as const;
const NEGATE: Record<CompareOp, CompareOp | undefined> = {
  '==': '!=',
  '!=': '==',
  '>': '<=',
  '<=': '>',
  '<': '>=',
  '>=': '<',
  's>': 's<=',
  's<=': 's>',
  's<': 's>=',
  's>=': 's<',
  '&': undefined,
};

/** The builder's name for a probe map (resolved to the map's fd at load time). */
export const mapRef = (name: string): string => `map:${name}`;

const BPF_F_USER_STACK = 1 << 8;

const fitsImm32 = (v: bigint): boolean => v >= -0x8000_0000n && v <= 0x7fff_ffffn;

/** Byte layout of a map key built from parts (each aligned to its size, strings to 1). */
export function keyLayout(parts: readonly KeyPart[]): { offsets: number[]; size: number } {
  const offsets: number[] = [];
  let at = 0;
  for (const p of parts) {
    const size = p.type.kind === 'str' ? p.type.size : p.type.kind === 'ptr' ? 8 : p.type.size;
    const align = p.type.kind === 'str' ? 1 : size;
    at = Math.ceil(at / align) * align;
    offsets.push(at);
    at += size;
  }
  return { offsets, size: Math.max(8, Math.ceil(at / 8) * 8) };
}

export class CodeGen {
  readonly b: Builder;
  /** Where a probe ends quietly (a filter failed, a map had no entry). */
  readonly exitLabel: string;
  /** Stack slots of values computed by `let` actions. */
  readonly vars = new Map<number, number>();
  readonly #spills: number[] = [];
  #depth = 0;
  #scratch: number | undefined;

  constructor(b: Builder, exitLabel: string) {
    this.b = b;
    this.exitLabel = exitLabel;
  }

  /** An 8-byte stack slot for a value that must survive while another is computed. */
  #pushSlot(): number {
    const d = this.#depth++;
    this.#spills[d] ??= this.b.stackAlloc(8, 8);
    return this.#spills[d] as number;
  }
  #popSlot(): void {
    this.#depth--;
  }
  /** The slot bpf_probe_read writes scalars into (used and read back at once). */
  get #readSlot(): number {
    this.#scratch ??= this.b.stackAlloc(8, 8);
    return this.#scratch;
  }

  /** Computes `node` into R0. */
  scalar(node: Node): void {
    const b = this.b;
    switch (node.op) {
      case 'const':
        if (fitsImm32(node.value)) b.mov(R0, Number(node.value));
        else b.loadImm64(R0, node.value);
        return;
      case 'stack':
        b.ldx('u64', R0, R10, node.off);
        return;
      case 'stackid':
        b.mov(R1, R6)
          .ldMap(R2, mapRef(node.map))
          .mov(R3, node.user ? BPF_F_USER_STACK : 0)
          .call('get_stackid');
        return;
      case 'var': {
        const off = this.vars.get(node.id);
        if (off === undefined) throw new Error(`internal: variable ${node.id} used before it was computed`);
        b.ldx('u64', R0, R10, off);
        return;
      }
      case 'ctx':
        b.ldx(LOAD[node.size], R0, R6, node.off);
        if (node.signed && node.size < 8) this.#extend(node.size, true);
        return;
      case 'call':
        if (node.ctx) b.mov(R1, R6);
        b.call(node.helper);
        if (node.part === 'hi') b.rsh(R0, 32);
        else if (node.part === 'lo') b.mov(W0, W0);
        return;
      case 'cast':
        this.scalar(node.a);
        this.#extend(node.size, node.signed);
        return;
      case 'alu':
        this.#alu(node);
        return;
      case 'read':
        this.scalar(node.addr);
        b.mov(R3, R0).mov(R1, R10).add(R1, this.#readSlot).mov(R2, node.size);
        b.call(node.user ? 'probe_read_user' : 'probe_read_kernel');
        b.ldx(LOAD[node.size], R0, R10, this.#readSlot);
        if (node.signed && node.size < 8) this.#extend(node.size, true);
        return;
      case 'log2':
        this.scalar(node.a);
        this.#log2(node.signed ?? false);
        return;
      case 'linear':
        this.#linear(node);
        return;
      case 'cookie':
        b.mov(R1, R6).call('get_attach_cookie');
        return;
      case 'select':
        this.#select(node);
        return;
      case 'lookup': {
        this.lookup(mapRef(node.map), node.key);
        b.jeq(R0, 0, this.exitLabel);
        b.ldx(LOAD[node.size], R0, R0, 0);
        if (node.signed && node.size < 8) this.#extend(node.size, true);
        return;
      }
    }
  }

  /** R0 = the case for `on`'s value (0 when no case has it): `on` is kept in a slot meanwhile. */
  #select(node: Extract<Node, { op: 'select' }>): void {
    const b = this.b;
    const done = b.newLabel('select_done');
    const slot = this.#pushSlot();
    this.scalar(node.on);
    b.stx('u64', R10, slot, R0);
    for (const c of node.cases) {
      const next = b.newLabel('select_next');
      b.ldx('u64', R1, R10, slot);
      if (fitsImm32(c.value)) b.jne(R1, Number(c.value), next);
      else b.loadImm64(R2, c.value).jne(R1, R2, next);
      this.scalar(c.node);
      b.ja(done).label(next);
    }
    b.mov(R0, 0).label(done);
    this.#popSlot();
  }

  /** Truncates R0 to `size` bytes, then zero- or sign-extends it to 64 bits. */
  #extend(size: IntSize, signed: boolean): void {
    if (size === 8) return;
    if (signed) {
      const shift = 64 - size * 8;
      this.b.lsh(R0, shift).arsh(R0, shift);
    } else if (size === 4) this.b.mov(W0, W0);
    else this.b.and(R0, size === 1 ? 0xff : 0xffff);
  }

  #alu(node: Extract<Node, { op: 'alu' }>): void {
    const b = this.b;
    const op = node.alu === 'rsh' && node.signed ? 'arsh' : node.alu;
    if (node.b.op === 'const' && fitsImm32(node.b.value)) {
      this.scalar(node.a);
      b[op](R0, Number(node.b.value));
      return;
    }
    const slot = this.#pushSlot();
    this.scalar(node.b);
    b.stx('u64', R10, slot, R0);
    this.scalar(node.a);
    b.ldx('u64', R1, R10, slot);
    this.#popSlot();
    b[op](R0, R1);
  }

  /**
   * R0 = v ? 1 + floor(log2 v) : 0, by halving the search window (no loop for the verifier); a
   * negative `signed` value: NEGATIVE_BUCKET.
   */
  #log2(signed: boolean): void {
    const b = this.b;
    const done = b.newLabel('log2_done');
    b.mov(R1, R0).mov(R0, 0).jeq(R1, 0, done);
    if (signed) b.mov(R0, NEGATIVE_BUCKET).jslt(R1, 0, done);
    b.mov(R0, 1);
    for (const s of [32, 16, 8, 4, 2, 1]) {
      const skip = b.newLabel('log2');
      b.mov(R2, R1).rsh(R2, s).jeq(R2, 0, skip).mov(R1, R2).add(R0, s).label(skip);
    }
    b.label(done);
  }

  #linear(node: Extract<Node, { op: 'linear' }>): void {
    const b = this.b;
    const under = b.newLabel('lin_under');
    const done = b.newLabel('lin_done');
    this.scalar(node.a);
    b.loadImm64(R1, BigInt(node.min)).jslt(R0, R1, under).sub(R0, R1).div(R0, node.step).add(R0, 1);
    b.jle(R0, node.n + 1, done)
      .mov(R0, node.n + 1)
      .ja(done);
    b.label(under).mov(R0, 0).label(done);
  }

  /** Jumps to `target` when `cond` is `when`; falls through otherwise. */
  branch(cond: Cond, target: string, when: boolean): void {
    const b = this.b;
    switch (cond.op) {
      case 'not':
        this.branch(cond.a, target, !when);
        return;
      case 'and':
      case 'or': {
        // and/false and or/true jump on the first operand already; the others need a skip label.
        const direct = (cond.op === 'and') !== when;
        if (direct) {
          this.branch(cond.a, target, when);
          this.branch(cond.b, target, when);
        } else {
          const skip = b.newLabel('cond');
          this.branch(cond.a, skip, !when);
          this.branch(cond.b, target, when);
          b.label(skip);
        }
        return;
      }
      case 'cmp': {
        const op = when ? cond.cmp : NEGATE[cond.cmp];
        if (op === undefined) {
          // '&' has no negation: jump over the jump.
          const skip = b.newLabel('cond');
          this.#compare(cond, '&', skip);
          b.ja(target).label(skip);
          return;
        }
        this.#compare(cond, op, target);
        return;
      }
      case 'streq':
        this.#streq(cond, target, when);
        return;
    }
  }

  #compare(cond: Extract<Cond, { op: 'cmp' }>, op: CompareOp, target: string): void {
    const b = this.b;
    if (cond.b.op === 'const' && fitsImm32(cond.b.value)) {
      this.scalar(cond.a);
      b.jmp(R0, op, Number(cond.b.value), target);
      return;
    }
    const slot = this.#pushSlot();
    this.scalar(cond.b);
    b.stx('u64', R10, slot, R0);
    this.scalar(cond.a);
    b.ldx('u64', R1, R10, slot);
    this.#popSlot();
    b.jmp(R0, op, R1, target);
  }

  /** Compares a string with a literal, 8 bytes at a time (the literal's NUL included). */
  #streq(cond: Extract<Cond, { op: 'streq' }>, target: string, when: boolean): void {
    const b = this.b;
    const bytes = Buffer.from(`${cond.text}\0`, 'utf8');
    if (bytes.length > cond.s.size) {
      // It cannot be equal: the value holds at most size-1 characters.
      if (!when) b.ja(target);
      return;
    }
    const len = Math.ceil(bytes.length / 8) * 8;
    // Read 8 bytes more than compared: a longer value, cut short by the read, still differs.
    const buf = this.b.stackAlloc(len + 8, 8);
    b.zeroStack(buf, len + 8);
    this.stringInto(cond.s, R10, buf, Math.min(cond.s.size, len + 8));
    const padded = Buffer.alloc(len);
    bytes.copy(padded);
    const miss = when ? b.newLabel('str_ne') : target;
    for (let at = 0; at < len; at += 8) {
      const word = padded.readBigUInt64LE(at);
      // Only the bytes up to the NUL count: mask the tail of the last word.
      const valid = Math.min(8, bytes.length - at);
      b.ldx('u64', R0, R10, buf + at);
      if (valid < 8) b.loadImm64(R1, (1n << BigInt(valid * 8)) - 1n).and(R0, R1);
      b.loadImm64(R1, word).jne(R0, R1, miss);
    }
    if (when) b.ja(target).label(miss);
  }

  /** Writes string `s` (at most `max` bytes, NUL-terminated) to `[base + off]`. Clobbers R0-R5. */
  stringInto(s: StrNode, base: Register, off: number, max = s.size): void {
    const b = this.b;
    switch (s.op) {
      case 'comm':
        b.mov(R1, base).add(R1, off).mov(R2, Math.min(max, 16)).call('get_current_comm');
        return;
      case 'str':
        this.scalar(s.addr);
        b.mov(R3, R0).mov(R1, base).add(R1, off).mov(R2, max);
        b.call(s.user ? 'probe_read_user_str' : 'probe_read_kernel_str');
        return;
      case 'bytes':
        this.scalar(s.addr);
        b.mov(R3, R0).mov(R1, base).add(R1, off).mov(R2, max);
        b.call(s.user ? 'probe_read_user' : 'probe_read_kernel');
        return;
      case 'strs':
        this.#strings(s, base, off);
        return;
      case 'ctxbytes':
        b.mov(R3, R6).add(R3, s.off).mov(R1, base).add(R1, off).mov(R2, max).call('probe_read_kernel');
        return;
      case 'dataloc':
        // The low 16 bits locate the string in the record: read it from ctx + that offset.
        b.ldx('u32', R3, R6, s.off).and(R3, 0xffff).add(R3, R6);
        b.mov(R1, base).add(R1, off).mov(R2, max).call('probe_read_kernel_str');
        return;
    }
  }

  /**
   * argv-style lists: a u32 count at `[base + off]`, then up to `count` strings, each read from the
   * next pointer until a NULL pointer or an unreadable one. Unrolled: no loop for the verifier.
   * `base` must be a callee-saved register (R6-R9): it survives the helper calls.
   */
  #strings(s: Extract<StrNode, { op: 'strs' }>, base: Register, off: number): void {
    const b = this.b;
    const array = this.b.stackAlloc(8, 8);
    const done = b.newLabel('strs_done');
    this.scalar(s.addr);
    b.stx('u64', R10, array, R0);
    b.st('u32', base, off, 0);
    for (let i = 0; i < s.count; i++) {
      b.mov(R1, R10).add(R1, this.#readSlot).mov(R2, 8).ldx('u64', R3, R10, array);
      if (i > 0) b.add(R3, 8 * i);
      b.call(s.user ? 'probe_read_user' : 'probe_read_kernel').jne(R0, 0, done);
      b.ldx('u64', R3, R10, this.#readSlot).jeq(R3, 0, done);
      b.mov(R1, base)
        .add(R1, off + 4 + i * s.size)
        .mov(R2, s.size);
      b.call(s.user ? 'probe_read_user_str' : 'probe_read_kernel_str');
      b.st('u32', base, off, i + 1);
    }
    b.label(done);
  }

  /**
   * Builds a key from `parts` on the stack (zeroed first: hash maps compare padding too) and
   * returns its offset from R10.
   */
  key(parts: readonly KeyPart[]): number {
    const b = this.b;
    const { offsets, size } = keyLayout(parts);
    const at = b.stackAlloc(size, 8);
    b.zeroStack(at, size);
    parts.forEach((p, i) => {
      const off = at + (offsets[i] as number);
      if ('str' in p) this.stringInto(p.str, R10, off);
      else {
        this.scalar(p.node);
        const size = p.type.kind === 'ptr' ? 8 : p.type.size;
        b.stx(LOAD[size], R10, off, R0);
      }
    });
    return at;
  }

  /** R0 = bpf_map_lookup_elem(map, key); `map` is a builder reference name. */
  lookup(map: string, key: readonly KeyPart[]): void {
    const at = this.key(key);
    this.b.ldMap(R1, map).mov(R2, R10).add(R2, at).call('map_lookup_elem');
  }
}
