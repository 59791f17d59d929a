// Builds test/fixtures/events/getppid_burst.c with gcc (once per process) and runs it: a process
// pinned to one CPU that makes N getppid calls when told to.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

let built: string | undefined;

function burstBinary(): string {
  if (built) return built;
  const src = fileURLToPath(new URL('../fixtures/events/getppid_burst.c', import.meta.url));
  const out = join(mkdtempSync(join(tmpdir(), 'tsbpf-burst-')), 'getppid_burst');
  execFileSync('gcc', ['-O2', '-o', out, src]);
  built = out;
  return out;
}

export interface Burst {
  pid: number;
  /** Resolves once it is pinned and waiting. */
  ready: Promise<void>;
  /** Starts the calls; resolves when the process has exited. */
  go(): Promise<void>;
  kill(): void;
}

/** Starts a generator pinned to `cpu` that will make `n` getppid calls once go() is called. */
export function startBurst(cpu: number, n: number): Burst {
  const child = spawn(burstBinary(), [String(cpu), String(n)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`getppid_burst exited ${code ?? signal}`)),
    ),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.includes('ready')) resolve();
    });
    exited.then(() => reject(new Error('getppid_burst exited before it was ready')), reject);
  });
  return {
    pid: child.pid as number,
    ready,
    go() {
      child.stdin.end('go\n');
      return exited;
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
