// The whole conformance suite through the library API: every program in tests/ gives the
// expected r0 in the interpreter.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConformanceTest, runConformance } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const DIR = '/work/shared/conformance/tests';
const tests = readdirSync(DIR)
  .filter((f) => f.endsWith('.data'))
  .sort()
  .map((f) => parseConformanceTest(f, readFileSync(join(DIR, f), 'utf8')));

describe('conformance suite in the interpreter', () => {
  it('passes all 313 programs', () => {
    expect(tests.length).toBe(313);
    const report = runConformance(tests);
    const failures = report.results
      .filter((r) => !r.passed)
      .map((r) => `${r.name}: expected ${r.expected}, got ${r.got}`);
    expect(failures).toEqual([]);
    expect(`${report.passed} passed, ${report.failed} failed`).toBe('313 passed, 0 failed');
  });
});
