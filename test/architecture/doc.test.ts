// docs/architecture.md's layer table, picture and import table are made from the code: they must
// be current.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { archDoc, DOC, folderOf, layerEdges } from '../../scripts/arch-graph.mjs';

it('docs/architecture.md matches the layers and the imports (regenerate: node scripts/arch-graph.mjs)', () => {
  const text = readFileSync(DOC, 'utf8');
  expect(text).toBe(archDoc(text));
});

it('the picture is drawn from real imports: the pure layers point only at pure layers, os reaches sys', () => {
  const edges = layerEdges();
  expect(edges.get('isa')).toEqual([]);
  expect(edges.get('btf')).toEqual([]);
  expect(edges.get('compiler')).toContain('isa');
  expect(edges.get('os')).toContain('sys');
  expect(folderOf('src/sys/errno.ts')).toBe('src/sys/{errno,types}.ts');
  expect(folderOf('src/format/elf/reader.ts')).toBe('src/format');
  expect(folderOf('src/map.ts')).toBe('src/*.ts');
});
