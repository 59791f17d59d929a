// The layers hold: every import in isa/, btf/, playground/ and src/ follows the list in
// scripts/layers.mjs (pure layers import no Node built-in and no package, and only the layers they
// may; koffi only in src/sys). A failure lists each offending import as file:line.
import { expect, it } from 'vitest';
import {
  importsOf,
  LAYERS,
  layeredFiles,
  layerOf,
  layerViolations,
  violation,
} from '../../scripts/layers.mjs';

it('every import follows the layer rules (fix the import, or the rule in scripts/layers.mjs and docs/architecture.md)', () => {
  const files = layeredFiles();
  // The scan must see the tree it guards: the pure folders and the edge are all there.
  for (const name of ['isa', 'btf', 'abi', 'format', 'compiler', 'sys', 'os'])
    expect(
      files.some((f) => layerOf(f)?.name === name),
      `no file found in layer ${name}`,
    ).toBe(true);
  const bad = layerViolations(files);
  expect(bad, `\n${bad.join('\n')}\n`).toEqual([]);
});

it('koffi is imported in src/sys only, and there it is', () => {
  const users = layeredFiles().filter((f) => importsOf(f).some((i) => i.spec === 'koffi'));
  expect(users.length).toBeGreaterThan(0);
  expect(users.filter((f) => !f.startsWith('src/sys/'))).toEqual([]);
});

it('the rules are a one-way order: a pure layer may import only pure layers, and no two layers import each other', () => {
  const byName = new Map(LAYERS.map((l) => [l.name, l]));
  for (const l of LAYERS)
    for (const m of l.may) {
      const target = byName.get(m);
      expect(target, `${l.name} may import unknown layer ${m}`).toBeDefined();
      if (l.pure) expect(target?.pure, `pure ${l.name} may import impure ${m}`).toBe(true);
      expect(target?.may.includes(l.name), `${l.name} and ${m} may import each other`).toBe(false);
    }
});

it('the rules catch what they must: Node built-ins, packages, koffi, a forbidden layer, an unowned file', () => {
  const v = (file: string, spec: string, target?: string) => violation({ file, spec, target });
  expect(v('isa/opcodes.ts', 'node:fs')).toMatch(/pure layer \(isa\).*Node built-in 'node:fs'/);
  expect(v('btf/parse.ts', 'fs')).toMatch(/Node built-in 'fs'/);
  expect(v('src/format/elf/reader.ts', 'typed-binary')).toMatch(/package 'typed-binary'/);
  expect(v('src/compiler/value.ts', 'koffi')).toMatch(/pure layer \(compiler\)/);
  expect(v('src/map.ts', 'koffi')).toMatch(/koffi is imported outside src\/sys/);
  expect(v('src/sys/libc.ts', 'koffi')).toBeUndefined();
  expect(v('src/map.ts', 'node:fs')).toBeUndefined();
  expect(v('src/format/object/parse.ts', '../../map.js', 'src/map.ts')).toMatch(
    /layer format may not import layer os/,
  );
  expect(v('src/compiler/spec.ts', '../sys/libc.js', 'src/sys/libc.ts')).toMatch(
    /compiler may not import layer sys/,
  );
  expect(v('isa/index.ts', '../btf/parse.js', 'btf/parse.ts')).toMatch(/isa may not import layer btf/);
  expect(v('src/sys/bpf.ts', '../map.js', 'src/map.ts')).toMatch(/sys may not import layer os/);
  expect(v('src/format/object/maps.ts', '../../sys/types.js', 'src/sys/types.ts')).toBeUndefined();
  expect(v('src/format/object/maps.ts', '../../sys/bpf.js', 'src/sys/bpf.ts')).toMatch(
    /format may not import layer sys/,
  );
  expect(v('src/map.ts', '../test/support/kernel.js', 'test/support/kernel.ts')).toMatch(/no layer owns/);
});

it('imports are read as TypeScript reads them: type-only, re-exports and import() count; comments and strings do not', () => {
  const found = importsOf('test/fixtures/architecture/imports.ts.txt').map(
    (i) => `${i.line} ${i.spec} ${i.target}`,
  );
  expect(found).toEqual([
    '2 ../../btf/parse.js test/btf/parse.ts',
    '3 ../../isa/index.js test/isa/index.ts',
    '4 ../../src/format/elf/writer.js test/src/format/elf/writer.ts',
    '7 node:child_process undefined',
  ]);
});
