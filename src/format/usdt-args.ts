// USDT argument specs as <sys/sdt.h> writes them into a probe's note (x86-64, GNU assembler
// operands): `-4@%eax` (a register), `8@-16(%rbp)` (memory at a register plus a displacement),
// `8@(%rax,%rdx,8)` (base, index and scale), `4@$5` (a constant), `-8@sym+4(%rip)` (memory next to
// a symbol). Each becomes a typed descriptor: its size, its signedness and where it lives. An
// operand this reader does not know is kept, with the reason, so one odd argument does not hide
// the others.

/** A 64-bit x86 register by its canonical name (`rax`, `r8`, `rip`). */
export type X86Register =
  | 'rax'
  | 'rbx'
  | 'rcx'
  | 'rdx'
  | 'rsi'
  | 'rdi'
  | 'rbp'
  | 'rsp'
  | 'r8'
  | 'r9'
  | 'r10'
  | 'r11'
  | 'r12'
  | 'r13'
  | 'r14'
  | 'r15'
  | 'rip';

/** A register operand: `bits` of the 64-bit register starting at bit `shift` (8 for %ah…%dh). */
export interface RegisterPart {
  reg: X86Register;
  bits: 8 | 16 | 32 | 64;
  shift: 0 | 8;
}

/** Where a USDT argument lives when the probe fires. */
export type UsdtLocation =
  /** A register, or the low (or %ah-style second) bits of one. */
  | { kind: 'register'; register: RegisterPart }
  /** Memory at base + index * scale + offset (either register may be absent). */
  | { kind: 'memory'; base?: X86Register; index?: X86Register; scale: 1 | 2 | 4 | 8; offset: bigint }
  /** Memory at a symbol's address plus `offset` (`sym+4(%rip)`). */
  | { kind: 'symbol'; symbol: string; offset: bigint }
  /** An immediate (`$5`). */
  | { kind: 'constant'; value: bigint }
  /** An operand this reader does not know, and why: reading the argument says so. */
  | { kind: 'unsupported'; why: string };

/** One argument of a USDT probe: its size, its sign, where it lives. */
export interface UsdtArg {
  /** Bytes the value has: 1, 2, 4 or 8. */
  size: 1 | 2 | 4 | 8;
  /** The spec's size was negative: the value is sign-extended. */
  signed: boolean;
  location: UsdtLocation;
  /** The spec as written (`-4@%eax`). */
  text: string;
}

const GPR: Record<string, X86Register> = {
  a: 'rax',
  b: 'rbx',
  c: 'rcx',
  d: 'rdx',
};

/** Every x86-64 general register name → which 64-bit register and which bits of it. */
const REGISTERS: ReadonlyMap<string, RegisterPart> = (() => {
  const m = new Map<string, RegisterPart>();
  const put = (name: string, reg: X86Register, bits: RegisterPart['bits'], shift: 0 | 8 = 0) =>
    m.set(name, { reg, bits, shift });
  for (const [l, reg] of Object.entries(GPR)) {
    put(`r${l}x`, reg, 64);
    put(`e${l}x`, reg, 32);
    put(`${l}x`, reg, 16);
    put(`${l}l`, reg, 8);
    put(`${l}h`, reg, 8, 8);
  }
  for (const [n, reg] of [
    ['si', 'rsi'],
    ['di', 'rdi'],
    ['bp', 'rbp'],
    ['sp', 'rsp'],
  ] as const) {
    put(`r${n}`, reg, 64);
    put(`e${n}`, reg, 32);
    put(n, reg, 16);
    put(`${n}l`, reg, 8);
  }
  for (let i = 8; i <= 15; i++) {
    const reg = `r${i}` as X86Register;
    put(reg, reg, 64);
    put(`${reg}d`, reg, 32);
    put(`${reg}w`, reg, 16);
    put(`${reg}b`, reg, 8);
  }
  put('rip', 'rip', 64);
  return m;
})();

/** `%name` as a register part, or undefined. */
export function x86Register(text: string): RegisterPart | undefined {
  return text.startsWith('%') ? REGISTERS.get(text.slice(1).toLowerCase()) : undefined;
}

/** A decimal or 0x-hex integer with an optional sign, or undefined. */
function integer(text: string): bigint | undefined {
  const m = /^([+-]?)(0x[0-9a-f]+|\d+)$/i.exec(text.trim());
  if (!m) return undefined;
  const v = BigInt(m[2] as string);
  return m[1] === '-' ? -v : v;
}

