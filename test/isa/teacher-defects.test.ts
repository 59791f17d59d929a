// The six defects a student met learning the ISA with these tools (issue "The ISA tools as a
// teacher"), each pinned by what the tools now say. The kernel's side of each is checked for real
// in test/isa/agreement.test.ts and test/isa/teacher-kernel.test.ts.

import { parseVerifierLog } from 'tsbpf';
import {
  AssemblerError,
  assemble,
  BuilderError,
  disassemble,
  encode,
  generateIsaDoc,
  Interpreter,
  InterpreterFault,
  program,
  R0,
  R1,
  R2,
  R10,
  W1,
  W3,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const asmError = (text: string, dialect: 'llvm' | 'ubpf' = 'llvm'): string => {
  try {
    assemble(text, { dialect });
  } catch (e) {
    if (e instanceof AssemblerError) return e.diagnostics[0]!.message;
    throw e;
  }
  throw new Error(`assembled: ${text}`);
};
const builderError = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof BuilderError) return e.message;
    throw e;
  }
  throw new Error('no BuilderError');
};
const fault = (program: Uint8Array | ReturnType<typeof assemble>['instructions']): InterpreterFault => {
  try {
    new Interpreter(program).run();
  } catch (e) {
    if (e instanceof InterpreterFault) return e;
    throw e;
  }
  throw new Error('ran without a fault');
};

describe('1. one validity rule for assembler, builder, disassembler and interpreter', () => {
  const rule = 'atomic add needs a 4- or 8-byte access (the kernel: invalid atomic operand size)';
  // lock *(u8 *)(r1 - 8) += r2, as the assembler used to encode it
  const bytes = Uint8Array.from([0xd3, 0x21, 0xf8, 0xff, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);

  it('an 8- or 16-bit atomic is refused by all four in the same words', () => {
    expect(asmError('lock *(u8 *)(r1 - 8) += r2')).toBe(rule);
    expect(asmError('lock *(u16 *)(r1 - 8) += r2')).toBe(rule);
    expect(asmError('r2 = atomic_fetch_add((u16 *)(r1 - 8), r2)')).toContain(
      'atomic fetch_add needs a 4- or 8-byte access',
    );
    expect(builderError(() => program().atomic('add', 'u8' as 'u32', R1, -8, R2))).toContain(rule);
    expect(disassemble(bytes)[0]).toBe(`.8byte 0x00000000fff821d3 ; invalid: ${rule}`);
    expect(fault(bytes).detail).toBe(`invalid instruction: ${rule}`);
  });

  it('the disassembler’s text for it assembles back to the same bytes', () => {
    expect(encode(assemble(disassemble(bytes).join('\n')).instructions)).toEqual(bytes);
  });
});

describe('2. immediates and shifts: warnings and rejections, widths in the builder', () => {
  it('a hex immediate above 0x7fffffff in a 64-bit operation assembles with a warning', () => {
    const r = assemble('r0 = 0xffffffff\nexit');
    expect(r.instructions[0]!.imm).toBe(-1);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ line: 1, col: 6, severity: 'warning' });
    expect(r.warnings[0]!.message).toBe(
      "immediate 0xffffffff is sign-extended to 64 bits: the operand is -1 (0xffffffffffffffff); write 'r0 = 0xffffffff ll' for the 64-bit value",
    );
    // 32-bit operations take the bit pattern as it is: no warning.
    expect(assemble('w0 = 0xffffffff\nif w0 == 0xffffffff goto +0\nexit').warnings).toEqual([]);
    expect(assemble('if r0 == 0x80000000 goto +0\nexit').warnings[0]!.message).toContain(
      'sign-extended to 64 bits: the operand is -2147483648',
    );
  });

  it('out-of-range shift immediates are errors in the kernel’s words; the builder says the same', () => {
    expect(asmError('r0 <<= 64')).toBe(
      'invalid shift 64: a 64-bit shift takes 0..63 (RFC 9669 masks the amount, the kernel rejects it)',
    );
    expect(asmError('r1 s>>= -1')).toMatch(/^invalid shift -1: a 64-bit shift takes 0\.\.63/);
    expect(asmError('w1 >>= 32')).toMatch(/^invalid shift 32: a 32-bit shift takes 0\.\.31/);
    expect(builderError(() => program().lsh(R0, 64))).toContain(
      'invalid shift 64: a 64-bit shift takes 0..63',
    );
    expect(asmError('r0 /= 0')).toMatch(/^div by zero/);
    expect(builderError(() => program().div(R0, 0))).toContain('div by zero');
  });

  it('the ubpf dialect (the conformance suite’s, which tests the RFC’s masking) warns instead', () => {
    const r = assemble('lsh %r0, 64\nexit', { dialect: 'ubpf' });
    expect(r.warnings[0]!.message).toMatch(/^the kernel rejects this: invalid shift 64/);
    // ... and the interpreter runs it by the RFC: 64 & 63 = 0
    expect(new Interpreter(r.instructions).run().r0).toBe(0n);
  });

  it('the disassembler prints such a shift as .8byte with the reason, so its text reassembles', () => {
    const bytes = encode(assemble('lsh %r0, 64\nexit', { dialect: 'ubpf' }).instructions);
    const lines = disassemble(bytes);
    expect(lines[0]).toBe(
      '.8byte 0x0000004000000067 ; r0 <<= 0x40 is rejected by the kernel: invalid shift 64: a 64-bit shift takes 0..63 (RFC 9669 masks the amount, the kernel rejects it)',
    );
    expect(encode(assemble(lines.join('\n')).instructions)).toEqual(bytes);
  });

  it('builder.add(W3, R1) is an error, not a silent w3 += w1', () => {
    expect(builderError(() => program().add(W3, R1))).toContain(
      'add: register r1 does not match the width of w3 (write W1)',
    );
    expect(builderError(() => program().jeq(R1, W1, 'x'))).toContain(
      'register w1 does not match the width of r1',
    );
    expect(asmError('w3 += r1')).toBe('register r1 does not match the width of w3');
  });
});

