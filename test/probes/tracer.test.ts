// Probes written with the TypeScript API, on the real kernel: every figure is checked against what
// the test itself made happen — files it removed, calls a target program it runs made, the
// values it passed. Kernel functions need kprobes/fentry (the VM suite); here: tracepoints,
// uprobes and tp_btf, and the fallback from kprobe to the syscall tracepoint.
import { spawnSync } from 'node:child_process';
import { ProbeError, Tracer } from 'tsbpf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelObjectFds } from '../link/fds.js';
import { startTarget, uprobeTarget } from '../link/target.js';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

kernelDescribe('probes on tracepoints', ['tracepoints', 'ringbuf', 'btf'], () => {
  it('emits typed records: ints, signed ints, user strings, comm, and the syscall return', async () => {
    using t = new Tracer({ comm: RM_COMM });
    const enter: { pid: number; comm: string; path: string; dfd: number; flag: number }[] = [];
    const exit: { ret: number }[] = [];
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) =>
      p.emit({
        pid: p.pid(),
        comm: p.comm(),
        path: p.arg('pathname').string(),
        dfd: p.arg('dfd').s32(),
        flag: p.arg('flag').s32(),
      }),
    ).on((e) => enter.push(e));
    t.probe('tracepoint:syscalls:sys_exit_unlinkat', (p) => p.emit({ ret: p.ret().s64() })).on((e) =>
      exit.push(e),
    );
    await t.start();
    const paths = removeFiles(3);
    t.drain();
    expect(enter.map((e) => e.path)).toEqual(paths);
    expect(enter.every((e) => e.comm === RM_COMM && e.dfd === -100 && e.flag === 0 && e.pid > 0)).toBe(true);
    expect(exit.map((e) => e.ret)).toEqual([0, 0, 0]);
    expect(t.lost()).toBe(0);
  });

  it('filters by comm in the kernel: other commands never reach user space', async () => {
    using t = new Tracer({ comm: 'no-such-comm' });
    let n = 0;
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => p.emit({ pid: p.pid() })).on(() => n++);
    await t.start();
    removeFiles(2);
    expect(t.drain()).toBe(0);
    expect(n).toBe(0);
  });

  it('falls back from kprobe to the syscall tracepoint where kprobes are missing, and says why', async () => {
    const notes: string[] = [];
    using t = new Tracer({ comm: RM_COMM, onFallback: (m) => notes.push(m) });
    const files: string[] = [];
    const probe = t.probe('kprobe:do_unlinkat', (p) =>
      p.emit({
        file: p.arg('name').field('name').string(), // the same code on every kind of the chain
      }),
    );
    probe.on((e) => files.push(e.file as string));
    await t.start();
    const paths = removeFiles(2);
    t.drain();
    expect(files).toEqual(paths);
    if (probe.used?.kind === 'kprobe') return; // a kernel with kprobes: nothing fell back
    expect(probe.used?.kind).toMatch(/fentry|tracepoint/);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('kprobe:do_unlinkat: using');
    expect(probe.skipped[0]?.reason).toMatch(/kprobe|CONFIG_KPROBES/);
  });

  it('fails with every attempt and its reason when nothing fits, and leaks no fd', async () => {
    const before = kernelObjectFds();
    const t = new Tracer({ fallback: true });
    t.probe('kprobe:tsbpf_no_such_function', (p) => p.emit({ pid: p.pid() }));
    let err: unknown;
    try {
      await t.start();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ProbeError);
    expect((err as ProbeError).attempts.length).toBeGreaterThanOrEqual(2);
    expect((err as Error).message).toMatch(/tsbpf_no_such_function/);
    t.close();
    expect(kernelObjectFds()).toEqual(before);
  });

  it('rejects a mistake in the probe as written with the names it could have used', async () => {
    using t = new Tracer();
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => p.emit({ x: p.arg('no_such_arg') }));
    await expect(t.start()).rejects.toThrow(/has no argument 'no_such_arg'; it has: dfd, pathname, flag/);
  });
});

