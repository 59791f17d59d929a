// V8's code cache for the package's CommonJS bundles (the CLI's commands, the library's layers).
// Compiling ~0.5 MB of JavaScript is much of what a cold start costs above bare Node; the code V8
// made on a first run is kept under the user's cache directory and handed back to V8 on the next,
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
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export type CodeCacheState = 'hit' | 'miss' | 'rejected' | 'off';

/** A bundle compiled with its cache, if any. */
export interface CachedScript {
  script: Script;
  state: CodeCacheState;
  /** On a miss or a rejected cache: writes the code compiled so far (once; later calls do nothing). */
  save?: () => void;
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

/** A key as it goes into a file name: a command's name, a library layer's; else 'other'. */
function safeKey(key: string): string {
  return /^[a-z][a-z-]{0,19}$/.test(key) ? key : 'other';
}

/** One file per bundle build, Node version and key: a new install never meets an old file. */
function cacheName(bundle: Stats, key: string): string {
  return `${key}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}-${bundle.ino}-${process.version}-${process.arch}.v8cache`;
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
function writeCache(dir: string, key: string, name: string, data: Buffer): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!private_(statSync(dir))) return;
    const tmp = join(dir, `.${name}.${process.pid}`);
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, join(dir, name));
    // The same key's files of other builds (`isa-demo-…` is not `isa-…`: a size follows the key).
    const stale = new RegExp(`^${key}-\\d`);
    for (const old of readdirSync(dir))
      if (old !== name && stale.test(old) && old.endsWith('.v8cache')) unlinkSync(join(dir, old));
  } catch {
    // A read-only or full disk: the next run compiles again, nothing else changes.
  }
}

/**
 * Compiles the bundle at `bundle` with the code cache kept under `key` (a command's name, a library
 * layer's). The bundle is ASCII text that is already a function expression (the module wrapper
 * Node's CommonJS loader would add): the build scripts make it so and check it.
 */
export function compileCached(bundle: string, key: string): CachedScript {
  const dir = codeCacheDir();
  const safe = safeKey(key);
  const name = cacheName(statSync(bundle), safe);
  const cachedData = dir === undefined ? undefined : readPrivate(join(dir, name));
  // ASCII: latin1 is an exact, cheaper decode than UTF-8.
  const source = readFileSync(bundle, 'latin1');
  const script = new Script(source, { filename: bundle, cachedData });
  const state: CodeCacheState =
    dir === undefined
      ? 'off'
      : cachedData === undefined
        ? 'miss'
        : script.cachedDataRejected
          ? 'rejected'
          : 'hit';
  const compiled: CachedScript = { script, state };
  if (dir !== undefined && state !== 'hit') {
    let saved = false;
    compiled.save = () => {
      if (saved) return;
      saved = true;
      writeCache(dir, safe, name, script.createCachedData());
    };
  }
  return compiled;
}

/**
 * Runs a compiled bundle (the wrapper function) as Node's CommonJS loader runs a module file, with
 * `require` as the module's require; returns its exports.
 */
export function runAsModule(script: Script, file: string, require: (id: string) => unknown): unknown {
  const module = { exports: {} as unknown };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, require, module, file, dirname(file));
  return module.exports;
}
