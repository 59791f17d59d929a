// The interpreter's strict mode and stack faults against this kernel's verifier, for real: for
// each program the kernel's reason line is the start of what the interpreter says. Plus the
// verifier headline (the reason, not a state dump) and `tsbpf run --kernel` side by side.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Program, VerifierError } from 'tsbpf';
import { assemble, Interpreter, InterpreterFault } from 'tsbpf/isa';
import { afterEach, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/run.js';
import { kernelDescribe } from '../support/kernel.js';

afterEach(() => vi.restoreAllMocks());
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-teach-k-'));

function kernelReason(text: string, dialect: 'llvm' | 'ubpf' = 'llvm'): VerifierError {
  try {
    using _ = Program.load({ type: 'socket_filter', instructions: assemble(text, { dialect }).instructions });
  } catch (e) {
    if (e instanceof VerifierError) return e;
    throw e;
  }
  throw new Error(`the kernel loaded: ${text}`);
}

function ours(text: string, strict: boolean, dialect: 'llvm' | 'ubpf' = 'llvm'): InterpreterFault {
  try {
    new Interpreter(assemble(text, { dialect }).instructions, { strict }).run();
  } catch (e) {
    if (e instanceof InterpreterFault) return e;
    throw e;
  }
  throw new Error(`the interpreter ran: ${text}`);
}

kernelDescribe('the ISA tools say what the kernel says', ['prog_load', 'test_run', 'maps'], () => {
  const cases: { text: string; strict: boolean; dialect?: 'ubpf' }[] = [
    { text: 'r0 = *(u64 *)(r10 - 520)\nexit', strict: false },
    { text: '*(u64 *)(r10 + 0) = 1\nr0 = 0\nexit', strict: false },
    { text: 'r0 = r5\nexit', strict: true },
    { text: 'r1 = 1\nexit', strict: true },
    { text: 'r0 = 0\ncall 5\nr0 = r1\nexit', strict: true },
    { text: 'r6 = 1\ncall f\nr0 = r6\nexit\nf: r0 = r6\nexit', strict: true },
    { text: '*(u64 *)(r10 - 7) = 1\nr0 = 0\nexit', strict: true },
    { text: 'r1 = r10\nr1 += -8\n*(u32 *)(r1 + 2) = 1\nr0 = 0\nexit', strict: true },
    { text: 'mov %r0, 1\nlsh %r0, 64\nexit', strict: true, dialect: 'ubpf' },
    { text: 'mov32 %r0, 1\narsh32 %r0, -1\nexit', strict: true, dialect: 'ubpf' },
    { text: 'mov %r0, 1\ndiv %r0, 0\nexit', strict: true, dialect: 'ubpf' },
    { text: 'r0 = 0\ncall f\nexit\nf: r0 = 1', strict: true },
  ];
  it('each fault starts with the verifier’s reason line for the same program, at the same pc', () => {
    for (const c of cases) {
      const k = kernelReason(c.text, c.dialect);
      const i = ours(c.text, c.strict, c.dialect);
      expect(k.headline, c.text).toBeDefined();
      expect(i.detail.startsWith(k.headline!), `${c.text}: ours '${i.detail}', kernel '${k.headline}'`).toBe(
        true,
      );
      if (k.insnIndex !== undefined) expect(i.pc, c.text).toBe(k.insnIndex);
    }
  });

  it('a rejection’s headline is the reason line, not the state dump after it', () => {
    const e = kernelReason('r0 = 0\nr1 = 0\nl: if r1 == 0 goto l\nexit');
    expect(e.message.split('\n')[0]).toBe(
      'verifier rejected socket_filter program (EINVAL): infinite loop detected at insn 2',
    );
    expect(e.reason.some((l) => l.startsWith('old state:'))).toBe(true); // still in the log lines shown
  });

  it('an 8-bit atomic: the kernel says what our tools say in brackets', () => {
    const bytes = '*(u64 *)(r10 - 8) = 0\nr2 = 1\n.8byte 0x00000000fff821d3\nr0 = 0\nexit';
    expect(kernelReason(bytes).headline).toBe('invalid atomic operand size');
    expect(ours(bytes, false).detail).toContain('(the kernel: invalid atomic operand size)');
  });

  it('tsbpf run --kernel prints both r0 side by side, and the verifier’s reason with the source line', async () => {
    const sum = join(dir, 'sum.s');
    writeFileSync(
      sum,
      'r0 = 0\nr3 = 0\nl: if r3 >= r2 goto d\nr4 = r1\nr4 += r3\nr5 = *(u8 *)(r4 + 0)\nr0 += r5\nr3 += 1\ngoto l\nd: exit\n',
    );
    let out = '';
    let err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
      out += String(c);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
      err += String(c);
      return true;
    });
    expect(await run([sum, '--mem', '01 02 03', '--kernel'])).toBe(0);
    expect(out).toBe(
      'interpreter: r0 = 6 (0x6)\nkernel:      r0 = 6 (0x6) (BPF_PROG_TEST_RUN as XDP; the kernel reports r0 only)\n',
    );
    const bad = join(dir, 'bad.s');
    writeFileSync(bad, 'r0 = 0\nr0 += r5\nexit\n');
    out = '';
    expect(await run([bad, '--kernel'])).toBe(1);
    expect(out).toContain('kernel:      rejected by the verifier: R5 !read_ok at pc 1 (at 2:1: r0 += r5)');
    expect(err).toBe(
      `tsbpf run: ${bad}: the kernel's verifier rejects the program: R5 !read_ok at pc 1 (at 2:1: r0 += r5)\n`,
    );
  });
});
