// Bundles the command line into dist/cli/: tsbpf.cjs, every command and what it needs in one
// CommonJS file, and tsbpf.js, the executable (CommonJS too) that runs it through V8's code cache
// (src/cli/code-cache.ts). Node's ES module loader costs about as much per file as compiling a
// small one, and compiling is most of the rest: one file whose compiled code is cached starts
// `tsbpf trace` ~60 ms sooner than ~60 ES module chunks did (bench/startup.ts measures it). The
// commands' own modules are still evaluated only when used (esbuild keeps import() lazy).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const dist = new URL('../dist/', import.meta.url).pathname;
const out = `${dist}cli-old/`;
rmSync(out, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  // import.meta.url of the modules inside: the bundle's own URL.
  define: { 'import.meta.url': '__tsbpfBundleUrl' },
  banner: { js: "var __tsbpfBundleUrl=require('node:url').pathToFileURL(__filename).href;" },
};
await build({
  ...common,
  entryPoints: [`${dist}src/cli/main.js`],
  outfile: `${out}tsbpf.cjs`,
  // No comments or indentation: less to read on each start (identifiers are kept: class names
  // and stacks stay as written; renaming them would save ~20% more).
  minifyWhitespace: true,
  // koffi is a native addon: loaded from node_modules at run time. yaml (CommonJS requiring node
  // builtins) and bcryptjs, which only `tsbpf serve` uses, load from there too.
  external: ['koffi', 'yaml', 'bcryptjs'],
});
await build({
  ...common,
  entryPoints: [`${dist}src/cli/launch.js`],
  outfile: `${out}tsbpf.js`,
});
// CommonJS: Node starts a CommonJS main ~5 ms sooner than an ES module one.
writeFileSync(`${out}package.json`, '{ "type": "commonjs" }\n');

// The launcher reads the bundle as latin1 (a cheaper decode than UTF-8): exact only for ASCII.
// An import() left in it would need a dynamic-import host that vm.Script lacks on Node 20.
const bundle = readFileSync(`${out}tsbpf.cjs`, 'latin1');
const wide = bundle.search(/[\x80-\xff]/);
if (wide >= 0) throw new Error(`dist/cli/tsbpf.cjs: a non-ASCII character at offset ${wide}`);
const dynamic = /\bimport\(/.exec(bundle);
if (dynamic)
  throw new Error(
    `dist/cli/tsbpf.cjs: an import() at offset ${dynamic.index}: ${bundle.slice(dynamic.index, dynamic.index + 60)}`,
  );
