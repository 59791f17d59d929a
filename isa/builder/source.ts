// Builder call sites: where in the user's code an instruction was emitted, so a verifier error
// can point at that line. Capturing is cheap in V8 (Error.captureStackTrace collects frames; the
// text is formatted only when read), so the position is parsed lazily on first access.

import type { SourcePos } from '../instruction.js';

/** This directory: frames from the builder's own files are skipped to reach the user's code. */
const OWN_DIR = new URL('.', import.meta.url).pathname;

type Holder = { stack?: string };

/** Frames kept per capture: builder methods nest a few deep (ifThen → callback → mov → emit). */
const FRAMES = 10;

const capture: (holder: Holder) => void =
  typeof (Error as { captureStackTrace?: unknown }).captureStackTrace === 'function'
    ? (holder) => {
        // Only the few frames between the user and this file are needed; walking fewer is cheaper.
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = FRAMES;
        Error.captureStackTrace(holder, captureCallSite);
        Error.stackTraceLimit = limit;
      }
    : (holder) => {
        holder.stack = new Error().stack;
      };

interface Parsed {
  line: number;
  col: number;
  file?: string;
}

/** A SourcePos whose fields are parsed from a captured stack on first use. */
class CallSite implements SourcePos {
  #holder: Holder | undefined;
  #parsed: Parsed | undefined;
  readonly text: string;

  constructor(holder: Holder, method: string) {
    this.#holder = holder;
    this.text = method;
  }

  #get(): Parsed {
    if (!this.#parsed) {
      this.#parsed = parseStack(this.#holder?.stack ?? '');
      this.#holder = undefined;
    }
    return this.#parsed;
  }
  get line(): number {
    return this.#get().line;
  }
  get col(): number {
    return this.#get().col;
  }
  get file(): string | undefined {
    return this.#get().file;
  }
  toJSON(): SourcePos {
    const { line, col, file } = this.#get();
    return file === undefined ? { line, col, text: this.text } : { line, col, file, text: this.text };
  }
  toString(): string {
    return formatCallSite(this);
  }
}

// `    at fn (file:1:2)`, `    at file:1:2`, `    at async fn (file:1:2)`
const FRAME = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/;

function parseStack(stack: string): Parsed {
  for (const line of stack.split('\n')) {
    const m = FRAME.exec(line);
    if (!m) continue;
    const file = m[1] as string;
    const path = file.startsWith('file://') ? new URL(file).pathname : file;
    if (path.startsWith(OWN_DIR)) continue;
    return { file, line: Number(m[2]), col: Number(m[3]) };
  }
  return { line: 0, col: 0 };
}

/** The user's frame that called a builder method named `method` (`ldx`, `call` …). */
export function captureCallSite(method: string): SourcePos {
  const holder: Holder = {};
  capture(holder);
  return new CallSite(holder, method);
}

/** `file:line:col` (or `line:col`) of a position. */
export function formatCallSite(pos: SourcePos): string {
  return `${pos.file ? `${pos.file}:` : ''}${pos.line}:${pos.col}`;
}
