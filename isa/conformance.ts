// The BPF conformance suite's test files (Alan-Jowett/bpf_conformance `.data` format) and a runner
// over pluggable engines. Pure: the caller reads the files; engines decide where programs run
// (this interpreter here; the kernel in src/).
//
// Format: `#` starts a comment; a line starting with `--` opens a section: `asm` (ubpf dialect),
// `raw` (64-bit little-endian words `0x…`, or 8 hex bytes per line), `mem` (hex bytes: r1 points
// at them, r2 is their length), `result` (r0, hex with 0x else decimal), `error` (negative tests).
// Other sections (`c`, `no register offset`) are notes and are ignored.

import { assemble } from './asm/assemble.js';
import { decode, type Instruction } from './instruction.js';
import { Interpreter } from './interp/interpreter.js';

export interface ConformanceTest {
  readonly name: string;
  /** The `asm` section as written (ubpf dialect), if any. */
  readonly asm?: string;
  /** The `raw` section's bytes; when present it replaces `asm`. */
  readonly raw?: Uint8Array;
  readonly mem?: Uint8Array;
  /** Expected r0 as an unsigned 64-bit value. */
  readonly result?: bigint;
  /** The `error` section's text ('' when the section is present but empty). */
  readonly error?: string;
}

/** A test file that does not follow the format: names the file and line. */
export class ConformanceFormatError extends Error {
  override name = 'ConformanceFormatError';
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(`${file}:${line}: ${message}`);
  }
}

