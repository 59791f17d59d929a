// bpftrace one-liners as tsbpf command lines, run beside bpftrace 0.17 over one workload and
// compared: printf output (--format), join(argv), hist()/sum() of any value, BEGIN/END, per-interval
// counts, and numbers shown as names (errno, signals, syscalls) checked against what the test did.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Tracer } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { bpftrace, haveBpftrace, privateCommand } from '../support/bpftrace.js';
import { type ChildRun, runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

/** tsbpf as a user runs it; once attached, `during` runs (often bpftrace with the workload). */
function tsbpf(args: string[], during: () => unknown, stop = true): Promise<ChildRun> {
  return runChild(process.execPath, [MAIN, ...args], {
    ready: /(tracing|counting|timing) /,
    during,
    stop,
  });
}

/** `dd` reading one block of each size: read(2) calls of known sizes under a private comm. */
function ddReads(sizes: number[]): string {
  const dd = privateCommand('dd');
  for (const bs of sizes) spawnSync(dd.path, ['if=/dev/zero', 'of=/dev/null', `bs=${bs}`, 'count=1']);
  return dd.comm;
}

/** bpftrace's hist() text (`[4K, 8K)  3 |@@@ |`) as lower bound → count; `(..., 0)` is -Infinity. */
function bpftraceHist(text: string): Map<number, number> {
  const unit = (s: string) => {
    const m = /^(-?\d+)([KMGT]?)$/.exec(s.trim()) as RegExpExecArray;
    return Number(m[1]) * 1024 ** ' KMGT'.indexOf(m[2] || ' ');
  };
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^\[([^,\]]+)(?:, [^)]+\))?\]?\s+(\d+) \|/gm))
    if (Number(m[2]) > 0) out.set(unit(m[1] as string), Number(m[2]));
  const negative = /^\(\.\.\., 0\)\s+(\d+) \|/m.exec(text);
  if (negative && Number(negative[1]) > 0) out.set(Number.NEGATIVE_INFINITY, Number(negative[1]));
  return out;
}

