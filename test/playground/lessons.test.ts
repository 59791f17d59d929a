// Every example in docs/learn/ is a test: it runs in the interpreter to the r0 its block states
// (or faults, when it states none), links to itself in the playground, and in the kernel either
// gives the same r0 or is refused with the verifier's words the lesson quotes.
import { readFileSync } from 'node:fs';
import { assemble, helperId, type InterpMapSpec, Interpreter, InterpreterFault } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';
import { type Lesson, readLessons } from '../../scripts/playground-examples.mjs';
import { loadAndRun } from '../../src/playground/kernel.js';
import { kernelDescribe } from '../support/kernel.js';

const root = new URL('../../', import.meta.url).pathname;
const lessons = readLessons(`${root}docs/learn`);
const memOf = (l: Lesson) =>
  Uint8Array.from((l.mem.match(/[0-9a-f]{2}/gi) ?? []).map((b) => Number.parseInt(b, 16)));
const expected = (l: Lesson) =>
  l.expect.r0 === undefined ? undefined : BigInt.asUintN(64, BigInt(l.expect.r0));

describe('docs/learn examples', () => {
  it('covers the six lessons', () => {
    const files = new Set(lessons.map((l) => l.file));
    expect([...files].map((f) => f.replace(/^docs\/learn\/\d\d-|\.md$/g, ''))).toEqual([
      'registers-and-alu',
      'memory-and-stack',
      'jumps-and-loops',
      'calls-and-helpers',
      'maps',
      'the-verifiers-view',
    ]);
    expect(lessons.length).toBeGreaterThanOrEqual(25);
  });

  for (const l of lessons) {
    it(`${l.id} (${l.file}:${l.line}) runs in the interpreter and opens in the playground`, () => {
      const doc = readFileSync(`${root}${l.file}`, 'utf8');
      expect(doc).toContain(`(../playground/index.html#example=${l.id})`);
      const { instructions } = assemble(l.source, { dialect: l.dialect, resolveHelper: helperId });
      const maps: Record<string, InterpMapSpec> = {};
      for (const m of l.maps) maps[m.name] = m;
      const run = () => new Interpreter(instructions, { maps, maxSteps: 1_000_000 }).run({ mem: memOf(l) });
      const want = expected(l);
      if (want === undefined) expect(run).toThrow(InterpreterFault);
      else expect(run().r0).toBe(want);
    });
  }
});

kernelDescribe('docs/learn examples in the kernel', ['prog_load', 'test_run', 'maps'], () => {
  for (const l of lessons) {
    const words = l.expect.verifier;
    it(`${l.id}: ${words ? `the verifier says “${words}”` : 'the kernel agrees with the interpreter'}`, () => {
      const reply = loadAndRun({ source: l.source, dialect: l.dialect, mem: memOf(l), maps: l.maps });
      if (words) {
        expect(reply).toMatchObject({ accepted: false });
        if (!('accepted' in reply) || reply.accepted) return;
        expect(reply.reason.join('\n')).toContain(words);
        // The log is placed at the user's lines: the failing line is in the lesson's program.
        expect(reply.failingLine).toBeGreaterThan(0);
      } else {
        expect(reply).toMatchObject({ accepted: true, r0: `0x${(expected(l) ?? 0n).toString(16)}` });
      }
    });
  }
});
