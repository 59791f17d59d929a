// `import 'tsbpf'` loads the kernel side only: not the CLI, the assembler, the interpreter, the
// conformance runner or the ISA explainer (those are in 'tsbpf/isa' and load when used). Checked
// on the built package (npm run build), as a user's process loads it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from './support/loaded-modules.js';

const dist = (p: string) => pathToFileURL(fileURLToPath(new URL(`../dist/${p}`, import.meta.url))).href;
const COLD = [
  /\/dist\/src\/cli\//,
  /\/dist\/cli\//,
  /\/isa\/assembler/,
  /\/isa\/asm\//,
  /\/isa\/interp/,
  /\/isa\/conformance/,
  /\/isa\/explain/,
  /\/isa\/docs/,
];

describe("import 'tsbpf'", () => {
  it('loads none of the CLI, assembler, interpreter, conformance runner or explainer', () => {
    const loaded = loadedModules(
      `import * as tsbpf from ${JSON.stringify(dist('src/index.js'))};\nif (!tsbpf.Program) throw new Error('no Program');\n`,
    );
    // The check can fail: the package's own modules are seen.
    expect(loaded.some((u) => u.endsWith('/dist/src/program.js'))).toBe(true);
    expect(loaded.filter((u) => COLD.some((re) => re.test(u)))).toEqual([]);
  });

  it("'tsbpf/isa' still gives the assembler and the interpreter", () => {
    const loaded = loadedModules(
      `import { assemble, Interpreter } from ${JSON.stringify(dist('isa/index.js'))};\nif (!assemble || !Interpreter) throw new Error('missing');\n`,
    );
    expect(loaded.some((u) => /\/isa\/(assembler|asm\/)/.test(u))).toBe(true);
    expect(loaded.some((u) => /\/isa\/interp/.test(u))).toBe(true);
  });
});
