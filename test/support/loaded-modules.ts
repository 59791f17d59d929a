// Which modules a fresh Node process loads for a piece of code: a module loader hook (node:module
// register) appends every URL it loads to a file. Sees static and dynamic imports alike. CommonJS
// files (.cjs: the package's layers, which its loader reads and compiles itself) are seen where
// they are read: fs.readFileSync, wrapped by a preloaded script, logs them as URLs too.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const HOOK = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.TSBPF_LOADED_LOG, url + '\\n');
  return next(url, context);
}
`;

const READS = `const fs = require('node:fs');
const { pathToFileURL } = require('node:url');
const read = fs.readFileSync;
fs.readFileSync = function (path, ...rest) {
  if (typeof path === 'string' && path.endsWith('.cjs'))
    fs.appendFileSync(process.env.TSBPF_LOADED_LOG, pathToFileURL(path).href + '\\n');
  return read.call(this, path, ...rest);
};
`;

/** Runs `code` (an ES module's text) in a new node; returns every module URL it loaded, in order. */
export function loadedModules(code: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), `tsbpf-loaded-${process.pid}-`));
  try {
    const hook = join(dir, 'hook.mjs');
    const register = join(dir, 'register.mjs');
    const main = join(dir, 'main.mjs');
    const log = join(dir, 'loaded.log');
    const reads = join(dir, 'reads.cjs');
    writeFileSync(hook, HOOK);
    writeFileSync(reads, READS);
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
    );
    writeFileSync(main, code);
    writeFileSync(log, '');
    const r = spawnSync(process.execPath, ['--require', reads, '--import', register, main], {
      encoding: 'utf8',
      env: { ...process.env, TSBPF_LOADED_LOG: log },
    });
    if (r.status !== 0) throw new Error(`node ${main} failed (${r.status}): ${r.stderr}`);
    return readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
