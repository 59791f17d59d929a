// Where a kernel function cannot be probed (no kprobes here, fentry refused), syscall tracepoints
// stand in: every syscall that reaches the function, with the function's own argument names and
// types, so code written for the kprobe runs unchanged — the README's first example included.
// The VM suite runs the same workloads on real kprobes (test/vm/probes.vm.test.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProbeError, Tracer } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { PY_COMM, startPython, unlinkFamily } from '../support/private-python.js';
import { runReadmeTracer } from '../support/readme-tracer.js';
import { openRoutes, unlinkRoutes } from '../support/syscall-cases.js';

const kprobes = existsSync('/sys/bus/event_source/devices/kprobe');
const CLI = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

kernelDescribe(
  'syscall tracepoints standing in for a kernel function',
  ['tracepoints', 'ringbuf', 'btf'],
  () => {
    it("the README's first TypeScript example runs as written, sees unlink(2) and unlinkat(2), and ends on Ctrl-C", async () => {
      const r = await runReadmeTracer();
      expect(r.stderr).toBe('');
      expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
      const lines = r.stdout.split('\n');
      for (const p of r.unlinked) expect(lines).toContain(`${process.pid} ${p}`);
      for (const p of r.unlinkedAt) expect(lines.some((l) => l.endsWith(` ${p}`))).toBe(true);
    });

    it('do_unlinkat ← unlink, unlinkat without AT_REMOVEDIR; do_rmdir ← rmdir, unlinkat with it', async () => {
      const r = await unlinkRoutes([]);
      expect(r.run.code, r.run.stderr).toBe(0);
      expect(r.unlinkat.map((e) => e.name)).toEqual([`${r.dir}/a`, 'b']);
      expect(r.unlinkat[0]?.dfd).toBe(-100); // unlink(2) works from the current directory: AT_FDCWD
      expect(r.unlinkat[1]?.dfd).toBeGreaterThanOrEqual(0);
      expect(r.rmdir.map((e) => e.name)).toEqual([`${r.dir}/d1`, 'd2']);
      if (kprobes) return;
      const notes = r.run.stderr.split('\n').filter((l) => l.includes(' instead'));
      expect(notes).toEqual([
        expect.stringMatching(
          /^tsbpf trace: kprobe:do_unlinkat: using the sys_enter tracepoints of unlink, unlinkat \(flag without AT_REMOVEDIR\) instead, which see every such call, also one that fails before reaching do_unlinkat \(kprobe: /,
        ),
        expect.stringMatching(
          /^tsbpf trace: kprobe:do_rmdir: using the sys_enter tracepoints of rmdir, unlinkat \(flag with AT_REMOVEDIR\) instead/,
        ),
      ]);
    });

    it('do_sys_openat2 ← open, openat, creat, openat2: hist counts each call, trace reads each path', async () => {
      const r = await openRoutes([]);
      expect(r.hist.code, r.hist.stderr).toBe(0);
      expect(r.calls).toBe(4);
      expect(r.trace.code, r.trace.stderr).toBe(0);
      expect(r.files).toEqual(['open', 'openat', 'creat', 'openat2'].map((f) => `${r.dir}/${f}`));
      expect(r.dfds).toEqual([-100, -100, -100, -100]); // open(2) and creat(2) work from the cwd
      if (!kprobes)
        expect(r.hist.stderr).toMatch(
          /using the sys_enter tracepoints of creat, open, openat, openat2 instead/,
        );
    });

    it('the function’s arguments keep their types on a stand-in; members it does not give are named', async () => {
      if (kprobes) return;
      using t = new Tracer({ comm: PY_COMM });
      const seen: { dfd: number; name: string }[] = [];
      t.probe('kprobe:do_unlinkat', (p) =>
        p.emit({ dfd: p.arg('dfd'), name: p.arg('name').field('name').string() }),
      ).on((e) => seen.push(e as { dfd: number; name: string }));
      const bad = new Tracer();
      bad.probe('kprobe:do_unlinkat', (p) => p.emit({ r: p.arg('name').field('refcnt') }));
      await expect(bad.start()).rejects.toThrow(
        /'name' is read from a syscall record, which gives only name, uptr/,
      );
      await t.start();
      expect(t.probes[0]?.attached.map((s) => s.text)).toEqual([
        'tracepoint:syscalls:sys_enter_unlink',
        'tracepoint:syscalls:sys_enter_unlinkat',
      ]);
      const dir = (await import('node:fs')).mkdtempSync('/tmp/tsbpf-standin-');
      await startPython(unlinkFamily(dir)).go();
      t.drain();
      expect(seen).toEqual([
        { dfd: -100, name: `${dir}/a` },
        { dfd: expect.any(Number), name: 'b' },
      ]);
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    });
  },
);

kernelDescribe('a probe that attaches nowhere says what works here', ['tracepoints', 'btf'], () => {
  it('tsbpf hist vfs_read --ms: one line ending in a command that runs here', () => {
    if (kprobes) return;
    const r = spawnSync(process.execPath, [CLI, 'hist', 'vfs_read', '--ms', '-d', '0.5'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const m = /; these work here: tsbpf (hist syscalls:\S+ --ms -d 0\.5)$/m.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    const args = (m?.[1] ?? '').split(' ');
    expect(args[1]?.split(':')[1]?.split(',')).toEqual(expect.arrayContaining(['read', 'pread64', 'readv']));
    const again = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/msecs/);
  });

  it('a misspelt kernel function: did you mean, as the command with the name corrected', () => {
    const r = spawnSync(process.execPath, [CLI, 'trace', 'kprobe:do_unlinkatt', '--comm', 'a b', '-d', '1'], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/; did you mean: tsbpf trace kprobe:do_unlinkat --comm 'a b' -d 1\b/);
  });

  it('hist vfs_read: the syscalls that read, as a runnable hist command', async () => {
    if (kprobes) return;
    using t = new Tracer();
    t.probe('kprobe:vfs_read', (p) => {
      p.count('n');
    });
    const err = await t.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ProbeError);
    const texts = (err as ProbeError).suggestions.map((s) => s.text);
    expect(texts).toEqual(
      expect.arrayContaining(['tracepoint:syscalls:sys_enter_read', 'tracepoint:syscalls:sys_enter_pread64']),
    );
  });
});

describe('did you mean', () => {
  it('kernel functions, tracepoints, arguments and struct member paths', async () => {
    const fn = new Tracer();
    fn.probe('kprobe:do_unlinkatt', (p) => {
      p.count('n');
    });
    await expect(fn.start()).rejects.toThrow(/did you mean kprobe:do_unlinkat\b/);
    const tp = new Tracer();
    tp.probe('tracepoint:syscalls:sys_enter_unlinkatt', (p) => {
      p.count('n');
    });
    await expect(tp.start()).rejects.toThrow(/did you mean syscalls:sys_enter_unlinkat\b/);
    const arg = new Tracer();
    arg.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => p.emit({ x: p.arg('pathnam').string() }));
    await expect(arg.start()).rejects.toThrow(/has no argument 'pathnam'; did you mean 'pathname'\?/);
    const member = new Tracer();
    member.probe('tp_btf:sched_process_exec', (p) => p.emit({ x: p.arg('p').field('real_parent.tgidd') }));
    await expect(member.start()).rejects.toThrow(
      /field 'real_parent.tgidd': struct task_struct has no member 'tgidd'; did you mean 'tgid'\?/,
    );
  });

  it('aggregation() before start() says to call start() first', () => {
    using t = new Tracer();
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => {
      p.count('n');
    });
    expect(() => t.aggregation('n')).toThrow(/call start\(\) first/);
  });
});
