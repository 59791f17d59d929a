// Runs a command (an example, the CLI) in a child process; once its output shows `ready` (it has
// attached), runs the test's workload, then waits for the child to end by itself (a --duration)
// or, with `stop`, sends it SIGTERM after the workload.
import { spawn } from 'node:child_process';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ChildOptions {
  /** Seen on stdout or stderr once the child is ready for the workload. */
  ready: RegExp;
  /** The workload, given the output so far (what made the child ready); may be async. */
  during?: (output: string) => unknown;
  /** Send SIGTERM when the workload is done (default: wait for the child to exit by itself). */
  stop?: boolean;
  cwd?: string;
  /** Kill the child after this long (default 60 s): a hang fails the test instead of the run. */
  timeoutMs?: number;
}

export function runChild(command: string, args: string[], opts: ChildOptions): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let started = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    const check = () => {
      if (started || !opts.ready.test(stdout + stderr)) return;
      started = true;
      Promise.resolve()
        .then(() => opts.during?.(stdout + stderr))
        .then(
          () => {
            if (opts.stop) child.kill('SIGTERM');
          },
          (err) => {
            child.kill('SIGKILL');
            reject(err);
          },
        );
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      check();
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
