// The assembler keeps all its state on the assembly in progress: no module-level `let` in
// isa/asm/, and an assembly started from inside another one (a resolveHelper callback that
// assembles) leaves the outer one's positions and result untouched.
import { readdirSync, readFileSync } from 'node:fs';
import { AssemblerError, assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';

const dir = new URL('../../../isa/asm/', import.meta.url);

it('isa/asm/ declares no module-level mutable variable', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  expect(files).toContain('core.ts');
  for (const f of files) {
    const text = readFileSync(new URL(f, dir), 'utf8');
    expect(text.match(/^(export )?(let|var) /gm), f).toBeNull();
  }
});

it('a nested assembly does not disturb the outer one', () => {
  const outer = assemble('r0 = 1\ncall bpf_nothing\n  exit', {
    resolveHelper: (name) => {
      const inner = assemble('r1 = 2\nr2 = 3', { file: 'inner.s' });
      expect(inner.instructions[1].source).toEqual({ line: 2, col: 1, text: 'r2 = 3', file: 'inner.s' });
      return name === 'bpf_nothing' ? 7 : undefined;
    },
  });
  expect(outer.instructions.map((i) => i.source?.line)).toEqual([1, 2, 3]);
  expect(outer.instructions[1].imm).toBe(7);
  expect(outer.instructions[2].source).toEqual({ line: 3, col: 3, text: '  exit' });
  // Errors keep their line:col after a nested assembly too.
  const bad = (() => {
    try {
      assemble('r0 = 1\n  r0 += \nexit');
    } catch (e) {
      return e;
    }
  })();
  expect(bad).toBeInstanceOf(AssemblerError);
  expect((bad as AssemblerError).diagnostics[0]).toMatchObject({ line: 2, col: 9 });
});
