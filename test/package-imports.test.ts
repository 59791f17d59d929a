// `import 'tsbpf'` loads the kernel side only: not the CLI, the assembler, the interpreter, the
// conformance runner or the ISA explainer (those are in 'tsbpf/isa' and load when used), nor the
// C header printer (in 'tsbpf/btf'; probes keep only btf/cdecl.ts, an argument's C type). Checked
// on the built package (npm run build), as a user's process loads it: the entries in package.json
// are small ES modules that load CommonJS layers (dist/lib/*.cjs, src/lib-loader.ts), and
// dist/lib/manifest.json says which source modules each file holds.
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from './support/loaded-modules.js';

const dist = (p: string) => pathToFileURL(fileURLToPath(new URL(`../dist/${p}`, import.meta.url))).href;
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** The file a package entry ('.', './isa', './btf') resolves to, as a URL. */
const entry = (name: string) =>
  pathToFileURL(fileURLToPath(new URL(`../${pkg.exports[name].default}`, import.meta.url))).href;
const lib = dist('lib/');
const manifest: Record<string, string[]> = JSON.parse(
  readFileSync(new URL('../dist/lib/manifest.json', import.meta.url), 'utf8'),
);
/** Loaded module URLs, with each bundle file replaced by the source modules (dist/…) it holds. */
const sources = (loaded: string[]) =>
  loaded.flatMap((u) => {
    if (!u.startsWith(lib)) return [u];
    const inputs = manifest[u.slice(lib.length)];
    if (!inputs) throw new Error(`${u} is not in dist/lib/manifest.json`);
    return inputs.map((p) => dist(p.replace(/^dist\//, '')));
  });
const COLD = [
  /\/dist\/src\/cli\//,
  /\/dist\/cli\//,
  /\/isa\/assembler/,
  /\/isa\/asm\//,
  /\/isa\/interp/,
  /\/isa\/conformance/,
  /\/isa\/explain/,
  /\/isa\/docs/,
  /\/btf\/cdump/,
];

describe("import 'tsbpf'", () => {
  it('is a few files, not one module per source file: the entry, the loader and one layer', () => {
    expect(pkg.exports['.'].default).toBe('./dist/lib/index.js');
    const loaded = loadedModules(`import * as tsbpf from ${JSON.stringify(entry('.'))};\n`);
    const ours = loaded.filter((u) => u.startsWith(lib));
    // The check can fail: it sees the entry itself, and the files the loader reads.
    expect(ours).toEqual([entry('.'), `${lib}loader.cjs`, `${lib}core.cjs`]);
    expect(loaded.filter((u) => u.startsWith(dist('')) && !u.startsWith(lib))).toEqual([]);
  });

  it('loads none of the CLI, assembler, interpreter, conformance runner, explainer or C header printer', () => {
    const loaded = sources(
      loadedModules(
        `import * as tsbpf from ${JSON.stringify(entry('.'))};\nif (!tsbpf.Program) throw new Error('no Program');\n`,
      ),
    );
    // The check can fail: the package's own modules are seen.
    expect(loaded.some((u) => u.endsWith('/dist/src/program.js'))).toBe(true);
    expect(loaded.filter((u) => COLD.some((re) => re.test(u)))).toEqual([]);
  });

  it("'tsbpf/isa' still gives the assembler and the interpreter", () => {
    const loaded = sources(
      loadedModules(
        `import { assemble, Interpreter } from ${JSON.stringify(entry('./isa'))};\nif (!assemble || !Interpreter) throw new Error('missing');\n`,
      ),
    );
    expect(loaded.some((u) => /\/isa\/(assembler|asm\/)/.test(u))).toBe(true);
    expect(loaded.some((u) => /\/isa\/interp/.test(u))).toBe(true);
  });

  it('holds each source module in one layer only (an outer layer takes the shared ones from core)', () => {
    const where = new Map<string, string[]>();
    for (const [file, inputs] of Object.entries(manifest))
      for (const input of inputs) where.set(input, [...(where.get(input) ?? []), file]);
    expect([...where].filter(([, files]) => files.length > 1)).toEqual([]);
    expect(where.get('dist/isa/asm/assemble.js')).toEqual(['isa.cjs']);
    expect(where.get('dist/btf/raw.js')).toEqual(['btf.cjs']);
    expect(where.get('dist/btf/cdump.js')).toEqual(['btf.cjs']);
    expect(where.get('dist/src/program.js')).toEqual(['core.cjs']);
  });

  it('gives one class to every entry that exports it', async () => {
    const main = await import(entry('.'));
    const isa = await import(entry('./isa'));
    const btf = await import(entry('./btf'));
    for (const name of ['Builder', 'BuilderError', 'AssemblerError']) {
      expect(main[name]).toBeTypeOf('function');
      expect(isa[name]).toBe(main[name]);
    }
    // A Btf that the main entry parsed is a 'tsbpf/btf' Btf.
    const parsed = main.readBtfFile(fileURLToPath(new URL('./fixtures/btf/types.btf', import.meta.url)));
    expect(parsed).toBeInstanceOf(btf.Btf);
  });
});
