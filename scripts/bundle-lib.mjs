// Bundles the library entries ('tsbpf', 'tsbpf/isa', 'tsbpf/btf') into dist/lib/ from the tsc
// output in dist/: three CommonJS layers that src/lib-loader.ts runs through V8's code cache, and
// the three small ES modules package.json names, which ask the loader for their layer.
//   core.cjs  the main entry's module graph (its import() targets too, evaluated only when used)
//   isa.cjs   what 'tsbpf/isa' adds to core (the assembler, the interpreter, ...)
//   btf.cjs   what 'tsbpf/btf' adds to core (the C and raw printers)
// A module of core that an outer layer imports is taken from core (`require('tsbpf:core')`, whose
// `__modules` lists them), never bundled twice: a class has one identity whichever entry a user
// imports it from. The types stay the tsc declarations in dist/.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { dynamicExternal, eagerImports } from './eager-imports.mjs';
import { checkWrappedBundle, commonJsFile, wrappedBundle } from './wrapped-bundle.mjs';

const root = new URL('../', import.meta.url).pathname;
const dist = `${root}dist/`;
const out = `${dist}lib/`;
const entries = { core: `${dist}src/index.js`, isa: `${dist}isa/index.js`, btf: `${dist}btf/index.js` };
const stubs = { core: 'index', isa: 'isa', btf: 'btf' };
// Loaded from node_modules at run time: a native addon, and packages with their own module graph.
// typed-binary is handed over by the entries (src/lib-loader.ts): the user's instance, not a copy.
const external = ['koffi', 'yaml', 'bcryptjs', 'typed-binary'];
const key = (path) => relative(root, path);
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  external,
};
const layerOptions = { ...common, ...wrappedBundle };

// Pass 1: the main entry's static module graph; an import() of one of these is made static.
const graph = await build({
  ...common,
  format: 'esm',
  entryPoints: [entries.core],
  write: false,
  metafile: true,
  plugins: [dynamicExternal],
});
const eager = new Set(Object.keys(graph.metafile.inputs).map((p) => resolve(root, p)));
const eagerPlugin = eagerImports((importer, target) => eager.has(importer) && eager.has(target));

// Pass 2: everything core.cjs will hold (its lazy import() targets included).
const coreProbe = await build({
  ...layerOptions,
  entryPoints: [entries.core],
  write: false,
  metafile: true,
  plugins: [eagerPlugin],
});
const inCore = new Set(Object.keys(coreProbe.metafile.inputs).map((p) => resolve(root, p)));

/**
 * Resolves imports of core's modules to core's own instances; records which are asked for. With
 * `exportsOf` (a core module's export names), each binding is read once into a constant of the
 * outer layer: the code calls core's functions directly, not through two getters per use (esbuild's
 * namespace object and its CommonJS-interop copy), which cost the assembler a third of its speed.
 */
function fromCore(needed, exportsOf) {
  return {
    name: 'from-core',
    setup(b) {
      b.onResolve({ filter: /^tsbpf:core$/ }, () => ({ path: 'tsbpf:core', external: true }));
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const path = resolve(args.resolveDir, args.path);
        if (!inCore.has(path) || path === args.importer) return undefined;
        needed.add(key(path));
        return { path: key(path), namespace: 'core' };
      });
      b.onLoad({ filter: /.*/, namespace: 'core' }, (args) => {
        const module = `require('tsbpf:core').__modules[${JSON.stringify(args.path)}]`;
        const names = exportsOf?.get(args.path);
        if (names === undefined) return { contents: `module.exports = ${module};`, loader: 'js' };
        const plain = names.filter((n) => n !== 'default');
        return {
          contents:
            `const m = ${module};\nexport const { ${plain.join(', ')} } = m;\n` +
            (names.includes('default') ? 'export default m.default;\n' : ''),
          loader: 'js',
        };
      });
    },
  };
}

