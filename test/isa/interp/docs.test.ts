// docs/isa.md is generated: it must match the generator, and its tutorial trace must be what
// `tsbpf run --trace` really prints for that program.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AluOps, generateIsaDoc, JmpOps } from 'tsbpf/isa';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TUTORIAL_MEM, TUTORIAL_PROGRAM } from '../../../isa/docs.js';
import { run } from '../../../src/cli/run.js';

afterEach(() => vi.restoreAllMocks());
const doc = readFileSync(new URL('../../../docs/isa.md', import.meta.url), 'utf8');

describe('docs/isa.md', () => {
  it('is in sync with isa/docs.ts (regenerate with npm run docs)', () => {
    expect(doc).toBe(generateIsaDoc());
  });

  it('the tutorial shows the real output of tsbpf run --trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsbpf-doc-')), 'sum.s');
    writeFileSync(file, TUTORIAL_PROGRAM);
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    expect(await run([file, '--mem', TUTORIAL_MEM, '--trace'])).toBe(0);
    vi.restoreAllMocks();
    expect(doc).toContain(`$ tsbpf run sum.s --mem '${TUTORIAL_MEM}' --trace\n${out}\`\`\``);
    expect(out).toMatch(/^r0 = 6 \(0x6\)$/m);
  });

  it('lists every ALU and jump operation of the tables', () => {
    for (const op of AluOps.filter((o) => o.name !== 'end'))
      expect(doc).toContain(op.semantics.replace(/\|/g, '\\|'));
    // Conditional jumps and may_goto carry the table's text; ja/call/exit rows describe each form.
    for (const op of JmpOps.filter((o) => o.llvm || o.name === 'may_goto'))
      expect(doc).toContain(op.semantics);
    for (const form of ['gotol', 'call the local function', 'callx', 'return r0'])
      expect(doc).toContain(form);
  });
});
