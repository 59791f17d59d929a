// Typed registers. `R0`…`R10` are the 64-bit views, `W0`…`W10` (or `R1.w`) the 32-bit views the
// ALU and JMP32 classes use. Each is a frozen singleton, so a register can be checked by identity.

declare const brand: unique symbol;

export type RegisterIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** A 64-bit register operand: `r1` in LLVM syntax. */
export interface Register {
  readonly [brand]: 'Register';
  readonly index: RegisterIndex;
  readonly bits: 64;
  /** The 32-bit view of the same register (`w1`). */
  readonly w: Register32;
  toString(): string;
}

/** A 32-bit register view: `w1` in LLVM syntax; operations on it use the ALU/JMP32 classes. */
export interface Register32 {
  readonly [brand]: 'Register32';
  readonly index: RegisterIndex;
  readonly bits: 32;
  /** The 64-bit view of the same register (`r1`). */
  readonly r: Register;
  toString(): string;
}

export type AnyRegister = Register | Register32;

const wide: Register[] = [];
const narrow: Register32[] = [];
for (let i = 0; i <= 10; i++) {
  const index = i as RegisterIndex;
  // The brand exists only in the types: the one assertion that adds it is here.
  const r = { index, bits: 64, toString: () => `r${i}` } as { -readonly [K in keyof Register]: Register[K] };
  const w = { index, bits: 32, r, toString: () => `w${i}` } as Register32;
  r.w = w;
  wide.push(Object.freeze(r));
  narrow.push(Object.freeze(w));
}

export const [R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10] = wide as [
  Register,
  Register,
  Register,
  Register,
  Register,
  Register,
  Register,
  Register,
  Register,
  Register,
  Register,
];
export const [W0, W1, W2, W3, W4, W5, W6, W7, W8, W9, W10] = narrow as [
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
  Register32,
];
/** r10: the read-only frame pointer; stack slots are negative offsets from it. */
export const FP = R10;

/** True when `x` is one of the register singletons (guards JavaScript callers and typos). */
export function isRegister(x: unknown): x is AnyRegister {
  if (typeof x !== 'object' || x === null) return false;
  const i = (x as { index?: unknown }).index;
  return typeof i === 'number' && (wide[i] === x || narrow[i] === x);
}

/** The register with this index (`reg(3)` is `R3`); throws a RangeError outside 0-10. */
export function reg(index: number): Register {
  const r = wide[index];
  if (!r) throw new RangeError(`register r${index} does not exist (r0-r10)`);
  return r;
}