kernelDescribe(
  'probes on uprobes: counts, sums, histograms, maps between probes',
  ['uprobes', 'ringbuf'],
  () => {
    let target: string;
    beforeAll(() => {
      target = uprobeTarget();
    });

    it('counts, sums and histograms equal what the target did', async () => {
      const N = 300;
      const run = startTarget(N);
      using t = new Tracer({ pid: run.pid });
      t.probe(`uprobe:${target}:tsbpf_target`, (p) => {
        const x = p.arg(0).s32();
        p.count('calls');
        p.sum('sum', x);
        p.hist('log2', x);
        p.lhist('linear', x, { min: 0, max: 200, step: 50 });
        p.count('parity', x.and(1));
      });
      await t.start();
      await run.go();
      expect(t.aggregation('calls').total()).toBe(N);
      expect(t.aggregation('sum').total()).toBe((N * (N - 1)) / 2);
      // log2: bucket k holds [2^(k-1), 2^k - 1]; 0 alone in bucket 0.
      const [h] = t.aggregation('log2').histograms();
      for (const b of h?.buckets ?? []) {
        let expected = 0;
        for (let x = 0; x < N; x++) if (x >= b.low && x <= b.high) expected++;
        expect(b.count, `bucket ${b.low}..${b.high}`).toBe(expected);
      }
      expect(h?.total).toBe(N);
      const [l] = t.aggregation('linear').histograms();
      expect(l?.buckets.map((b) => b.count)).toEqual([50, 50, 50, 50, N - 200]);
      const parity = new Map(
        t
          .aggregation('parity')
          .entries()
          .map((e) => [e.key, e.value]), // a single key: the value itself
      );
      expect(parity).toEqual(
        new Map([
          [0, N / 2],
          [1, N / 2],
        ]),
      );
    });

    it('pairs entry and return through a map keyed by tid: each return sees its own argument', async () => {
      const N = 50;
      const run = startTarget(N);
      using t = new Tracer({ pid: run.pid });
      const seen: { arg: number; ret: number }[] = [];
      t.probe(`uprobe:${target}:tsbpf_target`, (p) => {
        p.map('arg').set(p.tid(), p.arg(0).s32());
      });
      t.probe(`uretprobe:${target}:tsbpf_target`, (p) => {
        const m = p.map('arg');
        const arg = m.get(p.tid());
        m.delete(p.tid());
        return p.emit({ arg, ret: p.ret().s32() });
      }).on((e) => seen.push(e));
      await t.start();
      await run.go();
      t.drain();
      expect(seen).toEqual(Array.from({ length: N }, (_, x) => ({ arg: x, ret: 2 * x + 1 })));
      expect([...t.aggregation('arg').entries()]).toEqual([]); // every entry taken back
    });

    it('filters with conditions compiled to jumps (and, or, not, signed compare)', async () => {
      const N = 100;
      const run = startTarget(N);
      using t = new Tracer({ pid: run.pid });
      const got: number[] = [];
      t.probe(`uprobe:${target}:tsbpf_target`, (p) => {
        const x = p.arg(0).s32();
        p.filter(x.lt(10).or(x.ge(90)).and(x.eq(5).not()));
        return p.emit({ x });
      }).on((e) => got.push(e.x));
      await t.start();
      await run.go();
      t.drain();
      expect(got).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, ...Array.from({ length: 10 }, (_, i) => 90 + i)]);
    });
  },
);

kernelDescribe(
  'probes on tp_btf: BTF-typed arguments and CO-RE field reads',
  ['tp_btf', 'ringbuf', 'btf'],
  () => {
    it('reads task_struct fields of fork: the child pid equals what spawn returned', async () => {
      using t = new Tracer();
      const forks: { parent: number; child: number; comm: string }[] = [];
      t.probe('tp_btf:sched_process_fork', (p) => {
        p.filter(p.arg('parent').field('tgid').eq(process.pid));
        return p.emit({
          parent: p.arg('parent').field('tgid').s32(),
          child: p.arg('child').field('pid').s32(),
          comm: p.arg('parent').field('comm').string(),
        });
      }).on((e) => forks.push(e));
      await t.start();
      const pids = [spawnSync('true').pid, spawnSync('true').pid];
      t.drain();
      expect(forks.map((f) => f.child)).toEqual(expect.arrayContaining(pids));
      expect(forks.every((f) => f.parent === process.pid && f.comm === 'node')).toBe(true);
    });
  },
);

describe('probe specs', () => {
  afterAll(() => {});
  it('parses every kind and bpftrace short form, and says what is wrong', async () => {
    const { parseProbeSpec } = await import('tsbpf');
    expect(parseProbeSpec('k:do_unlinkat')).toMatchObject({ kind: 'kprobe', target: 'do_unlinkat' });
    expect(parseProbeSpec('t:syscalls:sys_enter_openat')).toMatchObject({
      kind: 'tracepoint',
      category: 'syscalls',
      event: 'sys_enter_openat',
    });
    expect(parseProbeSpec('ur:/bin/bash:readline')).toMatchObject({
      kind: 'uretprobe',
      binary: '/bin/bash',
      target: 'readline',
    });
    expect(parseProbeSpec('kfunc:vfs_read')).toMatchObject({ kind: 'fentry' });
    expect(() => parseProbeSpec('kprobe')).toThrow(/expected TYPE:TARGET/);
    expect(() => parseProbeSpec('zprobe:x')).toThrow(/unknown probe type 'zprobe'/);
    expect(() => parseProbeSpec('tracepoint:nocolon')).toThrow(/CATEGORY:EVENT/);
  });
});
