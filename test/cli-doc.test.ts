// docs/cli.md is the commands' own --help texts: it must be current.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, no types
import { cliDoc } from '../scripts/cli-doc.mjs';

it("docs/cli.md matches every command's --help (regenerate: node scripts/cli-doc.mjs)", () => {
  expect(readFileSync(new URL('../docs/cli.md', import.meta.url), 'utf8')).toBe(cliDoc());
});
