// Runs every ```ts block of a guide in docs/ as a module, so a guide cannot drift from the API.
// Blocks that import 'tsbpf' (the kernel side) skip on a machine without bpf(2).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { kernelAvailable } from './kernel.js';

/** `section`: only the blocks under that `## ` heading (up to the next one). */
export function runDocBlocks(guide: string, minBlocks: number, section?: string): void {
  let doc = readFileSync(new URL(`../../docs/${guide}`, import.meta.url), 'utf8');
  if (section !== undefined) {
    const start = doc.indexOf(`\n## ${section}\n`);
    if (start < 0) throw new Error(`docs/${guide} has no section '## ${section}'`);
    const end = doc.indexOf('\n## ', start + 1);
    doc = doc.slice(start, end < 0 ? undefined : end);
  }
  const blocks = [...doc.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
  const dir = join(tmpdir(), `tsbpf-docs-${`${guide}${section ?? ''}`.replace(/\W/g, '-')}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe(`docs/${guide}${section ? ` (${section})` : ''} examples run`, () => {
    it('the guide has examples', () => {
      if (blocks.length < minBlocks) throw new Error(`only ${blocks.length} ts blocks found`);
    });
    for (const [i, code] of blocks.entries()) {
      const needsKernel = /from 'tsbpf';/.test(code);
      const title = `block ${i + 1}: ${code.split('\n').find((l) => l.startsWith('//') || l.startsWith('const b'))}`;
      it.skipIf(needsKernel && !kernelAvailable())(title, async () => {
        const file = join(dir, `block${i + 1}.ts`);
        writeFileSync(file, code);
        await import(/* @vite-ignore */ file);
      });
    }
  });
}
