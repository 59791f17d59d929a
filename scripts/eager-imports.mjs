// An esbuild plugin for the bundles: turns chosen `import('./x.js')` calls in the tsc output into
// static namespace imports (`Promise.resolve(ns)`), so that esbuild does not cut a chunk at them.
// Every import() is a chunk boundary, and Node's ES module loader costs about as much per file as
// compiling a small one: where the target is loaded on the same path anyway, the boundary only
// costs. `eager(importer, target)` (absolute paths) says which calls to make static.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

const DYNAMIC = /\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g;

/** @param {(importer: string, target: string) => boolean} eager */
export function eagerImports(eager) {
  return {
    name: 'eager-dynamic-imports',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import(')) return undefined;
        const imports = [];
        // Line by line, leaving comments alone (they quote import() in examples).
        const contents = text
          .split('\n')
          .map((line) =>
            /^\s*(\/\/|\*|\/\*)/.test(line)
              ? line
              : line.replace(DYNAMIC, (whole, _q, spec) => {
                  const target = resolve(dirname(args.path), spec);
                  if (!existsSync(target) || !eager(args.path, target)) return whole;
                  const name = `__eager${imports.length}`;
                  imports.push(`import * as ${name} from ${JSON.stringify(spec)};`);
                  return `Promise.resolve(${name})`;
                }),
          )
          .join('\n');
        if (imports.length === 0) return undefined;
        return {
          contents: `${imports.join('\n')}\n${contents}`,
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/** An esbuild plugin that leaves every import() out of the bundle: for finding an entry's static graph. */
export const dynamicExternal = {
  name: 'dynamic-external',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'dynamic-import' ? { external: true } : undefined,
    );
  },
};
