// Runs the command-line bundle (one CommonJS file) with V8's code cache. Compiling ~0.9 MB of
// JavaScript is much of what a cold `tsbpf` costs above bare Node; the code V8 made on the first
// run of a command is kept under the user's cache directory and handed back to V8 on the next,
// which checks it against its own version and flags and falls back to compiling if it does not
// match. Node 20 has no module.enableCompileCache() (22.1+), hence vm.Script.
//
// A cache file is code this process will run, so it is used only from a directory that this user
// owns and nobody else can write to (`sudo tsbpf` with a user's HOME neither reads nor writes
// there). TSBPF_CODE_CACHE=0 turns it off; deleting the directory is always safe.
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { clockMs } from '../timing.js';

/** What happened to the cache on this run, for `--timing` (read by main through a global). */
export interface CodeCacheReport {
  state: 'hit' | 'miss' | 'rejected' | 'off';
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

/** Private to this user: owned by them and writable by nobody else. */
function private_(st: Stats): boolean {
  const uid = process.geteuid?.() ?? st.uid;
  return st.uid === uid && (st.mode & 0o022) === 0;
}

/** The cache directory, or undefined when caching is off or the place is not this user's. */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.TSBPF_CODE_CACHE === '0') return undefined;
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  try {
    // The base may not exist yet: then the home it will be made in must be this user's.
    let owner: Stats;
    try {
      owner = statSync(base);
    } catch {
      owner = statSync(dirname(base));
    }
    if (owner.uid !== (process.geteuid?.() ?? owner.uid)) return undefined;
  } catch {
    return undefined;
  }
  return join(base, 'tsbpf');
}

/** One file per bundle build, Node version and command: a new install never meets an old file. */
function cacheName(bundle: Stats, command: string): string {
  const safe = /^[a-z][a-z-]{0,19}$/.test(command) ? command : 'other';
  return `${safe}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}-${bundle.ino}-${process.version}-${process.arch}.v8cache`;
}

function readPrivate(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return private_(fstatSync(fd)) ? readFileSync(fd) : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes atomically (a reader sees the old file or the new, never half) and drops stale builds. */
function writeCache(dir: string, name: string, data: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!private_(statSync(dir))) return;
    const tmp = join(dir, `.${name}.${process.pid}`);
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, join(dir, name));
    const command = name.slice(0, name.indexOf('-'));
    for (const old of readdirSync(dir))
      if (old !== name && old.startsWith(`${command}-`) && old.endsWith('.v8cache'))
        unlinkSync(join(dir, old));
  } catch {
    // A read-only or full disk: the next run compiles again, nothing else changes.
  }
}

/**
 * Compiles and runs the CommonJS bundle at `bundle` as Node's loader would, with the code cache of
 * `command` (the subcommand's name) when there is one; on a miss, `report.save` keeps the code
 * compiled by the time it is called (saveCodeCache, once the command has succeeded) for the next run.
 */
export function runBundle(bundle: string, command: string): void {
  const start = clockMs();
  const dir = codeCacheDir();
  const bundleStat = statSync(bundle);
  const name = cacheName(bundleStat, command);
  const cachedData = dir === undefined ? undefined : readPrivate(join(dir, name));
  // The bundle is ASCII (scripts/bundle-cli.mjs checks): latin1 is an exact, cheaper decode.
  const source = readFileSync(bundle, 'latin1');
  // The bundle's text is already the module wrapper function (scripts/bundle-cli.mjs).
  const script = new Script(source, { filename: bundle, cachedData });
  const state =
    dir === undefined
      ? 'off'
      : cachedData === undefined
        ? 'miss'
        : script.cachedDataRejected
          ? 'rejected'
          : 'hit';
  const report: CodeCacheReport = { state, start, end: clockMs() };
  (globalThis as Record<symbol, unknown>)[REPORT_KEY] = report;
  if (dir !== undefined && state !== 'hit')
    report.save = () => {
      report.save = undefined;
      writeCache(dir, name, script.createCachedData());
    };
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}
