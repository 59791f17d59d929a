// Runs inside the qemu guests: wildcard kprobes (`kprobe:vfs_*`) with exact counts of a marked
// process. On 6.12 they attach through one kprobe_multi link; on 6.1 (no fprobe) one kprobe per
// function, each with its cookie; the counts must be the same either way. The kprobe blacklist
// (debugfs) is the oracle for what a pattern leaves out.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { globRegExp, kallsyms, kprobeBlacklist, probeKprobeMulti, Tracer } from 'tsbpf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChild } from '../support/child.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist/cli/tsbpf.js');
const N = 50;
let dir: string;
let workload: string;

/** Starts the workload (it waits for a line); `go()` lets it run and resolves when it exits. */
function startWorkload(): { pid: number; go(): Promise<void> } {
  const child = spawn(workload, [String(N)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<void>((resolve, reject) =>
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`vfs_workload exited ${code}`)))),
  );
  return {
    pid: child.pid as number,
    async go() {
      child.stdin.end('go\n');
      await exited;
    },
  };
}

/** 6.12 has kprobe_multi (fprobe); Debian's 6.1 has not. */
const major = release().split('.').map(Number) as [number, number];
const expectMulti = major[0] > 6 || (major[0] === 6 && major[1] >= 12);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), `tsbpf-vm-wildcard-${process.pid}-`));
  workload = join(dir, 'vfs_workload');
  execFileSync('gcc', [
    '-O2',
    '-o',
    workload,
    fileURLToPath(new URL('../fixtures/probes/vfs_workload.c', import.meta.url)),
  ]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`kprobe wildcards (${release()})`, () => {
  it(`kprobe_multi is ${expectMulti ? '' : 'not '}available on this kernel`, () => {
    expect(probeKprobeMulti().supported, probeKprobeMulti().detail).toBe(expectMulti);
  });

  for (const multiLinks of expectMulti ? [true, false] : [true]) {
    const how = multiLinks && expectMulti ? 'one kprobe_multi link' : 'one kprobe per function';
    it(`kprobe:vfs_* counts vfs_read N and vfs_write 2N of the marked process (${how})`, async () => {
      const w = startWorkload();
      using t = new Tracer({ pid: w.pid, multiLinks });
      const probe = t.probe('kprobe:vfs_*', (p) => p.count('calls', p.func()));
      await t.start();
      expect(probe.wildcard?.mode).toBe(multiLinks && expectMulti ? 'multi' : 'cookies');
      expect(probe.attached.map((s) => s.target)).toEqual(expect.arrayContaining(['vfs_read', 'vfs_write']));
      await w.go();
      const counts = new Map(
        t
          .aggregation<string>('calls')
          .entries()
          .map((e) => [e.key, e.value]),
      );
      expect(counts.get('vfs_read')).toBe(N);
      expect(counts.get('vfs_write')).toBe(2 * N);
    });
  }

  it('tsbpf count kprobe:vfs_* --pid prints vfs_read N and vfs_write 2N', async () => {
    const w = startWorkload();
    const run = await runChild(
      process.execPath,
      [CLI, 'count', 'kprobe:vfs_*', '--pid', String(w.pid), '--json'],
      {
        ready: /counting /,
        during: () => w.go(),
        timeoutMs: 240_000,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const last = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as {
      rows: { probe: string; count: number }[];
    };
    const rows = new Map(last.rows.map((r) => [r.probe, r.count]));
    expect(rows.get('kprobe:vfs_read')).toBe(N);
    expect(rows.get('kprobe:vfs_write')).toBe(2 * N);
  }, 300_000);

  it('leaves out blacklisted and untraceable functions, counted once, naming how many', async () => {
    // A pattern around a blacklisted function: the blacklist and kallsyms are the oracle.
    const blacklist = kprobeBlacklist() as Set<string>;
    const ftrace = new Set(
      readFileSync('/sys/kernel/tracing/available_filter_functions', 'latin1')
        .split('\n')
        .map((l) => l.split(' ')[0]),
    );
    const text = [...kallsyms().values()]
      .filter((s) => (s.type === 't' || s.type === 'T') && !/^__(pfx|cfi)_/.test(s.name))
      .map((s) => s.name);
    // A small pattern around a blacklisted function that also matches attachable ones.
    let pattern = '';
    let matched: string[] = [];
    for (const n of blacklist) {
      if (!/^[a-z_]{8,}$/.test(n)) continue;
      const p = `${n.slice(0, n.length - 2)}*`;
      const re = globRegExp(p);
      const m = text.filter((s) => re.test(s));
      if (m.length >= 2 && m.length <= 40 && m.some((s) => !blacklist.has(s) && ftrace.has(s))) {
        pattern = p;
        matched = m;
        break;
      }
    }
    expect(pattern, 'a blacklisted function with attachable neighbours').not.toBe('');
    const blacklisted = matched.filter((n) => blacklist.has(n)).length;
    const untraceable = matched.filter((n) => !blacklist.has(n) && !ftrace.has(n)).length;
    // Not attached: a pattern picked this way may name hot functions that crawl under TCG.
    // maxProbes 0 stops the tracer right after the expansion, whose note and count are checked.
    const notes: string[] = [];
    using t = new Tracer({ onFallback: (m) => notes.push(m), maxProbes: 0 });
    t.probe(`kprobe:${pattern}`, (p) => p.count('calls'));
    const err = await t.start().catch((e: Error) => e);
    const attachable = matched.filter((n) => !blacklist.has(n) && ftrace.has(n));
    expect((err as Error).message).toContain(
      `matches ${attachable.length} probe points, more than the limit of 0`,
    );
    const skipped = notes.filter((m) => m.includes('skipped'));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toContain(
      `skipped ${blacklisted + untraceable} of ${matched.length} matches: ${blacklisted} on the kprobe blacklist`,
    );
  });
});