const stripComment = (line: string): string => line.replace(/#.*/, '').trim();

function hexBytes(file: string, lines: { text: string; line: number }[]): Uint8Array {
  const out: number[] = [];
  for (const { text, line } of lines) {
    for (const tok of stripComment(text).split(/\s+/).filter(Boolean)) {
      if (!/^(0x)?[0-9a-fA-F]{1,2}$/.test(tok))
        throw new ConformanceFormatError(file, line, `'${tok}' is not a hex byte`);
      out.push(Number.parseInt(tok.replace(/^0x/, ''), 16));
    }
  }
  return Uint8Array.from(out);
}

function rawWords(file: string, lines: { text: string; line: number }[]): Uint8Array {
  const out: number[] = [];
  for (const { text, line } of lines) {
    const t = stripComment(text);
    if (!t) continue;
    if (/^0x[0-9a-fA-F]{1,16}$/.test(t)) {
      let v = BigInt(t);
      for (let i = 0; i < 8; i++, v >>= 8n) out.push(Number(v & 0xffn));
    } else out.push(...hexBytes(file, [{ text: t, line }]));
  }
  if (out.length % 8 !== 0)
    throw new ConformanceFormatError(
      file,
      lines.at(-1)?.line ?? 0,
      `raw section has ${out.length} bytes, not a multiple of 8`,
    );
  return Uint8Array.from(out);
}

export interface ConformanceParseOptions {
  /**
   * Reads a file a section includes (`-- asm @ FILE`, as ubpf's tests write it); the caller
   * resolves FILE relative to the test file. A throw becomes a ConformanceFormatError.
   */
  include?: (path: string) => string;
}

/** Parses one test file. */
export function parseConformanceTest(
  name: string,
  text: string,
  options: ConformanceParseOptions = {},
): ConformanceTest {
  const sections = new Map<string, { text: string; line: number }[]>();
  let current: { text: string; line: number }[] | undefined;
  text.split('\n').forEach((raw, i) => {
    const header = /^--\s*(.*?)\s*$/.exec(raw);
    if (!header) {
      current?.push({ text: raw, line: i + 1 });
      return;
    }
    current = [];
    const included = /^(\w+)\s*@\s*(\S.*)$/.exec(header[1] as string);
    sections.set(included ? (included[1] as string) : (header[1] as string), current);
    if (!included) return;
    // `-- asm @ FILE`: the section's lines are FILE's (a section with no reader would run empty).
    const path = included[2] as string;
    if (!options.include)
      throw new ConformanceFormatError(
        name,
        i + 1,
        `section '${included[1]}' includes '${path}', and no file reader was given`,
      );
    let body: string;
    try {
      body = options.include(path);
    } catch (e) {
      throw new ConformanceFormatError(name, i + 1, `cannot read '${path}': ${(e as Error).message}`);
    }
    for (const t of body.split('\n')) current.push({ text: t, line: i + 1 });
  });
  const body = (key: string) => sections.get(key);
  const asm = body('asm');
  const raw = body('raw');
  const mem = body('mem');
  const result = body('result');
  const error = body('error');
  let expected: bigint | undefined;
  if (result) {
    const r = result.map((l) => ({ ...l, text: stripComment(l.text) })).find((l) => l.text);
    if (r) {
      if (!/^-?(0x[0-9a-fA-F]+|\d+)$/.test(r.text))
        throw new ConformanceFormatError(name, r.line, `result '${r.text}' is not a number`);
      const neg = r.text.startsWith('-');
      const v = BigInt(neg ? r.text.slice(1) : r.text);
      expected = BigInt.asUintN(64, neg ? -v : v);
    }
  }
  return {
    name,
    asm: asm?.map((l) => l.text).join('\n'),
    raw: raw ? rawWords(name, raw) : undefined,
    mem: mem ? hexBytes(name, mem) : undefined,
    result: expected,
    error: error
      ? error
          .map((l) => l.text)
          .join('\n')
          .trim()
      : undefined,
  };
}

/** The test's program: its raw bytes, else its asm assembled in the ubpf dialect (may throw AssemblerError). */
export function conformanceProgram(test: ConformanceTest): Instruction[] {
  if (test.raw) return decode(test.raw);
  if (test.asm === undefined || test.asm.trim() === '')
    throw new ConformanceFormatError(test.name, 1, 'no program: neither an asm nor a raw section');
  return assemble(test.asm, { dialect: 'ubpf', file: test.name }).instructions;
}

export type EngineOutcome = { r0: bigint } | { error: string };

/** Where conformance programs run. `run` must not throw for a bad program: it returns {error}. */
export interface ConformanceEngine {
  readonly name: string;
  run(test: ConformanceTest): EngineOutcome;
}

/** Runs tests in this interpreter (fresh machine per test, default helpers). */
export const interpreterEngine: ConformanceEngine = {
  name: 'interpreter',
  run(test) {
    try {
      const program = conformanceProgram(test);
      return { r0: new Interpreter(program).run({ mem: test.mem }).r0 };
    } catch (e) {
      return { error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  },
};

export interface ConformanceResult {
  readonly name: string;
  readonly passed: boolean;
  /** What the file expects: `0x…` or `an error`. */
  readonly expected: string;
  /** What the engine produced: `0x…` or the error. */
  readonly got: string;
}

export interface ConformanceReport {
  readonly engine: string;
  readonly passed: number;
  readonly failed: number;
  readonly results: readonly ConformanceResult[];
}

const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Judges one outcome: a result test passes on the same r0; an error test passes on any error. */
export function judge(test: ConformanceTest, outcome: EngineOutcome): ConformanceResult {
  const got = 'error' in outcome ? `error: ${outcome.error}` : hex(outcome.r0);
  if (test.error !== undefined)
    return { name: test.name, passed: 'error' in outcome, expected: 'an error', got };
  const expected = test.result === undefined ? 'a result section' : hex(test.result);
  const passed = !('error' in outcome) && test.result !== undefined && outcome.r0 === test.result;
  return { name: test.name, passed, expected, got };
}

export function runConformance(
  tests: readonly ConformanceTest[],
  engine: ConformanceEngine = interpreterEngine,
): ConformanceReport {
  const results = tests.map((t) => judge(t, engine.run(t)));
  const passed = results.filter((r) => r.passed).length;
  return { engine: engine.name, passed, failed: results.length - passed, results };
}
