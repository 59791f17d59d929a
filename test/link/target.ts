// Builds test/fixtures/attach/uprobe_target.c with gcc (once per process) and runs it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let built: string | undefined;

/** Path of the compiled target (built with -O2, symbols kept). */
export function uprobeTarget(): string {
  if (built) return built;
  const src = fileURLToPath(new URL('../fixtures/attach/uprobe_target.c', import.meta.url));
  const out = join(mkdtempSync(join(tmpdir(), 'tsbpf-uprobe-')), 'uprobe_target');
  execFileSync('gcc', ['-O2', '-o', out, src]);
  built = out;
  return out;
}

/** Starts the target (it waits); `go()` lets it make `n` calls and resolves with its output. */
export function startTarget(n: number): { pid: number; go(): Promise<string> } {
  const child = spawn(uprobeTarget(), [String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`uprobe_target exited ${code}`))));
  });
  return {
    pid: child.pid as number,
    async go() {
      child.stdin.end('go\n');
      await exited;
      return out.trim();
    },
  };
}
