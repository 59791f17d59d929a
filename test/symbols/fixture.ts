// Builds test/fixtures/stacks/nested.c with its build script (once per process) and runs it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let built: string | undefined;

/** Path of the compiled fixture (PIE, frame pointers, symbols). */
export function nestedFixture(): string {
  if (built) return built;
  const script = fileURLToPath(new URL('../fixtures/stacks/build.sh', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-stacks-'));
  execFileSync('sh', [script, dir]);
  built = join(dir, 'nested');
  return built;
}

/**
 * Starts the fixture and waits for its ready line; `go()` lets it make `n` calls and resolves
 * with its output once it has exited.
 */
export async function startNested(
  n: number,
  binary = nestedFixture(),
): Promise<{ pid: number; go(): Promise<string> }> {
  const child = spawn(binary, [String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let ready: () => void;
  const isReady = new Promise<void>((r) => {
    ready = r;
  });
  child.stdout.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) ready();
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`nested exited ${code}`))));
  });
  await isReady;
  return {
    pid: child.pid as number,
    async go() {
      child.stdin.end('go\n');
      await exited;
      return out.replace('ready\n', '').trim();
    },
  };
}
