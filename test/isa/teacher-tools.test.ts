// The ISA tools as a teacher: `run --strict` stops in the verifier's words, traces explain
// branches and start registers, errors point at the right fix, and `--explain` takes the bytes
// apart the way docs/isa.md's encoding section describes. The kernel side of --strict and
// --kernel is in teacher-kernel.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AssemblerError,
  assemble,
  CLASS_NAMES,
  decode,
  encode,
  explainInstruction,
  formatInstruction,
  formatTraceStep,
  Interpreter,
  InterpreterFault,
} from 'tsbpf/isa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EXPLAIN_PROGRAM } from '../../isa/docs.js';
import { run as asm } from '../../src/cli/asm.js';
import { run as disasm } from '../../src/cli/disasm.js';
import { run } from '../../src/cli/run.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-teach-'));
const path = (name: string) => join(dir, name);
afterEach(() => vi.restoreAllMocks());
function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  return { out: () => out, err: () => err };
}
const strictFault = (text: string, mem?: Uint8Array): InterpreterFault => {
  try {
    new Interpreter(assemble(text).instructions, { strict: true }).run(mem ? { mem } : {});
  } catch (e) {
    if (e instanceof InterpreterFault) return e;
    throw e;
  }
  throw new Error('ran');
};
const asmError = (text: string, dialect: 'llvm' | 'ubpf' = 'llvm') => {
  try {
    assemble(text, { dialect });
  } catch (e) {
    if (e instanceof AssemblerError) return e.diagnostics[0]!.message;
  }
  throw new Error('assembled');
};

describe('strict mode: what RFC 9669 allows and the verifier refuses', () => {
  it('reads of unset registers, including r1-r5 after a call and r6-r9 in a callee', () => {
    expect(strictFault('r0 = r5\nexit')).toMatchObject({
      kind: 'uninitialized',
      pc: 0,
      detail: 'R5 !read_ok',
    });
    expect(strictFault('exit').detail).toBe('R0 !read_ok');
    expect(strictFault('call 5\nr0 = r1\nexit')).toMatchObject({ pc: 1, detail: 'R1 !read_ok' });
    expect(strictFault('r6 = 1\ncall f\nr0 = r6\nexit\nf: r0 = r6\nexit')).toMatchObject({
      pc: 4,
      detail: 'R6 !read_ok',
    });
    // the same programs run by the RFC's rules without strict (registers start at 0)
    expect(new Interpreter(assemble('r0 = r5\nexit').instructions).run().r0).toBe(0n);
    // correct programs pass: caller's r6 survives the call, the callee gets r1
    const ok = 'r6 = 1\nr1 = 2\ncall f\nr0 += r6\nexit\nf: r0 = r1\nexit';
    expect(new Interpreter(assemble(ok).instructions, { strict: true }).run().r0).toBe(3n);
  });

  it('unset stack bytes, misaligned stack, kernel-rejected forms and falling off a function', () => {
    expect(strictFault('r0 = *(u64 *)(r10 - 8)\nexit').detail).toMatch(
      /^invalid read from stack off -8\+0 size 8/,
    );
    expect(strictFault('*(u32 *)(r10 - 8) = 0\nr0 = *(u64 *)(r10 - 8)\nexit').detail).toMatch(
      /^invalid read from stack off -8\+4 size 8/,
    );
    expect(strictFault('*(u64 *)(r10 - 7) = 1\nr0 = 0\nexit')).toMatchObject({
      kind: 'misaligned',
      detail: 'misaligned stack access off 0+0+-7 size 8',
    });
    expect(strictFault('r1 = r10\nr1 += -8\n*(u32 *)(r1 + 2) = 1\nr0 = 0\nexit').detail).toBe(
      'misaligned stack access off 0+-8+2 size 4',
    );
    const shift = assemble('mov %r0, 1\nlsh %r0, 64\nexit', { dialect: 'ubpf' }).instructions;
    expect(() => new Interpreter(shift, { strict: true }).run()).toThrow(
      /pc 1: r0 <<= 0x40: invalid shift 64/,
    );
    expect(strictFault('r0 = 0\ncall f\nexit\nf: r0 = 1')).toMatchObject({
      kind: 'kernel_rule',
      pc: 3,
      detail:
        'last insn is not an exit or jmp: the function at pc 3 would run on into the end of the program',
    });
  });

  it('tsbpf run --strict prints the pc, the instruction and the source line', async () => {
    writeFileSync(path('u.s'), 'r0 = 0\nr0 += r5\nexit\n');
    const io = capture();
    expect(await run([path('u.s'), '--strict'])).toBe(1);
    expect(io.err()).toBe(`tsbpf run: ${path('u.s')}: pc 1: r0 += r5: R5 !read_ok (at 2:1: r0 += r5)\n`);
    expect(io.out()).toBe('');
  });
});

