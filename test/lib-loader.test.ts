// The library's loader (src/lib-loader.ts), through a real process importing the built package:
// the layers' code cache is saved when a first run exits and used by the next, an outer layer
// shares core's classes, and TSBPF_CODE_CACHE=0 leaves nothing behind. States are read from the
// TSBPF_TIMING=1 lines.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../dist/lib/', import.meta.url));
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tsbpf-libcache-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Runs an ES module importing the entries; returns the layers' cache states and stdout. */
function run(code: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: home, TSBPF_TIMING: '1', ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  const states = Object.fromEntries(
    [...r.stderr.matchAll(/library (\w+) layer compile \(code cache (\w+)\)/g)].map((m) => [m[1], m[2]]),
  );
  return { states, stdout: r.stdout };
}

const TYPES = fileURLToPath(new URL('./fixtures/btf/types.btf', import.meta.url));
const BOTH = `import { Builder, readBtfFile } from ${JSON.stringify(`${LIB}index.js`)};
import * as isa from ${JSON.stringify(`${LIB}isa.js`)};
import * as btf from ${JSON.stringify(`${LIB}btf.js`)};
const bytes = isa.assemble('r0 = 7\\nexit\\n').bytes;
const parsed = readBtfFile(${JSON.stringify(TYPES)});
console.log(isa.Builder === Builder, parsed instanceof btf.Btf, Buffer.from(bytes).toString('hex'));`;
const files = () => readdirSync(join(home, 'tsbpf')).sort();

it('a first run misses and saves each layer it loaded at exit; the next hits, with the same result', () => {
  const first = run(BOTH);
  expect(first.states).toEqual({ core: 'miss', isa: 'miss', btf: 'miss' });
  expect(first.stdout).toBe('true true b7000000070000009500000000000000\n');
  expect(files().map((f) => f.split('-').slice(0, 2).join('-'))).toEqual(['lib-btf', 'lib-core', 'lib-isa']);
  const second = run(BOTH);
  expect(second.states).toEqual({ core: 'hit', isa: 'hit', btf: 'hit' });
  expect(second.stdout).toBe(first.stdout);
});

it("import 'tsbpf' alone reads the core layer only", () => {
  expect(run(`import ${JSON.stringify(`${LIB}index.js`)};`).states).toEqual({ core: 'miss' });
  expect(files()).toHaveLength(1);
});

it('TSBPF_CODE_CACHE=0 is off and writes nothing', () => {
  expect(run(BOTH, { TSBPF_CODE_CACHE: '0' }).states).toEqual({ core: 'off', isa: 'off', btf: 'off' });
  expect(readdirSync(home)).toEqual([]);
});

it("the outer layers hold core's bindings as constants of their own, read once, not through getters", () => {
  // esbuild's CommonJS interop would reach each core function through two getters per use (the
  // namespace object and its copy): a third of the assembler's speed. scripts/bundle-lib.mjs
  // destructures each shared module into constants instead.
  for (const layer of ['isa.cjs', 'btf.cjs']) {
    const text = readFileSync(join(LIB, layer), 'latin1');
    const uses = [...text.matchAll(/\.__modules\[("[^"]+")\](;var\{[\w$, ]+\}=\w+;)?/g)];
    expect(uses.length, layer).toBeGreaterThan(0);
    for (const [, path, destructured] of uses) expect(destructured, `${layer} ${path}`).toBeDefined();
    // esbuild's interop copy of a CommonJS module, made when one is imported as such.
    expect(/__toESM\(/.test(text), `${layer} imports a module through __toESM`).toBe(false);
  }
});
