// `tsbpf conformance [DIR] [--kernel]`: runs the BPF conformance suite's test files and prints
// one line per failure, then `N passed, N failed`. The interpreter is the default engine;
// --kernel loads each program into this kernel (XDP + BPF_PROG_TEST_RUN, src/conformance-kernel.ts).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ConformanceEngine,
  type ConformanceTest,
  conformanceProgram,
  interpreterEngine,
  runConformance,
} from '../../isa/index.js';
import { command } from './command.js';
import { parseConformanceFile } from './conformance-file.js';
import { UsageError } from './usage.js';

const DEFAULT_DIR = '/work/shared/conformance/tests';

const HELP = `usage: tsbpf conformance [DIR] [--kernel]

Runs every *.data file of the BPF conformance suite in DIR (default ${DEFAULT_DIR} when it exists).
Prints one line per failure (file, expected, got) and ends with 'N passed, N failed'; exit 1 on any failure.
  --kernel     run the programs in this kernel (needs root) instead of the interpreter
  -h, --help   show this help
`;

/** The kernel engine: each program becomes the suite's XDP stub + subprogram, run by BPF_PROG_TEST_RUN. */
async function kernelEngine(): Promise<ConformanceEngine> {
  const { runOnKernel } = await import('../conformance-kernel.js');
  return {
    name: 'kernel',
    run(test: ConformanceTest) {
      try {
        const out = runOnKernel(conformanceProgram(test), test.mem);
        return out.kind === 'ok' ? { r0: out.r0 } : { error: `verifier: ${out.reason}` };
      } catch (e) {
        return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
      }
    },
  };
}

export const run = command({
  help: HELP,
  options: { kernel: { type: 'boolean' } },
  async run(values, positionals) {
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const dir = positionals[0] ?? (existsSync(DEFAULT_DIR) ? DEFAULT_DIR : undefined);
    if (dir === undefined) throw new UsageError(`no DIR given and ${DEFAULT_DIR} does not exist`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      process.stderr.write(`tsbpf conformance: ${dir} is not a directory\n`);
      return 1;
    }
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.data'))
      .sort();
    if (files.length === 0) {
      process.stderr.write(`tsbpf conformance: no .data files in ${dir}\n`);
      return 1;
    }
    const tests: ConformanceTest[] = [];
    const unreadable: string[] = [];
    for (const f of files) {
      try {
        const path = join(dir, f);
        tests.push(parseConformanceFile(f, readFileSync(path, 'utf8'), path));
      } catch (e) {
        unreadable.push(`${f}: ${(e as Error).message}`);
      }
    }
    const engine = values.kernel ? await kernelEngine() : interpreterEngine;
    const report = runConformance(tests, engine);
    for (const line of unreadable) process.stdout.write(`${line}\n`);
    for (const r of report.results)
      if (!r.passed) process.stdout.write(`${r.name}: expected ${r.expected}, got ${r.got}\n`);
    const failed = report.failed + unreadable.length;
    process.stdout.write(`${report.passed} passed, ${failed} failed\n`);
    return failed === 0 ? 0 : 1;
  },
});
