// Bad programs fail with a BuilderError that names the method, the problem and the user's line.
import { BuilderError, program, R0, R1, R10, type Register, W1 } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const THIS_FILE = new URL(import.meta.url).pathname;

/** Runs `fn`, returns the BuilderError it throws (fails the test if it throws anything else). */
function builderError(fn: () => unknown): BuilderError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BuilderError);
    return e as BuilderError;
  }
  throw new Error('expected a BuilderError');
}

/** The line of the caller of this function, to compare with an error's call site. */
function lineHere(): number {
  const frame = new Error().stack?.split('\n')[2] ?? '';
  return Number(/:(\d+):\d+\)?$/.exec(frame)?.[1]);
}

describe('BuilderError', () => {
  it('an undefined label names the jump, the label and the call site of the jump', () => {
    const b = program();
    const [line] = [lineHere(), b.jeq(R1, 0, 'nowhere')];
    b.exit();
    const e = builderError(() => b.build());
    expect(e.method).toBe('jeq');
    expect(e.message).toContain("label 'nowhere' is not defined in the main program");
    expect(e.source?.file).toContain(THIS_FILE);
    expect(e.source?.line).toBe(line);
    expect(e.message).toContain(`${THIS_FILE}:${line}:`);
  });

  it('a conditional jump beyond 16 bits is an error naming jump and label, not a wrapped offset', () => {
    const b = program();
    b.jne(R1, 0, 'far');
    for (let i = 0; i < 40_000; i++) b.mov(R0, 0);
    b.label('far').exit();
    const e = builderError(() => b.build());
    expect(e.message).toMatch(
      /jne at slot 0 to label 'far' \(slot 40001\) needs offset 40000, beyond the 16-bit range/,
    );
    expect(e.source?.line).toBeGreaterThan(0);
  });

  it('ja beyond 16 bits becomes gotol (JMP32|JA, offset in imm) rather than failing', () => {
    const b = program({ sourcePositions: false });
    b.ja('far');
    for (let i = 0; i < 40_000; i++) b.mov(R0, 0);
    b.label('far').exit();
    const [first] = b.build().instructions;
    expect(first).toMatchObject({ code: 0x06, off: 0, imm: 40_000 });
    // …and a backward one as well.
    const back = program({ sourcePositions: false }).label('top');
    for (let i = 0; i < 40_000; i++) back.mov(R0, 0);
    back.ja('top');
    expect(back.build().instructions.at(-1)).toMatchObject({ code: 0x06, imm: -40_001 });
  });

  it('duplicate labels and functions fail at the second definition', () => {
    const b = program();
    b.label('x');
    expect(builderError(() => b.label('x')).message).toContain(
      "label 'x' is already defined in the main program",
    );
    b.func('f', (f) => f.exit());
    expect(builderError(() => b.func('f', (f) => f.exit())).message).toContain(
      "function 'f' is already defined",
    );
  });

  it('a call of an undefined function, a label with nothing after it, a missing exit', () => {
    expect(builderError(() => program().callLocal('nope').exit().build()).message).toContain(
      "function 'nope' is not defined",
    );
    expect(builderError(() => program().ja('end').label('end').build()).message).toMatch(
      /label 'end' is at the end of the main program|must end in exit/,
    );
    expect(builderError(() => program().mov(R0, 0).build()).message).toContain(
      'main program must end in exit or ja',
    );
    expect(builderError(() => program().build()).message).toContain('main program has no instructions');
  });

  it('bad registers: not a register, r10 as a destination, a 32-bit lddw destination', () => {
    const b = program();
    expect(builderError(() => b.mov(11 as unknown as Register, 0)).message).toContain(
      'destination 11 is not a register',
    );
    expect(builderError(() => b.add(R1, { index: 2 } as unknown as Register)).message).toContain(
      'source [object Object] is not a register',
    );
    expect(builderError(() => b.mov(R10, 0)).message).toContain(
      'destination r10 is the read-only frame pointer',
    );
    expect(builderError(() => b.loadImm64(W1 as unknown as Register, 1)).message).toContain(
      'must be a 64-bit register',
    );
  });

  it('immediates out of range, with the range and a hint', () => {
    const b = program();
    const [line, e] = [lineHere(), builderError(() => b.mov(R1, 0xffffffff))];
    expect(e.message).toContain('immediate 4294967295 is out of range -2147483648..2147483647');
    expect(e.message).toContain('use loadImm64');
    expect(e.source?.line).toBe(line);
    expect(builderError(() => b.mov(W1, 2 ** 32)).message).toContain('out of range -2147483648..4294967295');
    expect(builderError(() => b.lsh(R1, 64)).message).toContain(
      'invalid shift 64: a 64-bit shift takes 0..63',
    );
    expect(builderError(() => b.lsh(W1, 32)).message).toContain(
      'invalid shift 32: a 32-bit shift takes 0..31',
    );
    expect(builderError(() => b.div(R1, 0)).message).toContain('div by zero: div by the constant 0');
    expect(builderError(() => b.ldx('u32', R1, R10, 40_000)).message).toContain(
      'offset 40000 is out of range -32768..32767',
    );
    expect(builderError(() => b.st('u8', R10, -1, 256)).message).toContain(
      'u8 value 256 is out of range -128..255',
    );
    expect(builderError(() => b.loadImm64(R1, 2n ** 64n)).message).toContain('does not fit in 64 bits');
    expect(builderError(() => b.loadImm64(R1, 2 ** 60)).message).toContain('pass a bigint');
    expect(builderError(() => b.add(R1, 1.5)).message).toContain('immediate 1.5 is out of range');
  });

  it('bad sizes, helpers, comparisons and stack overuse', () => {
    const b = program();
    expect(builderError(() => b.ldx('u128' as 'u64', R1, R10, 0)).message).toContain(
      'size "u128" is not one of',
    );
    expect(builderError(() => b.stx('s8' as 'u8', R10, -1, R1)).message).toContain(
      'size "s8" is not one of u8, u16, u32, u64',
    );
    expect(builderError(() => b.call('no_such_helper')).message).toContain("unknown helper 'no_such_helper'");
    expect(builderError(() => b.jmp(R1, '=>' as '>=', 0, 'x')).message).toContain(
      'comparison "=>" is not one of',
    );
    expect(builderError(() => b.atomic('xchg', 'u16' as 'u32', R10, -2, R1)).message).toContain(
      'atomic xchg needs a 4- or 8-byte access (the kernel: invalid atomic operand size)',
    );
    expect(builderError(() => b.movsx(W1, R1.w, 32)).message).toContain(
      'sign extension from 32 bits (movsx32) exists only in ALU64',
    );
    b.stackAlloc(500);
    expect(builderError(() => b.stackAlloc(16)).message).toContain(
      "would use 520 stack bytes, more than the kernel's 512",
    );
    expect(builderError(() => b.withRegs(4, () => b.withRegs(1, () => {}))).message).toContain(
      '1 registers wanted, only 0 of r6-r9 free',
    );
  });

  it('errors carry the call site even with source positions off', () => {
    const b = program({ sourcePositions: false });
    const [line, e] = [lineHere(), builderError(() => b.mov(R1, 2 ** 40))];
    expect(e.source?.line).toBe(line);
  });
});