// Pass 3: the outer layers, to learn which core modules they use.
const needed = new Set();
for (const name of ['isa', 'btf'])
  await build({ ...layerOptions, entryPoints: [entries[name]], write: false, plugins: [fromCore(needed)] });

// The export names of each module core shares. Copied into constants once, so none may be a
// binding its module reassigns (`export let`), which a copy would not follow.
const exportsOf = new Map();
for (const path of needed) {
  if (/^export (let|var)\b/m.test(readFileSync(resolve(root, path), 'utf8')))
    throw new Error(`${path}: an \`export let\` shared with an outer layer would be copied, not followed`);
  const probe = await build({ ...common, format: 'esm', entryPoints: [path], write: false, metafile: true });
  exportsOf.set(path, Object.values(probe.metafile.outputs)[0].exports);
}

// Pass 4: the layers, written. Core's entry is the main entry plus the modules the others take.
rmSync(out, { recursive: true, force: true });
const shared = [...needed].sort();
const coreEntry = [
  `export * from ${JSON.stringify(entries.core)};`,
  ...shared.map((p, i) => `import * as m${i} from ${JSON.stringify(resolve(root, p))};`),
  `export const __modules = { ${shared.map((p, i) => `${JSON.stringify(p)}: m${i}`).join(', ')} };`,
].join('\n');
const manifest = {};
const layers = [
  {
    name: 'core',
    stdin: { contents: coreEntry, resolveDir: root, sourcefile: 'core-layer.js' },
    plugins: [eagerPlugin],
  },
  { name: 'isa', entryPoints: [entries.isa], plugins: [fromCore(new Set(), exportsOf)] },
  { name: 'btf', entryPoints: [entries.btf], plugins: [fromCore(new Set(), exportsOf)] },
];
for (const { name, stdin, entryPoints, plugins } of layers) {
  const result = await build({
    ...layerOptions,
    stdin,
    entryPoints,
    outfile: `${out}${name}.cjs`,
    metafile: true,
    plugins,
  });
  // Which source modules each file holds: lets a test check what `import 'tsbpf'` reads.
  const inputs = Object.values(result.metafile.outputs)[0].inputs;
  manifest[`${name}.cjs`] = Object.keys(inputs)
    .filter((p) => !p.startsWith('core:') && p !== 'core-layer.js')
    .map((p) => key(resolve(root, p)));
}

// The loader the entries require (src/lib-loader.ts and the code cache it uses).
await build({
  ...common,
  ...commonJsFile,
  entryPoints: [`${dist}src/lib-loader.js`],
  outfile: `${out}loader.cjs`,
});
manifest['loader.cjs'] = ['dist/src/lib-loader.js', 'dist/src/code-cache.js'];

// The entries: ES modules with the names each source entry exports (esbuild lists them).
for (const [name, stub] of Object.entries(stubs)) {
  const probe = await build({
    ...common,
    format: 'esm',
    entryPoints: [entries[name]],
    write: false,
    metafile: true,
  });
  const names = Object.values(probe.metafile.outputs)[0].exports.filter((n) => n !== 'default');
  writeFileSync(
    `${out}${stub}.js`,
    `// The '${name === 'core' ? 'tsbpf' : `tsbpf/${name}`}' entry, written by scripts/bundle-lib.mjs: the ${name} layer (src/lib-loader.ts).\n` +
      "import { createRequire } from 'node:module';\nimport * as typedBinary from 'typed-binary';\n\n" +
      `const layer = createRequire(import.meta.url)('./loader.cjs').loadLayer('${name}', { 'typed-binary': typedBinary });\n` +
      `export const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = layer;\n`,
  );
  manifest[`${stub}.js`] = [];
}
writeFileSync(`${out}manifest.json`, `${JSON.stringify(manifest, null, 1)}\n`);

for (const name of Object.keys(entries)) checkWrappedBundle(`${out}${name}.cjs`, `dist/lib/${name}.cjs`);
