// bpftrace 0.17 as the outside oracle: run a program beside ours over the same workload. Absent
// locally, comparisons are skipped; in CI (which installs it) its absence fails the test.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type ChildRun, runChild } from './child.js';

export const BPFTRACE = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) => existsSync(p));

/** True when bpftrace is here; false (skip the comparison) only outside CI. */
export function haveBpftrace(): boolean {
  if (BPFTRACE) return true;
  if (process.env.CI) expect.fail('bpftrace is absent (.ci/run installs it)');
  return false;
}

/** Runs `program` with bpftrace; once attached, runs `during`, then stops it (SIGTERM prints maps). */
export function bpftrace(program: string, during: () => unknown): Promise<ChildRun> {
  // "Attaching N probes..." comes before the attaching; BEGIN runs once every probe is attached.
  return runChild(BPFTRACE as string, ['-e', `BEGIN { printf("tsbpf-oracle-ready\\n"); } ${program}`], {
    ready: /^tsbpf-oracle-ready$/m,
    // bpftrace prints events from a perf buffer it polls: give it a moment before stopping it.
    during: async () => {
      await during();
      await new Promise((r) => setTimeout(r, 500));
    },
    stop: true,
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
