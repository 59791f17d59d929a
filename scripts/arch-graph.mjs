// Writes the generated parts of docs/architecture.md from the code: the table of layers and what
// each may import (scripts/layers.mjs, the list the layer test enforces), and the folder
// dependency graph drawn from the actual imports. test/architecture/doc.test.ts checks both are
// current.
//   node scripts/arch-graph.mjs          rewrite docs/architecture.md
//   node scripts/arch-graph.mjs --check  exit 1 if docs/architecture.md differs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importsOf, LAYERS, layeredFiles, layerOf, ROOT } from './layers.mjs';

export const DOC = join(ROOT, 'docs/architecture.md');

/**
 * The graph's node for a file: its top folder (isa, btf, playground), its folder under src/, the
 * files of a layer made of single files (`src/sys/{errno,types}.ts`), the public entry point
 * src/index.ts, or `src/*.ts` for src's other own files.
 */
export function folderOf(file) {
  const layer = layerOf(file);
  if (layer && !layer.paths.some((p) => p.endsWith('/'))) {
    const names = layer.paths.map((p) => p.slice(p.lastIndexOf('/') + 1, -'.ts'.length)).sort();
    return `${layer.paths[0].slice(0, layer.paths[0].lastIndexOf('/'))}/{${names.join(',')}}.ts`;
  }
  const parts = file.split('/');
  if (parts[0] !== 'src') return parts[0];
  if (file === 'src/index.ts') return file;
  return parts.length > 2 ? `src/${parts[1]}` : 'src/*.ts';
}

/** Folder → the folders it imports directly (sorted), from every layered file's imports. */
export function folderEdges(files = layeredFiles()) {
  const edges = new Map();
  for (const f of files) {
    const from = folderOf(f);
    if (!edges.has(from)) edges.set(from, new Set());
    for (const { target } of importsOf(f)) {
      if (target === undefined || layerOf(target) === undefined) continue;
      const to = folderOf(target);
      if (to !== from) edges.get(from).add(to);
    }
  }
  return new Map([...edges].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, [...v].sort()]));
}

/** Layer → the layers its files import (sorted), from the same imports. */
export function layerEdges(files = layeredFiles()) {
  const edges = new Map(LAYERS.map((l) => [l.name, new Set()]));
  for (const f of files)
    for (const { target } of importsOf(f)) {
      const from = layerOf(f).name;
      const to = target === undefined ? undefined : layerOf(target)?.name;
      if (to !== undefined && to !== from) edges.get(from).add(to);
    }
  return new Map([...edges].map(([k, v]) => [k, [...v].sort()]));
}

function layerTable() {
  const rows = LAYERS.map((l) => {
    const paths = l.paths.map((p) => `\`${p}\``).join(', ');
    const may = l.may.length > 0 ? l.may.join(', ') : 'nothing';
    const extra = l.pure
      ? 'pure: no Node built-in, no package'
      : l.koffi
        ? 'Node, packages, koffi'
        : 'Node, packages';
    return `| ${l.name} | ${paths} | ${may} | ${extra} | ${l.role} |`;
  });
  return ['| layer | owns | may import | besides | what |', '|---|---|---|---|---|', ...rows].join('\n');
}

function graph(files) {
  const folders = new Map(LAYERS.map((l) => [l.name, new Set()]));
  for (const f of files) folders.get(layerOf(f).name).add(folderOf(f));
  const lines = ['```mermaid', 'flowchart TD'];
  for (const l of LAYERS)
    lines.push(`  ${l.name}["<b>${l.name}</b><br/>${[...folders.get(l.name)].sort().join('<br/>')}"]`);
  for (const [from, tos] of layerEdges(files)) for (const to of tos) lines.push(`  ${from} --> ${to}`);
  lines.push('  classDef pure fill:#e8f4e8,stroke:#2a7a2a');
  lines.push(
    `  class ${LAYERS.filter((l) => l.pure)
      .map((l) => l.name)
      .join(',')} pure`,
  );
  lines.push('```');
  return lines.join('\n');
}

function edgeTable(edges) {
  const rows = [...edges].map(([from, tos]) => `| ${from} | ${tos.length > 0 ? tos.join(', ') : '—'} |`);
  return ['| folder | imports directly |', '|---|---|', ...rows].join('\n');
}

const BLOCKS = {
  layers: () => layerTable(),
  graph: (_edges, files) => graph(files),
  imports: (edges) => edgeTable(edges),
};

/** `text` (docs/architecture.md) with each generated block rewritten from the code. */
export function archDoc(text = readFileSync(DOC, 'utf8')) {
  const files = layeredFiles();
  const edges = folderEdges(files);
  let out = text;
  for (const [name, make] of Object.entries(BLOCKS)) {
    const start = `<!-- generated: ${name} (node scripts/arch-graph.mjs) -->`;
    const end = `<!-- end: ${name} -->`;
    const a = out.indexOf(start);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`docs/architecture.md has no '${start}' … '${end}' block`);
    out = `${out.slice(0, a + start.length)}\n${make(edges, files)}\n${out.slice(b)}`;
  }
  return out;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const now = readFileSync(DOC, 'utf8');
  const want = archDoc(now);
  if (process.argv.includes('--check')) {
    if (now !== want) {
      console.error('docs/architecture.md is not current: run node scripts/arch-graph.mjs');
      process.exit(1);
    }
  } else if (now !== want) writeFileSync(DOC, want);
}
