// The layers of tsbpf and what each may import: the one list that test/architecture/layers.test.ts
// enforces and docs/architecture.md states (scripts/arch-graph.mjs writes it there). Imports are
// read with TypeScript's own pre-processor, so comments and strings never count, while type-only
// imports, re-exports and dynamic import() do.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Each layer: the paths it owns (a folder ends in '/'; the longest matching path wins), whether it
 * is pure (no Node built-in, no package, runs in a browser or a worker as well), and the layers it
 * may import besides its own files.
 */
export const LAYERS = [
  {
    name: 'isa',
    paths: ['isa/'],
    pure: true,
    may: [],
    role: 'the instruction set: opcodes as data, builder, assembler, disassembler, interpreter',
  },
  {
    name: 'btf',
    paths: ['btf/'],
    pure: true,
    may: [],
    role: 'BTF: parse, types, layout, C dump, builder, .BTF.ext, CO-RE relocation',
  },
  {
    name: 'abi',
    paths: ['src/sys/types.ts', 'src/sys/errno.ts'],
    pure: true,
    may: [],
    role: "the kernel ABI's names and numbers (program, map and attach types, flags, errno): pure files inside the edge",
  },
  {
    name: 'format',
    paths: ['src/format/'],
    pure: true,
    may: ['isa', 'btf', 'abi'],
    role: 'file formats: ELF reader and writer, BPF object parse/spec/maps/sections/static linking/writer, kconfig values, the tracepoint format file',
  },
  {
    name: 'compiler',
    paths: ['src/compiler/'],
    pure: true,
    may: ['isa', 'btf', 'abi', 'format'],
    role: 'the probe compiler: value types, typed values and conditions, the actions a probe records, record layouts, code generation, syscall routes, CO-RE field reads',
  },
  {
    name: 'page',
    paths: ['playground/'],
    pure: true,
    may: ['isa'],
    role: "the playground's browser page",
  },
  {
    name: 'timing',
    paths: ['src/timing.ts'],
    pure: false,
    may: [],
    role: 'start-up phase timing (TSBPF_TIMING=1, tsbpf --timing): lines on stderr, from every layer that runs a phase, the edge included',
  },
  {
    name: 'sys',
    paths: ['src/sys/'],
    pure: false,
    koffi: true,
    may: ['isa', 'btf', 'abi', 'timing'],
    role: 'the ABI edge: koffi declarations, the bpf(2) and perf_event_open(2) calls, attr layouts, mmap',
  },
  {
    name: 'os',
    paths: ['src/'],
    pure: false,
    may: ['isa', 'btf', 'abi', 'format', 'compiler', 'sys', 'timing'],
    role: 'kernel objects and everything that touches files, processes and the kernel: maps, programs, the object loader, links, events, probes, metrics, the CLI',
  },
];

const NODE_BUILTINS = new Set(builtinModules);

/** The layer owning a repository-relative path (posix separators), or undefined. */
export function layerOf(file) {
  let best;
  for (const layer of LAYERS)
    for (const p of layer.paths)
      if ((p.endsWith('/') ? file.startsWith(p) : file === p) && (!best || p.length > best.len))
        best = { layer, len: p.length };
  return best?.layer;
}

function walk(dir, out) {
  for (const name of readdirSync(join(ROOT, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(join(ROOT, rel)).isDirectory()) walk(rel, out);
    else if (/\.(ts|mts|mjs|js)$/.test(name) && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

/** Every source file the layers own, repository-relative. */
export function layeredFiles() {
  const roots = [...new Set(LAYERS.flatMap((l) => l.paths.map((p) => p.split('/')[0])))];
  return roots
    .filter((r) => existsSync(join(ROOT, r)))
    .flatMap((r) => walk(r, []))
    .filter((f) => layerOf(f) !== undefined);
}

/**
 * The imports of `file`: { file, line, spec, target }; target is the repository-relative source
 * file a relative import names (`.js` read as the `.ts` beside it), undefined for a package.
 */
export function importsOf(file) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map(({ fileName: spec, pos }) => {
    const line = text.slice(0, pos).split('\n').length;
    if (!spec.startsWith('.')) return { file, line, spec, target: undefined };
    let target = posix.normalize(posix.join(posix.dirname(file), spec));
    if (target.endsWith('.js') && !existsSync(join(ROOT, target))) target = target.replace(/\.js$/, '.ts');
    return { file, line, spec, target };
  });
}

/** What is wrong with one import, or undefined: the rules of LAYERS applied. */
export function violation({ file, spec, target }) {
  const from = layerOf(file);
  if (!from) return undefined;
  if (target === undefined) {
    const builtin = spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]);
    if (from.pure)
      return builtin
        ? `a pure layer (${from.name}) imports the Node built-in '${spec}'`
        : `a pure layer (${from.name}) imports the package '${spec}'`;
    if (spec === 'koffi' && !from.koffi) return `koffi is imported outside src/sys (layer ${from.name})`;
    return undefined;
  }
  const to = layerOf(target);
  if (!to) return `imports '${spec}', which no layer owns`;
  if (to === from || from.may.includes(to.name)) return undefined;
  return `layer ${from.name} may not import layer ${to.name} ('${spec}')`;
}

/** Every import that breaks a rule, as `file:line: why`, in file order. */
export function layerViolations(files = layeredFiles()) {
  const out = [];
  for (const f of files)
    for (const imp of importsOf(f)) {
      const why = violation(imp);
      if (why) out.push(`${imp.file}:${imp.line}: ${why}`);
    }
  return out;
}
