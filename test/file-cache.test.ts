// FileCache (src/file-cache.ts), over real files: a value is built once per file while the file
// stays the same, again when it is rewritten or replaced, and the entries are dropped at the limit.
import { mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { FileCache } from '../src/file-cache.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-file-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('keeps a value while the file is the same, and builds it again when the file changes', () => {
  const file = join(dir, 'a');
  writeFileSync(file, 'one');
  const cache = new FileCache<number>();
  let builds = 0;
  const get = () => cache.get(file, statSync(file), () => ++builds);
  expect([get(), get()]).toEqual([1, 1]);
  // Same size, another mtime.
  writeFileSync(file, 'two');
  utimesSync(file, new Date(2001, 0, 1), new Date(2001, 0, 1));
  expect(get()).toBe(2);
  // Same size and mtime, another inode (a package upgrade renames a new file into place).
  const next = join(dir, 'a.new');
  writeFileSync(next, 'two');
  utimesSync(next, new Date(2001, 0, 1), new Date(2001, 0, 1));
  renameSync(next, file);
  expect(get()).toBe(3);
  expect(get()).toBe(3);
});

it('drops its entries when the limit is reached', () => {
  const cache = new FileCache<string>(2);
  const files = ['x', 'y', 'z'].map((name) => {
    const file = join(dir, name);
    writeFileSync(file, name);
    return file;
  });
  const built: string[] = [];
  const get = (file: string) =>
    cache.get(file, statSync(file), () => {
      built.push(file);
      return file;
    });
  for (const f of files) get(f);
  get(files[2] as string);
  get(files[0] as string);
  expect(built).toEqual([...files, files[0]]);
});
