// Bundles the command line into dist/cli/: one file per command (each command's own code and
// everything only it needs) plus shared chunks, instead of ~80 ES modules. Resolving and
// compiling many small modules is most of a cold start; `tsbpf trace` must start close to a
// bare `node`. The library entries are bundled separately (scripts/bundle-lib.mjs).
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('../dist/cli/', import.meta.url).pathname;
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: { tsbpf: new URL('../dist/src/cli/main.js', import.meta.url).pathname },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // koffi is a native addon: loaded from node_modules at run time. yaml (CommonJS requiring
  // node builtins) and bcryptjs, which only `tsbpf serve` imports, load from there too.
  external: ['koffi', 'yaml', 'bcryptjs'],
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
