// Instructions → text in the syntax `llvm-objdump-19 -d --mcpu=v4` prints, so output can be diffed
// against LLVM and fed back to `assemble`. Where LLVM's text is lossy we print more (each case is
// listed in docs/isa-text.md): local calls as `call pc+0x5`, kfunc calls as `call kfunc 0x4d`,
// `ld_pseudo` with a non-zero second imm, and the imm of `skb[rN + imm]` packet loads. Encodings
// that classify() rejects print as `.8byte 0x…` with the reason, which assembles to the same bytes;
// so do the forms the kernel rejects in every program and the LLVM-syntax assembler refuses
// (out-of-range shift immediates, division by the constant 0), unless `rfc` asks for the RFC view.

import { classify, type Decoded } from './classify.js';
import { decode, type Instruction, slotCount, wideImm } from './instruction.js';
import { Size, type SizeCode, SLOT_SIZE, sizeType } from './opcodes.js';
import { instructionProblem } from './validity.js';

export interface DisassembleOptions {
  /** Prefix each line with its slot number (`   12:\t`), as llvm-objdump does. */
  addresses?: boolean;
  /** Name jump and local-call targets (`L0:` … `goto L0`) instead of printing offsets. */
  labels?: boolean;
  /** A helper id → name table (e.g. from isa/helper-info.ts): `call bpf_map_lookup_elem`. */
  helperName?: (id: number) => string | undefined;
  /** Byte order of a Uint8Array input; default little-endian. */
  littleEndian?: boolean;
}

export interface FormatOptions {
  helperName?: (id: number) => string | undefined;
  /** Label to print for a pc-relative target slot (set by `disassemble` with `labels`). */
  labelAt?: (slot: number) => string | undefined;
  /** Slot index of this instruction (needed with labelAt). */
  slot?: number;
  /**
   * Print every RFC 9669-valid encoding as an instruction, including those the kernel always
   * rejects (`r0 <<= 0x40`); the interpreter's traces use this, since it runs them by the RFC.
   */
  rfc?: boolean;
}

