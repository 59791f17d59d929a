// Runs inside the qemu guest (Debian's 6.1 kernel, real kprobes): the kprobe rows of
// docs/bpftrace.md and the kprobe tools (vfsstat, capable), each run beside bpftrace 0.17 — the
// host's own binary, which the guest sees through its read-only view of the host's root — over
// one workload under a private command name, and compared. And p.loop() on 6.1's verifier.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownProbes } from 'tsbpf';
import { afterEach, describe, expect, it } from 'vitest';
import { bpftrace, haveBpftrace, privateCommand } from '../support/bpftrace.js';
import { type ChildRun, runChild } from '../support/child.js';
import { bpftraceHist, ourHist, withinOneBucket } from '../support/histograms.js';
import { loopArgv } from '../support/loop-argv.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist/cli/tsbpf.js');
const doc = readFileSync(join(root, 'docs/bpftrace.md'), 'utf8');
/** The tsbpf commands of docs/bpftrace.md's rows marked *kprobes*. */
const kprobeRows = doc
  .split('\n')
  .filter((l) => l.startsWith('| `') && l.includes('*kprobes*'))
  .map((l) => /\| `(tsbpf [^`]+)` \|/.exec(l)?.[1] as string);
const words = (command: string) =>
  [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string);
/** Row `i`'s command as arguments for the CLI: each row runs as written, plus a filter. */
const row = (i: number) => {
  expect(kprobeRows).toHaveLength(3);
  return [CLI, ...words(kprobeRows[i] as string).slice(1)];
};
/** Under TCG the guest is slow: a CLI or bpftrace start takes tens of seconds. */
const SLOW = 300_000;

/** Our command (the CLI or a tool) with bpftrace running `program` over `workload` inside it. */
async function beside(
  args: string[],
  program: string,
  workload: () => unknown,
): Promise<{ ours: ChildRun; theirs: ChildRun }> {
  expect(haveBpftrace(), 'bpftrace in the guest').toBe(true);
  let theirs: ChildRun | undefined;
  const ours = await runChild(process.execPath, args, {
    cwd: tmpdir(),
    ready: /(tracing|counting|timing) /,
    during: async () => {
      theirs = await bpftrace(program, workload);
      await new Promise((r) => setTimeout(r, 300)); // our last records reach the reader
    },
    stop: true,
    timeoutMs: 240_000,
  });
  expect(ours.code, ours.stderr).toBe(0);
  expect(theirs?.code, theirs?.stderr).toBe(0);
  return { ours, theirs: theirs as ChildRun };
}

/** `dd` reading one block of each size from /dev/zero, under a private command name. */
function ddReads(sizes: number[]): void {
  const dd = privateCommand('dd');
  for (const bs of sizes) spawnSync(dd.path, ['if=/dev/zero', 'of=/dev/null', `bs=${bs}`, 'count=1']);
}

afterEach(() => {
  expect(ownProbes('kprobe_events')).toEqual([]);
});

describe('bpftrace parity on kprobes (VM)', () => {
  it(
    'hist kretprobe:vfs_read --value ret --linear 0,2000,200: the buckets of bpftrace lhist(retval, 0, 2000, 200)',
    async () => {
      const { comm } = privateCommand('dd');
      const { ours, theirs } = await beside(
        [...row(0), '--comm', comm, '--no-fallback'],
        `kretprobe:vfs_read /comm == "${comm}"/ { @bytes = lhist(retval, 0, 2000, 200); }`,
        () => ddReads([100, 500, 1100, 1500, 3000]),
      );
      const mine = ourHist(ours.stdout);
      // dd's own block reads: 100 in [0, 200), 500 in [400, 600), 1100, 1500, and 3000 over 2000.
      for (const low of [0, 400, 1000, 1400, 2000]) expect(mine.get(low)).toBeGreaterThanOrEqual(1);
      expect(mine).toEqual(bpftraceHist(theirs.stdout)); // the same reads: exactly the same counts
    },
    SLOW,
  );

  it(
    'hist vfs_read --ns --by comm: the latency histogram of bpftrace @start[tid]/hist(nsecs - @start[tid])',
    async () => {
      const { comm } = privateCommand('dd');
      const { ours, theirs } = await beside(
        [...row(1), '--comm', comm, '--no-fallback'],
        `kprobe:vfs_read /comm == "${comm}"/ { @start[tid] = nsecs; } kretprobe:vfs_read /@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); delete(@start[tid]); }`,
        () => ddReads([100, 4096, 65536, 100, 4096, 65536]),
      );
      expect(ours.stdout).toContain(`comm = ${comm}`);
      const mine = ourHist(ours.stdout);
      expect([...mine.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6);
      // Each tool's entry and return programs run inside the other's timed interval, and under
      // emulation a program takes microseconds: the same calls, each within one bucket.
      withinOneBucket(mine, bpftraceHist(theirs.stdout));
    },
    SLOW,
  );

  it(
    "trace kprobe:vfs_open -F '%s' args.path.dentry.d_name.name: bpftrace's str(((struct path *)arg0)->dentry->d_name.name) lines",
    async () => {
      const cat = privateCommand('cat');
      const dir = mkdtempSync(join(tmpdir(), 'tsbpf-open-'));
      const files = ['alpha', 'beta', 'gamma'].map((n) => join(dir, `${n}-${process.pid}`));
      for (const f of files) writeFileSync(f, 'x');
      try {
        const { ours, theirs } = await beside(
          [...row(2), '--comm', cat.comm, '--no-fallback'],
          `kprobe:vfs_open /comm == "${cat.comm}"/ { printf("%s\\n", str(((struct path *)arg0)->dentry->d_name.name)); }`,
          () => execFileSync(cat.path, files),
        );
        const mine = ours.stdout.split('\n').filter(Boolean);
        for (const f of files) expect(mine).toContain(f.split('/').at(-1));
        expect(mine).toEqual(theirs.stdout.split('\n').filter((l) => l && !l.startsWith('Attaching ')));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it(
    'vfsstat --comm: the read, write and open counts of bpftrace counting vfs_* for the same command',
    async () => {
      const { comm } = privateCommand('dd');
      const funcs = ['vfs_read', 'vfs_write', 'vfs_fsync', 'vfs_open', 'vfs_create'];
      const { ours, theirs } = await beside(
        [join(root, 'dist/examples/tools/vfsstat.js'), '--comm', comm, '--interval', '60'],
        funcs.map((f) => `kprobe:${f} /comm == "${comm}"/ { @${f.slice(4)} = count(); }`).join('\n'),
        () => {
          const dd = privateCommand('dd');
          spawnSync(dd.path, ['if=/dev/zero', 'of=/dev/null', 'bs=512', 'count=40']);
        },
      );
      // Our lines: TIME then one column per function; summed over the lines printed.
      const rows = ours.stdout
        .split('\n')
        .filter((l) => /^\d\d:\d\d:\d\d /.test(l))
        .map((l) => l.trim().split(/\s+/).slice(1).map(Number));
      const sums = funcs.map((_, i) => rows.reduce((a, r) => a + (r[i] as number), 0));
      const theirsCount = (f: string) =>
        Number(new RegExp(`^@${f.slice(4)}: (\\d+)$`, 'm').exec(theirs.stdout)?.[1] ?? 0);
      expect(sums[0]).toBeGreaterThanOrEqual(40); // dd's 40 block reads, and its start-up's
      expect(sums[1]).toBeGreaterThanOrEqual(40);
      expect(sums).toEqual(funcs.map(theirsCount));
    },
    SLOW,
  );

  it(
    'capable: the capability checks of bpftrace on cap_capable, numbers and names',
    async () => {
      const chown = privateCommand('chown');
      const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cap-'));
      const file = join(dir, 'f');
      writeFileSync(file, '');
      try {
        const { ours, theirs } = await beside(
          [join(root, 'dist/examples/tools/capable.js')],
          `kprobe:cap_capable /comm == "${chown.comm}"/ { printf("%s %d\\n", comm, arg2); }`,
          () => {
            execFileSync(chown.path, ['1234:1234', file]);
            chownSync(file, 0, 0);
          },
        );
        // Ours: UID PID COMM CAP NAME OPTS; the checks chown(1) made.
        const mine = ours.stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter((w) => w[2] === chown.comm);
        expect(mine.some((w) => w[3] === '0' && w[4] === 'CAP_CHOWN')).toBe(true);
        const sorted = (a: string[]) => [...a].sort();
        expect(sorted(mine.map((w) => `${w[2]} ${w[3]}`))).toEqual(
          sorted(theirs.stdout.split('\n').filter((l) => l && !l.startsWith('Attaching '))),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    SLOW,
  );

  it(
    "p.loop() loads on 6.1's verifier and reads argv up to its NULL, as argv.strings() does",
    async () => {
      const marker = `tsbpf-loop-${process.pid}`;
      const r = await loopArgv(marker, ['two words', '-x']);
      expect(r.listed).toEqual(['/bin/echo', marker, 'two words', '-x']);
      expect(r.looped).toEqual(r.listed.map((s, i) => ({ i, s })));
    },
    SLOW,
  );
});
