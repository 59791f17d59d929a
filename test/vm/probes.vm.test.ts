// Runs inside the qemu guest (Debian's 6.1 kernel): the probe commands, the demo and the
// examples on the paths this host lacks — real kprobes/kretprobes and fentry/fexit, with no
// fallback. Every check compares events with what the test itself did.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ownProbes, probeFentry, Tracer } from 'tsbpf';
import { afterEach, describe, expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';
import { runReadmeTracer } from '../support/readme-tracer.js';
import { openRoutes, unlinkRoutes } from '../support/syscall-cases.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(root, 'dist/cli/tsbpf.js');
const tsbpf = (args: string[], opts: Parameters<typeof runChild>[2]) =>
  runChild(process.execPath, [CLI, ...args], { cwd: tmpdir(), ...opts });
/** What the CLI prints on stdout, run to its end; anything but exit 0 fails. */
async function tsbpfOutput(args: string[]): Promise<string> {
  const r = await tsbpf(args, { ready: /(?!)/ });
  if (r.code !== 0) throw new Error(`tsbpf ${args.join(' ')} exited ${r.code ?? r.signal}: ${r.stderr}`);
  return r.stdout;
}
const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

afterEach(() => {
  expect(ownProbes('kprobe_events')).toEqual([]); // nothing left behind
});

describe('probe commands on real kprobes and fentry (VM)', () => {
  it("the README's first TypeScript example runs as written on real kprobes and ends on Ctrl-C", async () => {
    const r = await runReadmeTracer(120_000);
    expect(r.stderr).toBe('');
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    const lines = r.stdout.split('\n');
    for (const p of r.unlinked) expect(lines).toContain(`${process.pid} ${p}`);
    for (const p of r.unlinkedAt) expect(lines.some((l) => l.endsWith(` ${p}`))).toBe(true);
  });

  it('the kernel confirms the fallback routes: do_unlinkat ← unlink, unlinkat; do_rmdir ← rmdir, unlinkat(AT_REMOVEDIR)', async () => {
    // The same workload and checks as the host's fallback test (test/probes/fallback.test.ts).
    const r = await unlinkRoutes(['--no-fallback']);
    expect(r.run.code, r.run.stderr).toBe(0);
    expect(r.unlinkat.map((e) => e.name)).toEqual([`${r.dir}/a`, 'b']);
    expect(r.unlinkat[0]?.dfd).toBe(-100);
    expect(r.rmdir.map((e) => e.name)).toEqual([`${r.dir}/d1`, 'd2']);
  });

  it('the kernel confirms do_sys_openat2 ← open, openat, creat, openat2: one call each', async () => {
    const r = await openRoutes(['--no-fallback']);
    expect(r.hist.code, r.hist.stderr).toBe(0);
    expect(r.calls).toBe(4);
    expect(r.trace.code, r.trace.stderr).toBe(0);
    expect(r.dfds).toEqual([-100, -100, -100, -100]);
  });

  it('trace kprobe + kretprobe on do_unlinkat: the file names through struct filename, the results', async () => {
    let paths: string[] = [];
    const run = await tsbpf(
      [
        'trace',
        'kprobe:do_unlinkat',
        'kretprobe:do_unlinkat',
        '--comm',
        RM_COMM,
        '--json',
        '--no-fallback',
        '--max-events',
        '8',
      ],
      { ready: /tracing /, during: () => (paths = removeFiles(4)) },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/instead|fallback/);
    const events = jsonLines(run.stdout);
    // `name` is a struct filename *: trace reads name->name, the path, with CO-RE offsets.
    expect(events.filter((e) => e.probe === 'kprobe:do_unlinkat').map((e) => e.args.name)).toEqual(paths);
    expect(events.filter((e) => e.probe === 'kretprobe:do_unlinkat').map((e) => e.ret)).toEqual([0, 0, 0, 0]);
  });

  it('trace fentry + fexit on do_unlinkat: typed arguments and the return value', async () => {
    if (!probeFentry().supported) throw new Error(`fentry should load in the VM: ${probeFentry().detail}`);
    const run = await tsbpf(
      ['trace', 'fentry:do_unlinkat', 'fexit:do_unlinkat', '--comm', RM_COMM, '--json', '--max-events', '4'],
      { ready: /tracing /, during: () => removeFiles(2) },
    );
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.filter((e) => e.probe === 'fentry:do_unlinkat').map((e) => e.args.dfd)).toEqual([
      -100, -100,
    ]);
    expect(events.filter((e) => e.probe === 'fexit:do_unlinkat').map((e) => e.ret)).toEqual([0, 0]);
  });

  it('count kprobe:do_unlinkat --by comm: exactly the unlinks rm made', async () => {
    const run = await tsbpf(
      [
        'count',
        'kprobe:do_unlinkat',
        '--by',
        'comm',
        '--comm',
        RM_COMM,
        '--duration',
        '2',
        '--json',
        '--no-fallback',
      ],
      { ready: /counting /, during: () => removeFiles(9) },
    );
    expect(run.code, run.stderr).toBe(0);
    const last = jsonLines(run.stdout).pop();
    expect(last.rows).toEqual([{ probe: 'kprobe:do_unlinkat', key: RM_COMM, count: 9 }]);
  });

  it('hist do_unlinkat: one latency sample per call, in the histogram total', async () => {
    const run = await tsbpf(
      ['hist', 'do_unlinkat', '--comm', RM_COMM, '--duration', '2', '--json', '--no-fallback'],
      {
        ready: /timing /,
        during: () => removeFiles(6),
      },
    );
    expect(run.code, run.stderr).toBe(0);
    const last = jsonLines(run.stdout).pop();
    const total = last.histograms.reduce(
      (n: number, h: { buckets: { count: number }[] }) => n + h.buckets.reduce((m, b) => m + b.count, 0),
      0,
    );
    expect(total).toBe(6);
  });

  it('list: kprobe functions as bpftrace -l lists them, fentry typed from BTF', async () => {
    const out = await tsbpfOutput(['list', 'kprobe:do_unlink*']);
    expect(out.split('\n')).toContain('kprobe:do_unlinkat');
    const verbose = await tsbpfOutput(['list', '-v', 'fentry:do_unlinkat']);
    expect(verbose).toBe('fentry:do_unlinkat\n    int dfd\n    struct filename *name\n');
    const bpftrace = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) => {
      try {
        readFileSync(p);
        return true;
      } catch {
        return false;
      }
    });
    if (!bpftrace) return; // the comparison needs bpftrace in the host's root (CI installs it)
    const theirs = execFileSync(bpftrace, ['-l', 'kprobe:vfs_*'], { encoding: 'utf8' });
    const ours = await tsbpfOutput(['list', 'kprobe:vfs_*']);
    // bpftrace leaves out compiler clones (`vfs_statfs.part.0.isra.0`); kprobes attach to them
    // by that name, so tsbpf lists them. Without them, the lists are the same.
    const plain = ours
      .trim()
      .split('\n')
      .filter((l) => !l.includes('.'));
    expect(new Set(plain)).toEqual(new Set(theirs.trim().split('\n')));
  });

  it('the API with fallback: false attaches kprobes as asked', async () => {
    using tracer = new Tracer({ pid: process.pid, fallback: false });
    const entry = tracer.probe('kprobe:do_unlinkat', (p) =>
      p.emit({ file: p.arg('name').field('name').string(128) }),
    );
    const files: string[] = [];
    entry.on((e) => files.push(e.file));
    await tracer.start();
    expect(entry.used?.kind).toBe('kprobe');
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-vm-api-'));
    const mine = [join(dir, 'a'), join(dir, 'b')];
    for (const f of mine) writeFileSync(f, '');
    for (const f of mine) rmSync(f);
    rmSync(dir, { recursive: true }); // rmdir(2): not do_unlinkat
    tracer.drain();
    expect(files).toEqual(mine);
  });
});