const hex = (v: number): string => (v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
const hex64 = (v: bigint): string => (v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
const rel = (v: number): string => (v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`);
const mem = (reg: number, off: number): string =>
  `r${reg} ${off < 0 ? '-' : '+'} 0x${Math.abs(off).toString(16)}`;

/** A 64-bit little-endian view of one slot, as `.8byte` takes it. */
function slotWord(code: number, dst: number, src: number, off: number, imm: number): string {
  const lo = (code & 0xff) | ((dst & 0xf) << 8) | ((src & 0xf) << 12) | ((off & 0xffff) << 16);
  const word = (BigInt(imm >>> 0) << 32n) | BigInt(lo >>> 0);
  return `0x${word.toString(16).padStart(16, '0')}`;
}

/** The raw fallback for an encoding classify() rejects: one `.8byte` per slot. */
function rawForm(ins: Instruction, reason: string): string {
  const first = `.8byte ${slotWord(ins.code, ins.dst, ins.src, ins.off, ins.imm)} ; invalid: ${reason}`;
  if (slotCount(ins) === 1) return first;
  return `${first}\n.8byte ${slotWord(0, 0, 0, 0, ins.imm2 ?? 0)}`;
}

/** Jump/call distance field of a decoded instruction, if it is pc-relative. */
function relativeField(d: Decoded): 'off' | 'imm' | undefined {
  switch (d.kind) {
    case 'ja':
      return d.long ? 'imm' : 'off';
    case 'jcond':
    case 'may_goto':
      return 'off';
    case 'call':
      return d.target === 'local' ? 'imm' : undefined;
    default:
      return undefined;
  }
}

function target(ins: Instruction, field: 'off' | 'imm', opts: FormatOptions, local = false): string {
  const d = field === 'off' ? ins.off : ins.imm;
  if (ins.ref?.kind === 'label' || ins.ref?.kind === 'func') return ins.ref.name;
  if (opts.labelAt && opts.slot !== undefined) {
    const name = opts.labelAt(opts.slot + 1 + d);
    if (name) return name;
  }
  return local ? `pc${rel(d)}` : rel(d);
}

/** One instruction in LLVM syntax (may be two lines for a rejected two-slot lddw). */
export function formatInstruction(ins: Instruction, opts: FormatOptions = {}): string {
  const d = classify(ins);
  if (!opts.rfc && d.kind === 'alu') {
    const problem = instructionProblem(ins, d);
    if (problem && !problem.llvmForm) {
      const text = formatInstruction(ins, { ...opts, rfc: true });
      return `.8byte ${slotWord(ins.code, ins.dst, ins.src, ins.off, ins.imm)} ; ${text} is rejected by the kernel: ${problem.message}`;
    }
  }
  const { dst, src, off, imm } = ins;
  switch (d.kind) {
    case 'invalid':
      return rawForm(ins, d.reason);
    case 'alu': {
      const r = d.wide ? 'r' : 'w';
      const name = d.op.name;
      if (name === 'neg') return `${r}${dst} = -${r}${dst}`;
      if (name.startsWith('movsx')) return `${r}${dst} = (s${d.op.off})${r}${src}`;
      const operator = d.op.llvm === '=' ? '=' : `${d.op.llvm}`;
      return `${r}${dst} ${operator} ${d.srcReg ? `${r}${src}` : hex(imm)}`;
    }
    case 'endian':
      return `r${dst} = ${d.order === 'swap' ? 'bswap' : d.order}${d.bits} r${dst}`;
    case 'addr_space_cast':
      return `r${dst} = addr_space_cast(r${src}, ${hex(d.dstAs)}, ${hex(d.srcAs)})`;
    case 'ja':
      return `${d.long ? 'gotol' : 'goto'} ${target(ins, d.long ? 'imm' : 'off', opts)}`;
    case 'may_goto':
      return `may_goto ${target(ins, 'off', opts)}`;
    case 'jcond': {
      const r = d.wide ? 'r' : 'w';
      const rhs = d.srcReg ? `${r}${src}` : hex(imm);
      return `if ${r}${dst} ${d.op.llvm} ${rhs} goto ${target(ins, 'off', opts)}`;
    }
    case 'call':
      if (d.target === 'local') return `call ${target(ins, 'imm', opts, true)}`;
      if (d.target === 'kfunc') {
        if (ins.ref?.kind === 'kfunc') return `call ${ins.ref.name}`;
        return off === 0 ? `call kfunc ${hex(imm)}` : `call kfunc ${hex(imm)}, ${hex(off)}`;
      }
      if (ins.ref?.kind === 'helper')
        return imm === 0 ? `call ${ins.ref.name}` : `call ${ins.ref.name}#${imm}`;
      {
        const name = opts.helperName?.(imm);
        return name ? `call ${name}` : `call ${hex(imm)}`;
      }
    case 'callx':
      return `callx r${dst}`;
    case 'exit':
      return 'exit';
    case 'lddw':
      return formatLddw(ins, d.pseudo.src, d.pseudo.keyword);
    case 'ld_packet': {
      const ty = sizeType[d.size];
      if (!d.indirect) return `r0 = *(${ty} *)skb[${hex(imm)}]`;
      return imm === 0
        ? `r0 = *(${ty} *)skb[r${src}]`
        : `r0 = *(${ty} *)skb[r${src} ${imm < 0 ? '-' : '+'} ${hex(Math.abs(imm))}]`;
    }
    case 'load': {
      const ty = d.signed ? `s${sizeType[d.size].slice(1)}` : sizeType[d.size];
      const r = d.signed || d.size === Size.DW ? 'r' : 'w';
      return `${r}${dst} = *(${ty} *)(${mem(src, off)})`;
    }
    case 'store_imm':
      return `*(${sizeType[d.size]} *)(${mem(dst, off)}) = ${hex(imm)}`;
    case 'store':
      return `*(${sizeType[d.size]} *)(${mem(dst, off)}) = ${d.size === Size.DW ? 'r' : 'w'}${src}`;
    case 'atomic':
      return formatAtomic(ins, d.size, d.op.name, d.op.llvm);
  }
}

function formatLddw(ins: Instruction, pseudo: number, keyword: string): string {
  const ref = ins.ref;
  if (ref?.kind === 'map' && pseudo === 1) return `r${ins.dst} = ${ref.name} ll`;
  if (ref?.kind === 'map_value' && pseudo === 2) {
    const o = ins.imm2 ?? 0;
    return `r${ins.dst} = ${keyword}(${ref.name})${o === 0 ? '' : ` ${o < 0 ? '-' : '+'} ${hex(Math.abs(o))}`} ll`;
  }
  if (pseudo === 0) return `r${ins.dst} = ${hex64(BigInt.asIntN(64, wideImm(ins)))} ll`;
  // LLVM prints `ld_pseudo r1, src, imm` and drops the second imm; we keep it when it is not 0.
  const u32 = (v: number) => `0x${(v >>> 0).toString(16)}`;
  const tail = ins.imm2 ? `, ${u32(ins.imm2)}` : '';
  return `ld_pseudo\tr${ins.dst}, ${hex(pseudo)}, ${u32(ins.imm)}${tail}`;
}

function formatAtomic(ins: Instruction, size: SizeCode, name: string, llvm: string | undefined): string {
  const ty = sizeType[size];
  const r = size === Size.DW ? 'r' : 'w';
  const { dst, src, off } = ins;
  if (llvm) return `lock *(${ty} *)(${mem(dst, off)}) ${llvm} ${r}${src}`;
  switch (name) {
    case 'xchg':
      return size === Size.DW
        ? `r${src} = xchg_64(${mem(dst, off)}, r${src})`
        : `w${src} = xchg32_32(${mem(dst, off)}, w${src})`;
    case 'cmpxchg':
      return size === Size.DW
        ? `r0 = cmpxchg_64(${mem(dst, off)}, r0, r${src})`
        : `w0 = cmpxchg32_32(${mem(dst, off)}, w0, w${src})`;
    case 'load_acquire':
      return `${r}${dst} = load_acquire((${ty} *)(${mem(src, off)}))`;
    case 'store_release':
      return `store_release((${ty} *)(${mem(dst, off)}), ${r}${src})`;
    default:
      // fetch_add, fetch_or …
      return `${r}${src} = atomic_${name}((${ty} *)(${mem(dst, off)}), ${r}${src})`;
  }
}

/**
 * Names every jump and local-call target: a jump that carries its label (builder output, with
 * offsets resolved) names its target with that label; other targets get L0, L1 … (skipping names
 * already used). Only a slot where an instruction starts (or the end) can carry a label: a jump
 * into the second half of an lddw keeps its numeric offset.
 */
function labelSlots(
  instructions: readonly Instruction[],
  slots: readonly number[],
  total: number,
): Map<number, string[]> {
  const starts = new Set([...slots, total]);
  const named = new Map<number, string[]>();
  const unnamed = new Set<number>();
  instructions.forEach((ins, i) => {
    const field = relativeField(classify(ins));
    if (!field) return;
    const t = slots[i] + 1 + (field === 'off' ? ins.off : ins.imm);
    if (!starts.has(t)) return;
    const ref = ins.ref;
    if (ref?.kind === 'label' || ref?.kind === 'func') {
      const names = named.get(t) ?? [];
      if (!names.includes(ref.name)) names.push(ref.name);
      named.set(t, names);
    } else if (!ins.ref) unnamed.add(t);
  });
  const used = new Set([...named.values()].flat());
  let n = 0;
  for (const t of [...unnamed].sort((a, b) => a - b)) {
    if (named.has(t)) continue;
    while (used.has(`L${n}`)) n++;
    named.set(t, [`L${n++}`]);
  }
  return named;
}

/** Disassembles a program (instructions or wire bytes) into lines. Never throws. */
export function disassemble(
  input: readonly Instruction[] | Uint8Array,
  opts: DisassembleOptions = {},
): string[] {
  const instructions = input instanceof Uint8Array ? decode(input, opts.littleEndian ?? true) : input;
  const slots: number[] = [];
  let slot = 0;
  for (const ins of instructions) {
    slots.push(slot);
    slot += slotCount(ins);
  }
  const total = slot;
  const labelOf = opts.labels ? labelSlots(instructions, slots, total) : undefined;
  const out: string[] = [];
  const fmt: FormatOptions = {
    helperName: opts.helperName,
    labelAt: labelOf ? (s) => labelOf.get(s)?.[0] : undefined,
  };
  instructions.forEach((ins, i) => {
    const at = slots[i];
    for (const label of labelOf?.get(at) ?? []) out.push(`${label}:`);
    fmt.slot = at;
    const text = formatInstruction(ins, fmt);
    for (const line of text.split('\n'))
      out.push(opts.addresses ? `${String(at).padStart(6)}:\t${line}` : line);
  });
  for (const label of labelOf?.get(total) ?? []) out.push(`${label}:`);
  if (input instanceof Uint8Array && input.byteLength % SLOT_SIZE !== 0) {
    // Not an instruction, so not something to assemble: a comment keeps it visible.
    const tail = Array.from(input.subarray(input.byteLength - (input.byteLength % SLOT_SIZE)), (b) =>
      b.toString(16).padStart(2, '0'),
    );
    out.push(
      `; ${tail.length} trailing byte${tail.length > 1 ? 's' : ''} that do not fill a slot: ${tail.join(' ')}`,
    );
  }
  return out;
}
