// Bundles the library entries ('tsbpf', 'tsbpf/isa', 'tsbpf/btf') into dist/lib/ from the tsc
// output in dist/: a few shared chunks instead of ~140 ES modules. Node's ES module loader costs
// about as much per module (resolve, read, link) as compiling a small one, and it was most of
// `import 'tsbpf'`. The three entries are one build, so a class has one identity whichever entry
// a user imports it from; the types stay the tsc declarations in dist/.
//
// A dynamic import() in the sources keeps code out of a command's start-up in the CLI bundle.
// In the library, most of their targets are exported by the main entry anyway, and esbuild makes
// a chunk boundary at each one: those become static namespace imports here (the code is loaded
// either way), so the main entry is a handful of files. Targets outside the main entry's static
// graph (the probe-point suggester, the metrics server's bcrypt) stay lazy chunks.
import { rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { dynamicExternal, eagerImports } from './eager-imports.mjs';

const root = new URL('../', import.meta.url).pathname;
const dist = `${root}dist/`;
const out = `${dist}lib/`;
const entryPoints = { index: `${dist}src/index.js`, isa: `${dist}isa/index.js`, btf: `${dist}btf/index.js` };
// Loaded from node_modules at run time: a native addon, and packages with their own module graph.
const external = ['koffi', 'yaml', 'bcryptjs', 'typed-binary'];
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  logLevel: 'warning',
};
// Pass 1: the main entry's static module graph (dynamic imports left out as external).
const graph = await build({
  ...common,
  entryPoints: [entryPoints.index],
  write: false,
  metafile: true,
  plugins: [dynamicExternal],
});
const eager = new Set(Object.keys(graph.metafile.inputs).map((p) => resolve(root, p)));

// Pass 2: the bundle, with import() of an already-loaded module made a static namespace import.
rmSync(out, { recursive: true, force: true });
const result = await build({
  ...common,
  entryPoints,
  outdir: out,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  plugins: [eagerImports((importer, target) => eager.has(importer) && eager.has(target))],
});

// Which source modules each output file holds: lets a test check what `import 'tsbpf'` loads.
const manifest = {};
for (const [file, o] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.js')) continue;
  manifest[resolve(root, file).slice(out.length)] = Object.keys(o.inputs).map((p) =>
    resolve(root, p).slice(root.length),
  );
}
writeFileSync(`${out}manifest.json`, `${JSON.stringify(manifest, null, 1)}\n`);
