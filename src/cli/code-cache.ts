// Runs a command's bundle (one CommonJS file) with V8's code cache (src/code-cache.ts): the code
// a first run of the command compiled is handed back to V8 on the next.
import { createRequire } from 'node:module';
import { type CodeCacheState, compileCached, runAsModule } from '../code-cache.js';
import { clockMs } from '../timing.js';

/** What happened to the cache on this run, for `--timing` (read by main through a global). */
export interface CodeCacheReport {
  state: CodeCacheState;
  /** clockMs() before reading the bundle and after compiling it. */
  start: number;
  end: number;
  /**
   * On a miss: saves the code compiled so far. Called through saveCodeCache() once a command has
   * succeeded, so the functions it ran are in the cache too (flags must be as at start: V8 checks).
   */
  save?: () => void;
}

const REPORT_KEY = Symbol.for('tsbpf.codeCache');

/** The report of this run, when the executable (launch.ts) ran the bundle. */
export function codeCacheReport(): CodeCacheReport | undefined {
  return (globalThis as Record<symbol, CodeCacheReport | undefined>)[REPORT_KEY];
}

/** Saves the code compiled so far if this run missed the cache (command.ts: after a success). */
export function saveCodeCache(): void {
  codeCacheReport()?.save?.();
}

/**
 * Compiles and runs the CommonJS bundle at `bundle` as Node's loader would, with the code cache of
 * `command` (the subcommand's name) when there is one; on a miss, `report.save` keeps the code
 * compiled by the time it is called (saveCodeCache, once the command has succeeded) for the next run.
 */
export function runBundle(bundle: string, command: string): void {
  const start = clockMs();
  const { script, state, save } = compileCached(bundle, command);
  const report: CodeCacheReport = { state, start, end: clockMs(), save };
  (globalThis as Record<symbol, unknown>)[REPORT_KEY] = report;
  runAsModule(script, bundle, createRequire(bundle));
}