kernelDescribe('bpftrace one-liners on the command line', ['tracepoints', 'ringbuf', 'btf'], () => {
  it("printf and join(argv): trace -F '%s %s' comm 'join(args.argv)' prints bpftrace's lines", async () => {
    const marker = `tsbpf-join-${process.pid}`;
    let theirs: ChildRun | undefined;
    const workload = () => spawnSync('/bin/echo', [marker, 'two words', '-n']);
    const ours = await tsbpf(
      ['trace', 'tracepoint:syscalls:sys_enter_execve', '-F', '%s %s', 'comm', 'join(args.argv)'],
      async () => {
        if (haveBpftrace())
          theirs = await bpftrace(
            'tracepoint:syscalls:sys_enter_execve { printf("%s ", comm); join(args->argv); }',
            workload,
          );
        else workload();
      },
    );
    const mine = (text: string) => text.split('\n').filter((l) => l.includes(marker));
    expect(mine(ours.stdout)).toEqual([`node /bin/echo ${marker} two words -n`]);
    if (theirs) expect(mine(ours.stdout)).toEqual(mine(theirs.stdout));
  });

  it('hist --value args.count: the same buckets as bpftrace hist(args->count)', async () => {
    const comm = privateCommand('dd').comm;
    let theirs: ChildRun | undefined;
    const workload = () => ddReads([1, 5, 100, 3000, 70000]);
    const ours = await tsbpf(
      ['hist', 'tracepoint:syscalls:sys_enter_read', '--value', 'args.count', '--comm', comm, '--json'],
      async () => {
        if (haveBpftrace())
          theirs = await bpftrace(
            `tracepoint:syscalls:sys_enter_read /comm == "${comm}"/ { @ = hist(args->count); }`,
            workload,
          );
        else workload();
      },
    );
    expect(ours.code, ours.stderr).toBe(0);
    const hist = JSON.parse(ours.stdout.trim().split('\n').at(-1) as string).histograms[0];
    const buckets = new Map<number, number>(
      hist.buckets
        .filter((b: { count: number }) => b.count > 0)
        .map((b: { low: number; count: number }) => [b.low, b.count]),
    );
    // Each dd reads its block once: 1, 5 (in [4, 8)), 100 ([64, 128)), 3000, 70000.
    for (const low of [1, 4, 64, 2048, 65536]) expect(buckets.get(low)).toBeGreaterThanOrEqual(1);
    if (theirs) expect(buckets).toEqual(bpftraceHist(theirs.stdout));
  });

  it('hist --value ret with negative values: the (..., 0) bucket and the others as bpftrace', async () => {
    const cat = privateCommand('cat');
    let theirs: ChildRun | undefined;
    // 3 runs: each opens 3 missing files (-ENOENT) and one that exists (a small fd).
    const workload = () => {
      for (let i = 0; i < 3; i++)
        spawnSync(cat.path, [
          `/nonexistent-${process.pid}-a`,
          `/nonexistent-${process.pid}-b`,
          '/dev/null',
          `/nonexistent-${process.pid}-c`,
        ]);
    };
    const ours = await tsbpf(
      ['hist', 'tracepoint:syscalls:sys_exit_openat', '--value', 'ret', '--comm', cat.comm, '--json'],
      async () => {
        if (haveBpftrace())
          theirs = await bpftrace(
            `tracepoint:syscalls:sys_exit_openat /comm == "${cat.comm}"/ { @ = hist(args->ret); }`,
            workload,
          );
        else workload();
      },
    );
    expect(ours.code, ours.stderr).toBe(0);
    const hist = JSON.parse(ours.stdout.trim().split('\n').at(-1) as string).histograms[0];
    const buckets = new Map<number, number>(
      hist.buckets
        .filter((b: { count: number }) => b.count > 0)
        .map((b: { low: number | null; count: number }) => [b.low ?? Number.NEGATIVE_INFINITY, b.count]),
    );
    // JSON has no -Infinity: the negative bucket's low bound is null, its high -1.
    expect(hist.buckets[0]).toMatchObject({ low: null, high: -1 });
    // The 9 failed opens, and the dynamic loader's own misses while it searches for libraries.
    expect(buckets.get(Number.NEGATIVE_INFINITY)).toBeGreaterThanOrEqual(9);
    if (theirs) expect(buckets).toEqual(bpftraceHist(theirs.stdout));
  });

  it('count --sum ret: the same total as bpftrace sum(args->ret)', async () => {
    const comm = privateCommand('dd').comm;
    let theirs: ChildRun | undefined;
    const workload = () => ddReads([10, 200, 4000]);
    const ours = await tsbpf(
      ['count', 'tracepoint:syscalls:sys_exit_read', '--sum', 'ret', '--comm', comm, '--json'],
      async () => {
        if (haveBpftrace())
          theirs = await bpftrace(
            `tracepoint:syscalls:sys_exit_read /comm == "${comm}"/ { @ = sum(args->ret); }`,
            workload,
          );
        else workload();
      },
    );
    const total = JSON.parse(ours.stdout.trim().split('\n').at(-1) as string).rows[0].count;
    expect(total).toBeGreaterThanOrEqual(10 + 200 + 4000);
    if (theirs) expect(total).toBe(Number(/^@: (-?\d+)$/m.exec(theirs.stdout)?.[1]));
  });

  it('BEGIN and END run once, in tsbpf, around the probes (CLI and API)', async () => {
    const r = await tsbpf(['trace', 'BEGIN', 'END', '-F', '%s %d', 'comm', 'pid'], () => {});
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(lines[1]);
    expect(lines[0]).toMatch(/^node \d+$/);

    using t = new Tracer({ comm: RM_COMM });
    const order: string[] = [];
    t.probe('BEGIN', (p) => p.emit({ pid: p.pid() })).on((e) => order.push(`BEGIN ${e.pid}`));
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => p.emit({ f: p.arg('pathname').string() })).on(
      () => order.push('unlink'),
    );
    t.probe('END', (p) => p.emit({ pid: p.pid() })).on((e) => order.push(`END ${e.pid}`));
    await t.start();
    removeFiles(2);
    await t.run({ durationMs: 50 });
    expect(order).toEqual([`BEGIN ${process.pid}`, 'unlink', 'unlink', `END ${process.pid}`]);
    t.close();
    expect(order).toHaveLength(4); // END ran once
  });

  it('count -i: each table counts its own interval, under its time; nothing lost across resets', async () => {
    let removed = 0;
    const r = await tsbpf(
      ['count', 'tracepoint:syscalls:sys_enter_unlinkat', '--comm', RM_COMM, '-i', '0.5', '-d', '2.2'],
      () => {
        removed = removeFiles(5).length;
      },
      false,
    );
    expect(r.code, r.stderr).toBe(0);
    const tables = r.stdout.split(/^(?=\d\d:\d\d:\d\d$)/m).filter(Boolean);
    expect(tables.length).toBeGreaterThanOrEqual(4);
    const counts = tables.map((t) => Number(/(\d+)\s*$/.exec(t.trim())?.[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(removed);
    expect(counts.at(-1)).toBe(0); // the files went in the first interval(s): later ones count none
  });

  it('names: ret:errno, sig:signal and id:syscall decode what the test did', async () => {
    const cat = privateCommand('cat');
    const r = await tsbpf(
      [
        'trace',
        'tracepoint:syscalls:sys_exit_openat',
        '-F',
        '%s %d %s',
        'comm',
        'ret',
        'ret:errno',
        '-c',
        cat.comm,
      ],
      () => spawnSync(cat.path, [`/nonexistent-${process.pid}`]),
    );
    expect(r.stdout).toMatch(new RegExp(`^${cat.comm} -2 ENOENT$`, 'm'));

    const sleeper = spawn('sleep', ['30']);
    const target = sleeper.pid as number;
    const k = await tsbpf(
      ['trace', 'tracepoint:syscalls:sys_enter_kill', '-F', '%d %s', 'args.pid', 'args.sig:signal'],
      () => process.kill(target, 'SIGUSR1'),
    );
    expect(k.stdout).toContain(`${target} SIGUSR1`);

    // Syscall numbers: raw_syscalls ids of this rm's unlinkat calls name unlinkat. rm makes about
    // 20 distinct syscalls, many once: without --top the default 20 rows cut ties arbitrarily.
    const s = await tsbpf(
      [
        'count',
        'tracepoint:raw_syscalls:sys_enter',
        '--by',
        'args.id:syscall',
        '--comm',
        RM_COMM,
        '--top',
        '200',
        '--json',
      ],
      () => removeFiles(3),
    );
    const rows = JSON.parse(s.stdout.trim().split('\n').at(-1) as string).rows as {
      key: string;
      count: number;
    }[];
    expect(rows.find((x) => x.key === 'unlinkat')?.count).toBe(3);
    expect(rows.find((x) => x.key === 'exit_group')?.count).toBe(1);
    expect(rows.filter((x) => /^\d+$/.test(x.key))).toEqual([]); // every number had a name
  });
});

describe('--format conversions', () => {
  it('print as printf(1) does', async () => {
    const { compilePrintf } = await import('../../src/cli/printf.js');
    const cases: [string, (number | string)[]][] = [
      ['%-6d|%6d|%06d|%+d|% d', [42, -42, 42, 7, 7]],
      ['%u %x %X %o', [4294967295, 255, 255, 8]],
      ['%-10s|%10s|%.3s|%c', ['ab', 'cd', 'abcdef', 'xyz']],
      ['%5.3d %% %s\\n', [7, 'end']],
    ];
    for (const [fmt, args] of cases) {
      const c = spawnSync('/usr/bin/printf', [fmt.replace('%c', '%.1s'), ...args.map(String)], {
        encoding: 'utf8',
      });
      expect(compilePrintf(fmt)(args)).toBe(c.stdout);
    }
    expect(() => compilePrintf('%q')).toThrow(/not a conversion/);
  });
});
