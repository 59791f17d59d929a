// One verdict per instruction form, five judges: the assembler (an error, or a warning that the
// kernel rejects it), the disassembler (text, or `.8byte` with the reason), the interpreter in
// strict mode, the builder, and this kernel's verifier (BPF_PROG_LOAD for real). They must agree
// on accept/reject for every form of test/isa/forms.ts, except the cases listed below with why;
// where our tools refuse a form they say so in the same words. (Spelling mistakes that are not
// encodings, like `w3 += r4`, are in teacher-defects.test.ts.)

import {
  AssemblerError,
  BpfMap,
  BuilderError,
  codecs,
  encode,
  formatInstruction,
  type Instruction,
  instructionProblem,
  Program,
  program,
  VerifierError,
} from 'tsbpf';
import { assemble, Interpreter, InterpreterFault } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { allForms, type Form } from './forms.js';

type Verdict = 'accept' | 'reject';

const PROLOGUE = assemble(
  [
    '*(u64 *)(r10 - 8) = 0',
    '*(u64 *)(r10 - 16) = 0',
    'r6 = r1',
    ...[0, 1, 2, 3, 4, 5, 7, 8, 9].map((r) => `r${r} = ${r}`),
  ].join('\n'),
).instructions;
const EPILOGUE = assemble('r0 = 0\nexit').instructions;
const SUBPROGRAM = assemble('r0 = 0\nexit').instructions;

/** The form inside a program the verifier can accept: set registers and stack, then exit. */
function wrap(f: Form, ins: Instruction): Instruction[] {
  if (f.context === 'last') return [...PROLOGUE, ins];
  return [...PROLOGUE, ins, ...EPILOGUE, ...(f.context === 'subprog' ? SUBPROGRAM : [])];
}

function assembler(f: Form): { verdict: Verdict; message?: string } {
  if (f.text === undefined) return { verdict: 'reject', message: 'no syntax' };
  try {
    const r = assemble(f.text);
    const kernel = r.warnings.find((w) => w.message.startsWith('the kernel rejects this: '));
    if (kernel)
      return { verdict: 'reject', message: kernel.message.slice('the kernel rejects this: '.length) };
    // What it accepted is the form's encoding (so the other judges see the same instruction).
    expect(encode(r.instructions), f.text).toEqual(encode([f.ins]));
    return { verdict: 'accept' };
  } catch (e) {
    if (e instanceof AssemblerError) return { verdict: 'reject', message: e.diagnostics[0]!.message };
    throw e;
  }
}

function disassembler(f: Form): { verdict: Verdict; text: string } {
  const text = formatInstruction(f.ins);
  return { verdict: text.startsWith('.8byte') ? 'reject' : 'accept', text };
}

function interpreter(f: Form): { verdict: Verdict; message?: string } {
  const code = wrap(f, f.context === 'map' || f.context === 'map_idx' ? { ...f.ins, imm: 0 } : f.ins);
  const at = PROLOGUE.length; // each prologue instruction is one slot
  try {
    new Interpreter(code, {
      strict: true,
      maps: { m: { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 } },
    }).run();
    return { verdict: 'accept' };
  } catch (e) {
    if (!(e instanceof InterpreterFault)) throw e;
    // Only a refusal of the instruction itself counts; a run-time fault, or a form the
    // interpreter cannot model (ksym, kfunc), means it was accepted.
    const refused =
      e.pc === at &&
      (e.kind === 'invalid_instruction' || e.kind === 'kernel_rule') &&
      !e.detail.includes('not supported by the interpreter');
    return refused ? { verdict: 'reject', message: e.detail } : { verdict: 'accept' };
  }
}

function builder(f: Form): { verdict: Verdict; message?: string } {
  try {
    f.build(program({ sourcePositions: false }));
    return { verdict: 'accept' };
  } catch (e) {
    if (e instanceof BuilderError) return { verdict: 'reject', message: e.message };
    throw e;
  }
}

