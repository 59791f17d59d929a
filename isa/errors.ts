// Typed errors of the text tools. An assembly error names the line, column, offending text and
// what was expected; several are collected per run so one pass reports every bad line.

/** One problem in assembly source. `line`/`col` are 1-based; `text` is the offending token. */
export interface AssemblerDiagnostic {
  readonly line: number;
  readonly col: number;
  readonly text: string;
  readonly message: string;
  readonly file?: string;
  /** 'warning' for a line that assembled but deserves a look; errors leave it unset. */
  readonly severity?: 'error' | 'warning';
}

const where = (d: AssemblerDiagnostic): string => `${d.file ? `${d.file}:` : ''}${d.line}:${d.col}`;

/** Formats a diagnostic the way compilers do: `file:line:col: message` (`…: warning: message`). */
export function formatDiagnostic(d: AssemblerDiagnostic): string {
  return `${where(d)}: ${d.severity === 'warning' ? 'warning: ' : ''}${d.message}`;
}

/** Thrown by `assemble` when the source has errors; `diagnostics` lists all of them (first is `line`/`col`). */
export class AssemblerError extends Error {
  override name = 'AssemblerError';
  readonly diagnostics: readonly AssemblerDiagnostic[];
  readonly line: number;
  readonly col: number;
  readonly text: string;
  readonly file?: string;

  constructor(diagnostics: readonly AssemblerDiagnostic[]) {
    const first = diagnostics[0];
    const more =
      diagnostics.length > 1
        ? ` (and ${diagnostics.length - 1} more error${diagnostics.length > 2 ? 's' : ''})`
        : '';
    super(`${first.message} at ${where(first)}${more}`);
    this.diagnostics = diagnostics;
    this.line = first.line;
    this.col = first.col;
    this.text = first.text;
    this.file = first.file;
  }
}