describe('3. a stack underflow is blamed on the stack, in the verifier’s words', () => {
  it('reads and writes outside the frame name R10 and the frame-pointer offset', () => {
    expect(fault(assemble('r0 = *(u64 *)(r10 - 520)\nexit').instructions).detail).toBe(
      'invalid read from stack R10 off=-520 size=8',
    );
    expect(fault(assemble('*(u64 *)(r10 + 0) = 1\nexit').instructions).detail).toBe(
      'invalid write to stack R10 off=0 size=8',
    );
    // through a copy of the frame pointer, as the kernel names the register used
    expect(fault(assemble('r1 = r10\nr1 += -512\nr0 = *(u32 *)(r1 - 4)\nexit').instructions).detail).toBe(
      'invalid read from stack R1 off=-516 size=4',
    );
  });
});

describe('4. a verifier rejection’s headline is the reason line', () => {
  it('skips the state dump the verifier prints after "infinite loop detected"', () => {
    // The tail of this kernel's log for `r0 = 0; r1 = 0; l: if r1 == 0 goto l; exit` (6.18).
    const log = [
      '2: (15) if r1 == 0x0 goto pc-1        ; R1=0',
      'infinite loop detected at insn 2',
      'cur state: R0=0 R1=0 R10=fp0',
      'old state: R0=0 R1=P0 R10=fp0',
      'processed 9 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0',
    ].join('\n');
    expect(parseVerifierLog(log).headline).toBe('infinite loop detected at insn 2');
  });
});

describe('5. disassemble(…, { labels: true }) prints the label lines its jumps name', () => {
  it('a builder program keeps its label names and reassembles to the same bytes', () => {
    const b = program();
    b.mov(R0, 0).jeq(R1, 0, 'done').mov(R0, 1).ja('done').mov(R0, 2).label('done').exit();
    const built = b.build().instructions;
    const lines = disassemble(built, { labels: true });
    expect(lines).toEqual([
      'r0 = 0x0',
      'if r1 == 0x0 goto done',
      'r0 = 0x1',
      'goto done',
      'r0 = 0x2',
      'done:',
      'exit',
    ]);
    expect(encode(assemble(lines.join('\n')).instructions)).toEqual(encode(built));
  });

  it('generated names skip the ones the program already uses', () => {
    const b = program();
    b.jeq(R1, 0, 'L0').mov(R0, 1).label('L0').mov(R0, 2).exit();
    const built = b.build().instructions;
    built.push({ code: 0x05, dst: 0, src: 0, off: -4, imm: 0 }); // goto back to the mov r0, 1
    const lines = disassemble(built, { labels: true });
    expect(lines).toContain('L1:');
    expect(lines.at(-1)).toBe('goto L1');
    expect(encode(assemble(lines.join('\n')).instructions)).toEqual(encode(built));
  });
});

describe('6. docs/isa.md’s group column follows RFC 9669', () => {
  const doc = generateIsaDoc();
  const rowOf = (text: string) => doc.split('\n').find((l) => l.includes(`| \`${text}\` |`)) ?? '';
  it('64-bit byte swaps are base64; callx and the kernel additions are marked as extensions', () => {
    for (const t of ['r1 = le64 r1', 'r1 = be64 r1', 'r1 = bswap64 r1'])
      expect(rowOf(t)).toContain('| base64 |');
    for (const t of ['r1 = le16 r1', 'r1 = bswap32 r1']) expect(rowOf(t)).toContain('| base32 |');
    for (const t of ['callx r2', 'may_goto +0x3', 'r1 = addr_space_cast(r2, 0x0, 0x1)'])
      if (rowOf(t)) expect(rowOf(t)).toContain('| Linux ext. |');
    expect(rowOf('callx r2')).toContain('| Linux ext. |');
    expect(rowOf('may_goto +0x3')).toContain('| Linux ext. |');
    expect(rowOf('if r1 == 0x5 goto +0x3')).toContain('| base64 |');
    expect(rowOf('if w1 == 0x5 goto +0x3')).toContain('| base32 |');
    expect(rowOf('goto +0x3')).toContain('| base32 |');
    expect(rowOf('lock *(u32 *)(r1 + 0x2) += w2')).toContain('| atomic32 |');
    expect(rowOf('lock *(u64 *)(r1 + 0x2) += r2')).toContain('| atomic64 |');
    expect(rowOf('r0 = *(u64 *)(r1 + 0x2)')).toContain('| base64 |');
  });
});

void R10;
