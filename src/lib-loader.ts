// The library's entries (dist/lib/index.js, isa.js and btf.js, small ES modules that
// scripts/bundle-lib.mjs writes) each ask this loader for a layer of the package: a CommonJS
// bundle run through V8's code cache (src/code-cache.ts), as the CLI runs its commands.
//   core.cjs  what `import 'tsbpf'` needs (the kernel side, BTF parsing, the builder, ...)
//   isa.cjs   what only 'tsbpf/isa' adds (the assembler, the interpreter, the explainer, ...)
//   btf.cjs   what only 'tsbpf/btf' adds (the C and raw printers, ...)
// An outer layer takes every module it shares with core from core itself (its bundle requires
// 'tsbpf:core'), so a class is one class whichever entry it came from, and `import 'tsbpf'`
// reads no byte of the outer layers. Why bundles at all: Node's ES module loader costs about as
// much per module as compiling a small one, and compiling is most of the rest.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CachedScript, compileCached, runAsModule } from './code-cache.js';
import { clockMs, phaseBetween, timed } from './timing.js';

export type LayerName = 'core' | 'isa' | 'btf';
type Exports = Record<string, unknown>;

const here = dirname(fileURLToPath(import.meta.url));
const requireHere = createRequire(import.meta.url);
const layers = new Map<LayerName, Exports>();
/** Packages an entry hands over as its ES imports see them (typed-binary: one instance, one MaxValue). */
const given = new Map<string, unknown>();
const unsaved: CachedScript[] = [];

/** The exports of layer `name` (and of the layers under it), loaded once per process. */
export function loadLayer(name: LayerName, packages: Record<string, unknown> = {}): Exports {
  for (const [id, value] of Object.entries(packages)) if (!given.has(id)) given.set(id, value);
  return layer(name);
}

function layer(name: LayerName): Exports {
  const done = layers.get(name);
  if (done) return done;
  const file = join(here, `${name}.cjs`);
  const start = clockMs();
  const compiled = compileCached(file, `lib-${name}`);
  // TSBPF_TIMING=1: a line like the CLI's, the cache's state in it.
  phaseBetween(`library ${name} layer compile (code cache ${compiled.state})`, start, clockMs());
  if (compiled.save) {
    // A library cannot tell when its user's start-up is over: the code compiled by the time the
    // process exits is the code a next run will want. Saved once, on a miss only.
    if (unsaved.length === 0)
      process.once('exit', () => {
        for (const c of unsaved) c.save?.();
      });
    unsaved.push(compiled);
  }
  const exports = timed(
    `library ${name} layer modules`,
    () => runAsModule(compiled.script, file, require_) as Exports,
  );
  layers.set(name, exports);
  return exports;
}

/** The `require` of a layer's bundle: core for the outer layers, given packages, else Node's. */
function require_(id: string): unknown {
  if (id === 'tsbpf:core') return layer('core');
  if (given.has(id)) return given.get(id);
  return requireHere(id);
}
