// The builder against LLVM: each program in programs.ts must encode to exactly the bytes
// llvm-mc-19 made from its hand-written LLVM twin (fixtures/builder/programs.s → llvm19-programs.tsv).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decode, encode, formatInstruction } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';
import { buildProgram, programs } from './programs.js';

const tsv = readFileSync(new URL('../../fixtures/builder/llvm19-programs.tsv', import.meta.url), 'utf8');
const goldens = new Map(
  tsv
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [name, slots, sha, hex] = l.split('\t') as [string, string, string, string];
      return [name, { slots: Number(slots), sha, hex }] as const;
    }),
);

/** First differing slot as two disassembled lines, so a failure says which instruction. */
function firstDifference(ours: Uint8Array, theirs: Uint8Array): string {
  const a = decode(ours);
  const b = decode(theirs);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ? formatInstruction(a[i]) : '(none)';
    const y = b[i] ? formatInstruction(b[i]) : '(none)';
    if (x !== y || JSON.stringify(a[i]) !== JSON.stringify(b[i]))
      return `instruction ${i}: ours "${x}", llvm "${y}"`;
  }
  return 'same';
}

describe('builder programs encode as llvm-mc-19 assembles their LLVM twins', () => {
  it('every program has a golden and every golden a program', () => {
    expect([...goldens.keys()].sort()).toEqual(Object.keys(programs).sort());
  });
  for (const name of Object.keys(programs)) {
    it(name, () => {
      const golden = goldens.get(name);
      expect(golden, `no golden for ${name}; run scripts/builder-goldens.sh`).toBeDefined();
      const { instructions, slots } = buildProgram(name);
      const bytes = encode(instructions);
      expect(slots).toBe(golden?.slots);
      if (golden?.hex !== '-') {
        const theirs = Buffer.from(golden?.hex ?? '', 'hex');
        expect(firstDifference(bytes, theirs)).toBe('same');
        expect(Buffer.from(bytes).toString('hex')).toBe(golden?.hex);
      }
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(golden?.sha);
    });
  }
});
