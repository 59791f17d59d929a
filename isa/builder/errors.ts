// The one error type the builder throws: what is wrong, in which builder call, and where the
// user's code made that call.

import type { SourcePos } from '../instruction.js';
import { formatCallSite } from './source.js';

export class BuilderError extends Error {
  override name = 'BuilderError';
  /** The builder method involved (`jeq`, `ldx`, `build` …). */
  readonly method: string;
  /** The user's call site, when known. */
  readonly source?: SourcePos;

  constructor(method: string, message: string, source?: SourcePos) {
    super(`${method}: ${message}${source && source.line > 0 ? ` (at ${formatCallSite(source)})` : ''}`);
    this.method = method;
    if (source) this.source = source;
  }
}
