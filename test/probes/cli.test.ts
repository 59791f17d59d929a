// tsbpf trace / count / hist / demo as a user runs them (the built CLI in a child process), each
// checked against what the test did while it ran. On this host kprobes are missing, so the
// kprobe forms exercise the fallback; the VM suite runs them on real kprobes.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTarget, uprobeTarget } from '../link/target.js';
import { type ChildRun, runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

/** Runs the CLI; once it prints its "tracing/counting/timing" line, runs `during`. */
function cli(args: string[], during: () => void = () => {}): Promise<ChildRun> {
  return runChild(process.execPath, [MAIN, ...args], { ready: /(tracing|counting|timing) /, during });
}

kernelDescribe('tsbpf trace / count / hist', ['tracepoints', 'ringbuf', 'btf'], () => {
  it('trace --json: one object per event with typed args and the return value', async () => {
    let paths: string[] = [];
    const r = await cli(
      [
        'trace',
        'tracepoint:syscalls:sys_enter_unlinkat',
        'tracepoint:syscalls:sys_exit_unlinkat',
        '--comm',
        RM_COMM,
        '--json',
        '--max-events',
        '6',
      ],
      () => {
        paths = removeFiles(3);
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(6);
    const enters = events.filter((e) => e.probe.endsWith('sys_enter_unlinkat'));
    expect(enters.map((e) => e.args.pathname)).toEqual(paths);
    expect(enters.every((e) => e.comm === RM_COMM && e.args.dfd === -100)).toBe(true);
    expect(events.filter((e) => e.probe.endsWith('sys_exit_unlinkat')).map((e) => e.ret)).toEqual([0, 0, 0]);
    expect(r.stderr).toMatch(/^6 events, 0 lost$/m);
  });

  it('trace kprobe:do_unlinkat falls back with one line saying why, and still sees the files', async () => {
    let paths: string[] = [];
    const r = await cli(['trace', 'kprobe:do_unlinkat', '--comm', RM_COMM, '--max-events', '2'], () => {
      paths = removeFiles(2);
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    if (!/fallback|instead/.test(r.stderr)) return; // a host with kprobes: no fallback to check
    expect(r.stderr.split('\n').filter((l) => l.includes('instead'))).toHaveLength(1);
    // do_unlinkat's own argument name, on the syscall tracepoints too
    expect(lines.map((l) => / name="([^"]+)"/.exec(l)?.[1])).toEqual(paths);
  });

  it('--no-fallback: exit 1 with the precise reason', async () => {
    const r = await cli(['trace', 'kprobe:do_unlinkat', '--no-fallback', '--duration', '1']);
    if (r.code === 0) return; // kprobes exist here
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^tsbpf trace: kprobe:do_unlinkat: cannot attach: kprobe:do_unlinkat: .*CONFIG_KPROBES/m,
    );
  });

  it('count on tp_btf: one sched_process_exec per program the test ran', async () => {
    const r = await cli(
      ['count', 'tp_btf:sched_process_exec', '--comm', RM_COMM, '--duration', '1.5', '--json'],
      () => {
        for (let i = 0; i < 4; i++) removeFiles(1);
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(last.rows).toEqual([{ probe: 'tp_btf:sched_process_exec', count: 4 }]);
  });

  it('count --by comm counts exactly the unlinks of rm', async () => {
    const r = await cli(
      [
        'count',
        'tracepoint:syscalls:sys_enter_unlinkat',
        '--by',
        'comm',
        '--comm',
        RM_COMM,
        '--duration',
        '1.5',
        '--json',
      ],
      () => {
        removeFiles(7);
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(last.final).toBe(true);
    expect(last.rows).toEqual([{ probe: 'tracepoint:syscalls:sys_enter_unlinkat', key: RM_COMM, count: 7 }]);
  });

  it('trace a uretprobe with --fields NAME:TYPE (registers have no types)', async () => {
    const target = uprobeTarget();
    const run = startTarget(5);
    const done: Promise<string>[] = [];
    const r = await cli(
      [
        'trace',
        `uretprobe:${target}:tsbpf_target`,
        '--fields',
        'ret:s32',
        '--pid',
        String(run.pid),
        '--max-events',
        '5',
        '--json',
      ],
      () => {
        done.push(run.go());
      },
    );
    await done[0];
    expect(r.code, r.stderr).toBe(0);
    const rets = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).ret);
    expect(rets).toEqual([1, 3, 5, 7, 9]); // tsbpf_target(x) = 2x + 1
    const bad = spawnSync(
      process.execPath,
      [MAIN, 'trace', 'uprobe:/bin/true:main', '--fields', 'arg0:float'],
      { encoding: 'utf8' },
    );
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/type 'float' is not one of str, s8/);
  });

  it('count --by stack: kernel stacks symbolized from /proc/kallsyms, counts add up', async () => {
    const r = await cli(
      [
        'count',
        'tracepoint:syscalls:sys_enter_unlinkat',
        '--by',
        'stack',
        '--comm',
        RM_COMM,
        '--duration',
        '1.5',
        '--json',
      ],
      () => {
        removeFiles(4);
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    const rows = last.rows as { key: string; count: number }[];
    expect(rows.reduce((n, x) => n + x.count, 0)).toBe(4);
    // Every frame is a kallsyms text symbol (+offset); the syscall entry is on every stack.
    for (const row of rows) {
      const frames = row.key.split(';');
      expect(
        frames.every((f) => /^[A-Za-z_][\w.]*(\+0x[0-9a-f]+)?( \[\w+\])?$/.test(f)),
        row.key,
      ).toBe(true);
      expect(
        frames.some((f) => f.startsWith('do_syscall_64') || f.startsWith('entry_SYSCALL')),
        row.key,
      ).toBe(true);
    }
  });

  it('hist do_unlinkat: one completed call per unlink in the histogram', async () => {
    const r = await cli(
      ['hist', 'do_unlinkat', '--comm', RM_COMM, '--ns', '--duration', '1.5', '--json'],
      () => {
        removeFiles(5);
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(out.unit).toBe('nsecs');
    expect(out.histograms).toHaveLength(1);
    expect(out.histograms[0].total).toBe(5);
    // Every bucket's bounds are powers of two: [2^(k-1), 2^k - 1].
    for (const b of out.histograms[0].buckets) if (b.low > 0) expect(b.high).toBe(2 * b.low - 1);
  });

  it('trace --pid: each line shows while the process runs, and the trace ends when it exits', async () => {
    // The process waits for a line, calls getppid 3 times, then lives 1.5 s more.
    const target = spawn(
      'python3',
      ['-c', 'import os,sys,time; sys.stdin.readline(); [os.getppid() for _ in range(3)]; time.sleep(1.5)'],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    const exited = new Promise<number>((resolve) => target.on('exit', () => resolve(performance.now())));
    const child = spawn(
      process.execPath,
      [MAIN, 'trace', 'tracepoint:syscalls:sys_enter_getppid', '--pid', String(target.pid)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let sawLinesAt = Number.POSITIVE_INFINITY;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/tracing /.test(stderr)) target.stdin.end('go\n');
    });
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.split('\n').length > 3) sawLinesAt = Math.min(sawLinesAt, performance.now());
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(3);
    expect(sawLinesAt).toBeLessThan(await exited); // written as they came, not at the end
    expect(stderr).toMatch(/^3 events, 0 lost$/m);
  });

  it('trace --buffer takes a power of 2 in MiB', () => {
    const r = spawnSync(process.execPath, [MAIN, 'trace', 't:a:b', '--buffer', '3'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--buffer: '3' MiB is not a power of 2");
  });

  it('npm start (tsbpf demo) traces its own unlinks and exits 0', () => {
    const r = spawnSync(process.execPath, [MAIN, 'demo', '--files', '4'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /tsbpf-demo-.*\/(file-\d|no-such-file)$/.test(l));
    expect(rows).toHaveLength(5);
    expect(rows[4]).toMatch(/-2 \(ENOENT\)/);
    expect(r.stdout).toMatch(/^5 calls seen, 0 lost$/m);
  });
});

describe('probe commands: usage', () => {
  it('bad usage exits 2 with the reason; --help exits 0', async () => {
    for (const args of [
      ['trace'],
      ['count', 'tracepoint:a:b', '--by', 'color'],
      ['hist'],
      ['hist', 'f', '--ms', '--us'],
      ['trace', 'x:y', '--pid', 'abc'],
    ]) {
      const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    for (const cmd of ['trace', 'count', 'hist', 'demo']) {
      const r = spawnSync(process.execPath, [MAIN, cmd, '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: tsbpf ${cmd}`));
    }
  });

  it('a probe spec that does not parse is a one-line error, exit 1', async () => {
    const r = await cli(['trace', 'zprobe:x']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "tsbpf trace: probe 'zprobe:x': unknown probe type 'zprobe' (kprobe, kretprobe, fentry, fexit, tracepoint, tp_btf, uprobe, uretprobe, usdt)",
    );
  });
});
