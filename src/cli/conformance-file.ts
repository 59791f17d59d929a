// A conformance test file as `tsbpf run` and `tsbpf conformance` read it: a section that includes
// another file (`-- asm @ prog.asm`, as ubpf's tests do) reads it relative to the test file.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type ConformanceTest, parseConformanceTest } from '../../isa/index.js';

/** Parses `text`, the contents of `path` (undefined: stdin, includes relative to the cwd). */
export function parseConformanceFile(name: string, text: string, path: string | undefined): ConformanceTest {
  const dir = path === undefined ? process.cwd() : dirname(path);
  return parseConformanceTest(name, text, { include: (file) => readFileSync(resolve(dir, file), 'utf8') });
}
