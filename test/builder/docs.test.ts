// Runs every ```ts block of docs/builder.md as a module, so the guide cannot drift from the API.
// Blocks that load programs need the kernel; on a machine without it they are skipped.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.js';

const doc = readFileSync(new URL('../../docs/builder.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
const dir = join(tmpdir(), `tsbpf-builder-docs-${process.pid}`);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/builder.md examples run', () => {
  it('the guide has examples', () => {
    if (blocks.length < 6) throw new Error(`only ${blocks.length} ts blocks found`);
  });
  blocks.forEach((code, i) => {
    const needsKernel = /from 'tsbpf';/.test(code);
    const title = `block ${i + 1}: ${code.split('\n').find((l) => l.startsWith('//') || l.startsWith('const b'))}`;
    it.skipIf(needsKernel && !kernelAvailable())(title, async () => {
      const file = join(dir, `block${i + 1}.ts`);
      writeFileSync(file, code);
      await import(/* @vite-ignore */ file);
    });
  });
});
