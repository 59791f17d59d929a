// Every ```ts block of docs/probes.md and docs/getting-started.md runs as written, against the real kernel.
import { runDocBlocks } from '../support/doc-blocks.js';

runDocBlocks('probes.md', 8);
runDocBlocks('getting-started.md', 1);

// The plain-JavaScript block of getting-started.md runs under this Node as an .mjs file (the
// package resolving itself by name, as a user's would), and its claim holds: Node 20 does not
// parse `using` in an .mjs file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

it.skipIf(!kernelAvailable())('getting-started.md: the ```js block runs in plain Node as .mjs', () => {
  const doc = readFileSync(join(ROOT, 'docs/getting-started.md'), 'utf8');
  const blocks = [...doc.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
  expect(blocks.length).toBeGreaterThan(0);
  const dir = mkdtempSync(join(ROOT, 'dist', '.docs-js-'));
  try {
    for (const [i, code] of blocks.entries()) {
      const file = join(dir, `block${i}.mjs`);
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('opened /etc/hostname');
    }
    const file = join(dir, 'using.mjs');
    writeFileSync(file, 'using x = { [Symbol.dispose]() {} };\n');
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8' });
    if (Number(process.versions.node.split('.')[0]) === 20) expect(r.stderr).toMatch(/SyntaxError/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
