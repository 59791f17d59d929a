// Bundles the command line into dist/cli/: one CommonJS file per command (commands/<name>.cjs:
// main.ts with that command's modules and what they need), a dispatcher-only tsbpf.cjs for help
// and unknown words, and tsbpf.js, the executable (CommonJS too), which picks the file for the
// command it is given and runs it through V8's code cache (src/cli/code-cache.ts).
//
// Why a file per command: a process runs one command, and start-up pays for every byte of the file
// it runs (read, decode, then the cached code's deserialization and the bundle's top level) whether
// the bytes are used or not. One bundle of every command was ~0.9 MB; `tsbpf trace` needs about half
// of that, `tsbpf asm` a fifth and `tsbpf btf` a twentieth. Node's ES module loader would cost about
// as much per file as compiling a small one, hence bundles at all. Within a bundle, a command's
// own rarely used modules are still evaluated only when used (esbuild keeps import() lazy).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { checkWrappedBundle, commonJsFile, wrappedBundle } from './wrapped-bundle.mjs';

const dist = new URL('../dist/', import.meta.url).pathname;
const out = `${dist}cli/`;
const mainFile = `${dist}src/cli/main.js`;
rmSync(out, { recursive: true, force: true });

// The command table in main.ts: `name: { summary: …, load: () => import('./module.js') }`.
const mainText = readFileSync(mainFile, 'utf8');
const commands = [
  ...mainText.matchAll(
    /(?:'([a-z-]+)'|([a-z]+)): \{\s*summary:[\s\S]*?load: \(\) => import\('\.\/([\w-]+)\.js'\)/g,
  ),
].map((m) => ({ name: m[1] ?? m[2], module: m[3] }));
const loads = mainText.match(/\bimport\(/g)?.length ?? 0;
if (commands.length === 0 || commands.length !== loads)
  throw new Error(`src/cli/main.ts: read ${commands.length} commands but it has ${loads} import() calls`);

/**
 * An esbuild plugin for one command's bundle: in main.js, the command's own import() becomes a
 * static import (it is always loaded), and every other command's a rejection that names the
 * mistake (the executable never runs a bundle for another command's name).
 */
function onlyCommand(keep) {
  return {
    name: 'only-command',
    setup(b) {
      b.onLoad({ filter: /\/src\/cli\/main\.js$/ }, () => {
        let head = '';
        const contents = mainText.replace(/\bimport\('\.\/([\w-]+)\.js'\)/g, (_whole, module) => {
          if (module !== keep)
            return `Promise.reject(new Error('dist/cli: ${module}.js is not in this bundle'))`;
          head = `import * as __command from './${module}.js';\n`;
          return 'Promise.resolve(__command)';
        });
        return { contents: head + contents, loader: 'js' };
      });
    },
  };
}

const common = {
  ...wrappedBundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  // koffi is a native addon: loaded from node_modules at run time. yaml (CommonJS requiring node
  // builtins) and bcryptjs, which only `tsbpf serve` uses, load from there too.
  external: ['koffi', 'yaml', 'bcryptjs'],
};
const bundles = [{ file: `${out}tsbpf.cjs`, keep: undefined }];
for (const { name, module } of commands) bundles.push({ file: `${out}commands/${name}.cjs`, keep: module });
await Promise.all(
  bundles.map(({ file, keep }) =>
    build({ ...common, entryPoints: [mainFile], outfile: file, plugins: [onlyCommand(keep)] }),
  ),
);
await build({
  ...commonJsFile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
  entryPoints: [`${dist}src/cli/launch.js`],
  outfile: `${out}tsbpf.js`,
});
// CommonJS: Node starts a CommonJS main ~5 ms sooner than an ES module one.
writeFileSync(`${out}package.json`, '{ "type": "commonjs" }\n');

for (const { file } of bundles) checkWrappedBundle(file, file.slice(dist.length - 5));