describe('npm start and the examples on real kprobes (VM)', () => {
  it('npm start (tsbpf demo) uses kprobe + kretprobe, no fallback note, and sees every file', async () => {
    const out = await tsbpfOutput(['demo']);
    expect(out).not.toMatch(/^note:/m);
    expect(out).toMatch(/tracing do_unlinkat with kprobe:do_unlinkat and kretprobe:do_unlinkat/);
    expect(out).toMatch(/^4 calls seen, 0 lost$/m);
  });

  it('examples/unlink: the files and results, on kprobes', async () => {
    let paths: string[] = [];
    const run = await runChild(process.execPath, [join(root, 'dist/examples/unlink.js'), '--duration', '2'], {
      ready: /tracing do_unlinkat/,
      during: () => (paths = removeFiles(3, 'tsbpf-vm-probes-')),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('tracing do_unlinkat (kprobe:do_unlinkat + kretprobe:do_unlinkat)');
    const rows = run.stdout.split('\n').filter((l) => l.includes('tsbpf-vm-probes-'));
    expect(rows.map((l) => l.trim().split(/\s+/).slice(1))).toEqual(paths.map((p) => [RM_COMM, 'ok', p]));
  });

  it('examples/fsdist: latency histograms for reads and writes the test made', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tsbpf-vm-fsdist-')), 'data');
    const run = await runChild(process.execPath, [join(root, 'dist/examples/fsdist.js'), '--duration', '3'], {
      ready: /timing vfs_read/,
      during: () => {
        execFileSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=4096', 'count=200'], { stdio: 'ignore' });
        execFileSync('dd', [`if=${file}`, 'of=/dev/null', 'bs=4096'], { stdio: 'ignore' });
      },
    });
    rmSync(file);
    expect(run.code, run.stderr).toBe(0);
    // dd made 200 writes and 200+ reads: each op's histogram counts at least that many.
    const counts = (op: string) => {
      const section = run.stdout.split(`\n${op}()\n`)[1]?.split('\n\n')[0] ?? '';
      return [...section.matchAll(/:\s+(\d+)\s+\|/g)].reduce((n, m) => n + Number(m[1]), 0);
    };
    expect(counts('vfs_write')).toBeGreaterThanOrEqual(200);
    expect(counts('vfs_read')).toBeGreaterThanOrEqual(200);
  });
});
