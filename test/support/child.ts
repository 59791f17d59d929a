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

/**
 * Runs the child; inside the qemu guest (IN_VM=1, TCG emulation) a child that dies of SIGILL or
 * SIGSEGV is the emulator's doing, not the code's: it runs once more, workload included.
 */
export async function runChild(command: string, args: string[], opts: ChildOptions): Promise<ChildRun> {
  const run = await runOnce(command, args, opts);
  const emulatorCrash = run.signal === 'SIGILL' || run.signal === 'SIGSEGV';
  if (process.env.IN_VM === '1' && emulatorCrash) {
    process.stderr.write(`${command} died of ${run.signal} in the emulated guest; running it once more\n`);
    return runOnce(command, args, opts);
  }
  return run;
}

function runOnce(command: string, args: string[], opts: ChildOptions): Promise<ChildRun> {
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