/** A base or index register: a whole 64-bit one. */
function fullRegister(text: string, what: string): { reg: X86Register } | { why: string } {
  const r = x86Register(text.trim());
  if (!r) return { why: `'${text.trim()}' is not an x86-64 register (${what})` };
  if (r.bits !== 64) return { why: `'${text.trim()}' is not a 64-bit register (${what})` };
  return { reg: r.reg };
}

/** The operand after `@` (AT&T syntax) as a location. */
export function parseOperand(text: string): UsdtLocation {
  const op = text.trim();
  const unsupported = (why: string): UsdtLocation => ({ kind: 'unsupported', why });
  if (op.startsWith('$')) {
    const value = integer(op.slice(1));
    return value === undefined
      ? unsupported(`constant '${op}' is not an integer`)
      : { kind: 'constant', value };
  }
  if (op.startsWith('%')) {
    if (op.includes(':')) return unsupported(`segment-relative operand '${op}'`);
    const register = x86Register(op);
    return register ? { kind: 'register', register } : unsupported(`'${op}' is not an x86-64 register`);
  }
  const m = /^([^(]*)\(([^)]*)\)$/.exec(op);
  if (!m) return unsupported(`operand '${op}' is neither a register, a constant nor a memory reference`);
  const disp = (m[1] as string).trim();
  const parts = (m[2] as string).split(',').map((s) => s.trim());
  if (parts.length === 1 && parts[0]?.toLowerCase() === '%rip' && !/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(disp)) {
    const s = /^([A-Za-z_.$][\w.$@]*)\s*(?:([+-])\s*(0x[0-9a-f]+|\d+))?$/i.exec(disp);
    if (!s) return unsupported(`'${disp}' is not SYMBOL or SYMBOL+OFFSET`);
    const off = s[3] === undefined ? 0n : BigInt(s[3]);
    return { kind: 'symbol', symbol: s[1] as string, offset: s[2] === '-' ? -off : off };
  }
  const offset = disp === '' ? 0n : integer(disp);
  if (offset === undefined) return unsupported(`displacement '${disp}' is not an integer`);
  if (parts.length > 3) return unsupported(`memory operand '${op}' has ${parts.length} parts`);
  let base: X86Register | undefined;
  if (parts[0] !== '') {
    const r = fullRegister(parts[0] as string, 'base');
    if ('why' in r) return unsupported(r.why);
    base = r.reg;
  }
  let index: X86Register | undefined;
  let scale: 1 | 2 | 4 | 8 = 1;
  if (parts.length >= 2) {
    const r = fullRegister(parts[1] as string, 'index');
    if ('why' in r) return unsupported(r.why);
    index = r.reg;
    if (parts.length === 3) {
      const s = Number(parts[2]);
      if (s !== 1 && s !== 2 && s !== 4 && s !== 8)
        return unsupported(`scale '${parts[2]}' is not 1, 2, 4 or 8`);
      scale = s;
    }
  }
  if (base === undefined && index === undefined)
    return unsupported(`memory operand '${op}' names no register`);
  if (base === 'rip' && index === undefined) {
    // disp(%rip) without a symbol: the address is relative to the next instruction, unknown here.
    return unsupported(`'${op}' is relative to the next instruction`);
  }
  return { kind: 'memory', ...(base ? { base } : {}), ...(index ? { index } : {}), scale, offset };
}

/** One `SIZE@OPERAND` spec (a spec without `SIZE@` is a signed 8-byte value, as systemtap reads it). */
export function parseUsdtArg(text: string): UsdtArg {
  const m = /^([+-]?\d+)@(.*)$/s.exec(text);
  if (!m) return { size: 8, signed: true, location: parseOperand(text), text };
  const n = Number(m[1]);
  const size = Math.abs(n);
  if (size !== 1 && size !== 2 && size !== 4 && size !== 8)
    return {
      size: 8,
      signed: n < 0,
      location: { kind: 'unsupported', why: `size ${m[1]} is not ±1, 2, 4 or 8` },
      text,
    };
  return { size, signed: n < 0, location: parseOperand(m[2] as string), text };
}

/** A probe's argument text (`8@%rdi -4@%eax`) as its arguments, in order. */
export function parseUsdtArgs(text: string): UsdtArg[] {
  // Operands hold no spaces except after the commas of `(%rax, %rdx, 8)`: split on the others.
  const specs = text.trim() === '' ? [] : text.trim().split(/(?<!,)\s+(?![\s,])/);
  return specs.map(parseUsdtArg);
}