function kernel(f: Form, map: BpfMap<number, bigint>): { verdict: Verdict; reason?: string } {
  const ins = f.context === 'map' ? { ...f.ins, imm: map.fd } : f.ins;
  try {
    using _ = Program.load({
      type: 'socket_filter',
      instructions: wrap(f, ins),
      ...(f.context === 'map_idx' ? { fdArray: [map.fd] } : {}),
    });
    return { verdict: 'accept' };
  } catch (e) {
    if (e instanceof VerifierError) return { verdict: 'reject', reason: e.headline ?? e.message };
    throw e;
  }
}

/** Forms whose kernel verdict depends on objects this test does not make, with the reason the kernel must give. */
const NEEDS_CONTEXT: { match: (f: Form) => boolean; kernelSays: RegExp; why: string }[] = [
  {
    match: (f) => f.ins.code === 0xbf && f.ins.off === 1,
    kernelSays: /arena/,
    why: 'addr_space_cast is accepted only in a program that uses an arena map',
  },
  {
    match: (f) => f.ins.code === 0x18 && f.ins.src === 4,
    kernelSays: /func_info/,
    why: 'a function address (lddw src 4) is accepted only with BTF func_info for the program',
  },
  {
    match: (f) => f.ins.code === 0x18 && f.ins.src === 3,
    kernelSays: /BTF|btf|pseudo_btf_id/,
    why: 'a ksym load (lddw src 3) needs the BTF id of a kernel variable',
  },
];

kernelDescribe('the tools and the kernel agree on every instruction form', ['prog_load', 'maps'], () => {
  it('assembler, disassembler, strict interpreter, builder and verifier give the same verdict', () => {
    using map = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64,
      maxEntries: 1,
      name: 'agree',
    });
    const forms = allForms();
    const disagreements: string[] = [];
    const wording: string[] = [];
    let accepted = 0;
    let rejected = 0;
    for (const f of forms) {
      const name = f.text ?? formatInstruction(f.ins);
      const a = assembler(f);
      const d = disassembler(f);
      const i = interpreter(f);
      const b = builder(f);
      const k = kernel(f, map);
      const context = NEEDS_CONTEXT.find((c) => c.match(f));
      if (context) {
        expect(k.reason, `${name}: ${context.why}`).toMatch(context.kernelSays);
        expect([a.verdict, d.verdict, i.verdict, b.verdict], name).toEqual([
          'accept',
          'accept',
          'accept',
          'accept',
        ]);
        continue;
      }
      if (f.ins.code === 0x8d) {
        // callx: LLVM writes and prints it and the conformance suite runs it; the kernel has no
        // such opcode. The assembler warns and the strict interpreter refuses, in the kernel's words.
        expect(k).toEqual({ verdict: 'reject', reason: 'unknown opcode 8d' });
        expect(a.message).toMatch(/^unknown opcode 8d/);
        expect(i.message).toMatch(/^unknown opcode 8d/);
        expect([d.verdict, b.verdict]).toEqual(['accept', 'accept']);
        continue;
      }
      const verdicts = {
        assembler: a.verdict,
        disassembler: d.verdict,
        interpreter: i.verdict,
        builder: b.verdict,
      };
      for (const [tool, v] of Object.entries(verdicts))
        if (v !== k.verdict)
          disagreements.push(
            `${name}: ${tool} ${v}s, kernel ${k.verdict}s${k.reason ? ` (${k.reason})` : ''}`,
          );
      if (k.verdict === 'accept') accepted++;
      else rejected++;
      // Where the encoding itself is refused, every tool of ours says it in the same words.
      const problem = instructionProblem(f.ins);
      if (problem && k.verdict === 'reject') {
        const m = problem.message;
        if (a.message !== 'no syntax' && !a.message?.includes(m))
          wording.push(`${name}: assembler '${a.message}' ≠ '${m}'`);
        if (!d.text.includes(m)) wording.push(`${name}: disassembler '${d.text}'`);
        if (!i.message?.endsWith(m)) wording.push(`${name}: interpreter '${i.message}'`);
        if (!b.message?.includes(m)) wording.push(`${name}: builder '${b.message}'`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(wording).toEqual([]);
    // Enough of each kind that the agreement means something.
    expect(accepted).toBeGreaterThan(150);
    expect(rejected).toBeGreaterThan(40);
  });
});
