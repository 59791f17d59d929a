// Tests mirror the source tree: a folder of tests under test/ is named after what it covers — a
// source folder (test/link ↔ src/link, test/format/object ↔ src/format/object, test/isa/builder ↔
// isa/builder) or a file of src/, isa/ or btf/ with its tests (test/map ↔ src/map.ts). The few
// suites that cover the whole project rather than one part are listed here with the reason.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../../scripts/layers.mjs';

const WHOLE_PROJECT: Record<string, string> = {
  architecture: 'the layers and this mirroring, over every folder',
  types: 'the published package as a consumer compiles it',
  vm: 'the kprobe and fentry suites, run inside a qemu guest',
};

function testFolders(dir: string, out: string[] = []): string[] {
  const entries = readdirSync(join(ROOT, dir));
  if (dir !== 'test' && entries.some((e) => /\.test\.ts$/.test(e))) out.push(dir.slice('test/'.length));
  for (const e of entries)
    if (e !== 'fixtures' && e !== 'support' && statSync(join(ROOT, dir, e)).isDirectory())
      testFolders(`${dir}/${e}`, out);
  return out;
}

/** The source a test folder mirrors, or undefined. */
function mirrored(folder: string): string | undefined {
  const candidates = [
    `src/${folder}/`,
    `src/${folder}.ts`,
    `${folder}/`,
    ...['isa', 'btf'].flatMap((top) => [`${top}/${folder}/`, `${top}/${folder}.ts`]),
  ];
  return candidates.find((c) => existsSync(join(ROOT, c)));
}

it('every test folder is named after the source folder or file it covers', () => {
  const folders = testFolders('test');
  expect(folders).toContain('format/object');
  const unmatched = folders.filter((f) => !(f.split('/')[0] in WHOLE_PROJECT) && mirrored(f) === undefined);
  expect(
    unmatched,
    'test folders with no source of that name (move them, or name the source they cover)',
  ).toEqual([]);
});

it('the project-wide suites listed here exist', () => {
  for (const f of Object.keys(WHOLE_PROJECT)) expect(existsSync(join(ROOT, 'test', f)), f).toBe(true);
});
