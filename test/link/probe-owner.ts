// Runs test/fixtures/attach/hold-probe.mjs (a process holding one legacy tracefs probe) for the
// crash-cleanup tests. It runs the built package: `npm run build` first (npm test does).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../fixtures/attach/hold-probe.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/src/index.js', import.meta.url));

export function distBuilt(): boolean {
  return existsSync(dist);
}

/** Starts a holder of a legacy `kind` probe; resolves once it is attached. */
export function holdProbe(kind: 'kprobe' | 'uprobe'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, kind], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d) => {
      if (String(d).startsWith('ready')) resolve(child);
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`hold-probe exited (${code ?? signal}): ${err.trim()}`)),
    );
  });
}

/** Sends `signal` and resolves with how the process ended. */
export function killAndWait(
  child: ChildProcess,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code, sig) => resolve({ code, signal: sig }));
    child.kill(signal);
  });
}
