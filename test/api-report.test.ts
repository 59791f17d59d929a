// The committed API report (api/*.api.md) matches what the package entry points export: a change
// to the public API fails here until the report is regenerated and committed with it, so the
// change is visible in review. Regenerate: node scripts/api-report.mjs --write
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../scripts/api-report.mjs', import.meta.url));

it('api/*.api.md is the current public API', () => {
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' });
  expect(r.stderr + r.stdout).not.toContain('differs from the committed report');
  expect(r.status).toBe(0);
}, 600_000);
