// A new user's project: the packed package (npm pack) installed into an empty directory with its
// dependencies, and TypeScript's strictest settings — strict, exactOptionalPropertyTypes,
// noUncheckedIndexedAccess, skipLibCheck off, lib ES2022 + esnext.disposable (no DOM, no ESNext).
// The TypeScript examples of the README, docs/probes.md, objects.md and getting-started.md must
// compile there as written, and so must
// test/types/fixtures/consumer-types.ts (what the editor infers: typed keys, arguments, per-CPU values).
// npm installs from its cache when offline (--prefer-offline); TypeScript is the repository's.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const dir = mkdtempSync(join(tmpdir(), `tsbpf-consumer-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2022', 'esnext.disposable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
    types: ['node'],
  },
  include: ['*.ts'],
};

/** The ```ts blocks of a Markdown file. */
function tsBlocks(doc: string): string[] {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);
}

it('the packed package type-checks the README and guide examples and the type tests in a strict project', () => {
  // dist/ is built (npm test builds first); --ignore-scripts: no second build inside the test.
  execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string;
  const nodeTypes = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).devDependencies[
    '@types/node'
  ];
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: { tsbpf: `file:./${tarball}`, '@types/node': nodeTypes },
    }),
  );
  execFileSync(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'],
    {
      cwd: dir,
      timeout: 240_000,
    },
  );
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const files: string[] = [];
  for (const doc of ['README.md', 'docs/probes.md', 'docs/objects.md', 'docs/getting-started.md'])
    tsBlocks(doc).forEach((code, i) => {
      const name = `${doc.replace(/\W/g, '-')}-${i + 1}.ts`;
      writeFileSync(join(dir, name), code);
      files.push(name);
    });
  expect(files.length).toBeGreaterThanOrEqual(9);
  copyFileSync(join(ROOT, 'test', 'types', 'fixtures', 'consumer-types.ts'), join(dir, 'consumer-types.ts'));
  const r = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8', cwd: dir });
  expect(`${r.stdout}${r.stderr}`).toBe('');
  expect(r.status).toBe(0);
}, 300_000);