describe('traces that teach', () => {
  it('start registers, branches taken or not with the values compared', async () => {
    writeFileSync(path('b.s'), 'r1 = -1\nif r1 s< 0 goto +1\nr0 = 1\nif w1 > 5 goto +0\nr0 = 2\nexit\n');
    const io = capture();
    expect(await run([path('b.s'), '--trace'])).toBe(0);
    const lines = io.out().split('\n');
    expect(lines[0]).toBe('start: r10 = 0x200000200');
    expect(lines[2]).toMatch(/^ {3}1: if r1 s< 0x0 goto \+0x1 +taken: -0x1 s< 0x0$/);
    expect(lines[3]).toMatch(/^ {3}3: if w1 > 0x5 goto \+0x0 +taken: 0xffffffff > 0x5$/);
  });

  it('a branch not taken says so', () => {
    const steps = [...new Interpreter(assemble('r0 = 3\nif r0 == 4 goto +0\nexit').instructions).trace()];
    expect(formatTraceStep(steps[1]!, 20)).toMatch(/not taken: 0x3 == 0x4 is false$/);
    expect(steps[0]!.initial).toEqual([{ reg: 10, value: 0x200000200n }]);
    expect(steps[1]!.initial).toBeUndefined();
  });

  it('cmpxchg shows r0 even when the old value equals it', () => {
    const prog = '*(u64 *)(r10 - 8) = 7\nr0 = 7\nr1 = 9\nr0 = cmpxchg_64(r10 - 8, r0, r1)\nexit';
    const steps = [...new Interpreter(assemble(prog).instructions).trace()];
    expect(steps[3]!.registers).toEqual([{ reg: 0, before: 7n, after: 7n }]);
    expect(formatTraceStep(steps[3]!)).toContain('r0 0x7 → 0x7');
  });
});

describe('errors that teach', () => {
  it('a ubpf mnemonic in the LLVM dialect suggests --dialect ubpf', () => {
    expect(asmError('mov %r0, 1')).toMatch(
      /^unknown instruction 'mov' \('mov' is the ubpf dialect's mnemonic: .*--dialect ubpf/,
    );
    expect(asmError('ldxw %r0, [%r1+4]')).toContain('--dialect ubpf');
    expect(asmError('frobnicate r0')).toBe("unknown instruction 'frobnicate'");
  });

  it('bswap8 says the widths are 16, 32 and 64', () => {
    expect(asmError('r0 = bswap8 r0')).toBe(
      "unknown operation 'bswap8': byte swap width 8 is not 16, 32 or 64 (bswap16, bswap32, bswap64)",
    );
    expect(asmError('be8 %r0', 'ubpf')).toBe(
      "unknown mnemonic 'be8': byte swap width 8 is not 16, 32 or 64 (be16, be32, be64)",
    );
  });

  it('r0 = (s8)5 says movsx takes a register', () => {
    expect(asmError('r0 = (s8)5')).toMatch(
      /^sign extension \(movsx\) takes a register source, not an immediate \('5'\)/,
    );
  });

  it('asm and run print warnings as FILE:LINE:COL: warning: …', async () => {
    writeFileSync(path('w.s'), 'r0 = 0xffffffff\nexit\n');
    const io = capture();
    expect(await run([path('w.s')])).toBe(0);
    expect(io.err()).toBe(
      `${path('w.s')}:1:6: warning: immediate 0xffffffff is sign-extended to 64 bits: the operand is -1 (0xffffffffffffffff); write 'r0 = 0xffffffff ll' for the 64-bit value\n`,
    );
    expect(io.out()).toBe('r0 = 18446744073709551615 (-1) (0xffffffffffffffff)\n');
  });
});

describe('--explain: each slot taken apart', () => {
  it('the fields it names put back together give the same bytes, for every golden encoding', () => {
    const rows = readFileSync(new URL('../fixtures/isa/llvm19-goldens.tsv', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split('\t')[0]!);
    let n = 0;
    for (const hexText of rows) {
      const bytes = Uint8Array.from(hexText.match(/../g)!, (b) => Number.parseInt(b, 16));
      for (const ins of decode(bytes)) {
        const lines = explainInstruction(ins);
        const field = (name: string) =>
          Number.parseInt(/0x([0-9a-f]+)/.exec(lines.find((l) => l.trim().startsWith(name))!)![1]!, 16);
        const regs = field('regs');
        const back = {
          code: field('opcode'),
          dst: regs & 15,
          src: regs >> 4,
          off: (field('off') << 16) >> 16,
          imm: field('imm') | 0,
        };
        expect(encode([back])).toEqual(encode([{ ...ins, imm2: undefined }]));
        expect(lines[0]).toContain(
          Array.from(encode([ins]).subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' '),
        );
        expect(lines[1]).toContain(`class 0x0${ins.code & 7} ${CLASS_NAMES[ins.code & 7]}`);
        expect(lines[0]).toContain(formatInstruction(ins, { rfc: true }).split('\n')[0]);
        n++;
      }
    }
    expect(n).toBeGreaterThan(6000);
  });

  it('tsbpf asm --explain is what docs/isa.md shows, and disasm --explain of the bytes says the same', async () => {
    writeFileSync(path('e.s'), EXPLAIN_PROGRAM);
    let io = capture();
    expect(await asm([path('e.s'), '--explain'])).toBe(0);
    const explained = io.out();
    vi.restoreAllMocks();
    const doc = readFileSync(new URL('../../docs/isa.md', import.meta.url), 'utf8');
    expect(doc).toContain(`it prints\n\n\`\`\`\n${explained}\`\`\``);
    expect(explained).toContain('opcode 0xdb: class 0x03 STX | size 0x18 DW (8 bytes) | mode 0xc0 ATOMIC');
    expect(explained).toContain('imm    0x000000f1: 0xf1: atomic operation cmpxchg (0xf0 | FETCH 0x01)');
    writeFileSync(path('e.bin'), encode(assemble(EXPLAIN_PROGRAM).instructions));
    io = capture();
    expect(await disasm([path('e.bin'), '--explain'])).toBe(0);
    expect(io.out()).toBe(explained);
  });
});
