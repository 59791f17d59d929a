// bpftrace 0.17 as the outside oracle: run a program beside ours over the same workload. Absent
// locally, comparisons are skipped; in CI (which installs it) its absence fails the test.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ChildRun } from './child.js';

export const BPFTRACE = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) => existsSync(p));

/** True when bpftrace is here; false (skip the comparison) only outside CI. */
export function haveBpftrace(): boolean {
  if (BPFTRACE) return true;
  if (process.env.CI) expect.fail('bpftrace is absent (.ci/run installs it)');
  return false;
}

/**
 * Runs `program` with bpftrace; once every probe is attached, runs `during`, then stops it
 * (SIGTERM: it prints its maps). Readiness is a probe of its own on getppid(2) from this process,
 * attached last and polled until it prints (bpftrace's BEGIN, a uprobe on its own binary, was
 * seen to stay silent when several bpftrace processes ran).
 */
export function bpftrace(program: string, during: () => unknown): Promise<ChildRun> {
  const ready = `tsbpf-oracle-ready-${process.pid}`;
  const text = `${program}\ntracepoint:syscalls:sys_enter_getppid /pid == ${process.pid}/ { printf("${ready}\\n"); }`;
  return new Promise((resolve, reject) => {
    // Its own process group: nothing bpftrace signals reaches the test runner.
    const child = spawn(BPFTRACE as string, ['-e', text], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    // Inside the emulated guest (IN_VM=1) bpftrace takes tens of seconds to start.
    const kill = setTimeout(() => child.kill('SIGKILL'), process.env.IN_VM === '1' ? 240_000 : 60_000);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const poll = setInterval(() => {
      if (!stdout.includes(ready)) {
        void process.ppid; // getppid(2): fires the readiness probe once it is attached
        return;
      }
      clearInterval(poll);
      Promise.resolve()
        .then(during)
        .then(() => new Promise((r) => setTimeout(r, 500))) // it prints from a perf buffer it polls
        .then(
          () => {
            // bpftrace 0.17 now and then misses the first signal and sits until killed: repeat it.
            child.kill('SIGTERM');
            const again = setInterval(() => child.kill('SIGTERM'), 3000);
            child.once('close', () => clearInterval(again));
          },
          (err) => {
            child.kill('SIGKILL');
            reject(err);
          },
        );
    }, 20);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(kill);
      resolve({ code, signal, stdout: stdout.split(`${ready}\n`).join(''), stderr });
    });
  });
}

const copies = new Map<string, string>();

/**
 * A copy of system command `name` under a command name private to this test process
 * (`dd4242`), so a probe filtered by comm counts exactly what this test ran.
 */
export function privateCommand(name: string): { path: string; comm: string } {
  const comm = `${name}${process.pid}`.slice(0, 15);
  let path = copies.get(name);
  if (!path) {
    path = join(mkdtempSync(join(tmpdir(), 'tsbpf-cmd-')), comm);
    // The program, not a shell builtin of the same name (kill).
    const bin = ['/usr/bin', '/bin'].map((d) => `${d}/${name}`).find((f) => existsSync(f));
    if (!bin) throw new Error(`no /usr/bin/${name} or /bin/${name}`);
    copyFileSync(bin, path);
    execFileSync('chmod', ['755', path]);
    copies.set(name, path);
  }
  return { path, comm };
}
