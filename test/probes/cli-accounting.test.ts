// Exact accounting through the CLI, as a user runs it: a C process pinned to each CPU in turn
// makes a burst of getppid calls; beside the command under test, an in-kernel counter of this
// test counts the same calls. `trace` must print events + lost == that count (with "Lost N
// events" lines in the stream adding up to the lost figure, and the loss on the producer's CPU),
// to a pipe and to a file, at the default ring (which holds the burst: 0 lost) and at 4 KiB (most
// is lost); `count` and `hist` must count every call.
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachTracepoint, onlineCpus } from 'tsbpf';
import { expect, it } from 'vitest';
import { startBurst } from '../events/burst.js';
import { getppidCounter } from '../events/programs.js';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const TP = 'tracepoint:syscalls:sys_enter_getppid';
/** 48 bytes a record in the ring: 4.8 MB, within the default 8 MiB whatever the reader's speed. */
const BURST = 100_000;

interface Result {
  stdout: string;
  stderr: string;
  hits: number[];
}

/**
 * Runs `tsbpf ARGS --pid P` for a burst of `n` calls pinned to `cpu` (stdout to a pipe, or to a
 * file); it ends by itself when the burst process exits. `hits`: the test's own count per CPU.
 */
async function withBurst(cpu: number, n: number, args: string[], toFile = false): Promise<Result> {
  const burst = startBurst(cpu, n);
  const counter = getppidCounter(burst.pid);
  const dir = toFile ? mkdtempSync(join(tmpdir(), `tsbpf-acct-${process.pid}-`)) : undefined;
  try {
    await burst.ready;
    using _link = attachTracepoint(counter.prog, 'syscalls', 'sys_enter_getppid');
    const outFd = dir ? openSync(join(dir, 'out'), 'w') : 'pipe';
    const child = spawn(process.execPath, [MAIN, ...args, '--pid', String(burst.pid)], {
      stdio: ['ignore', outFd, 'pipe'],
    });
    if (typeof outFd === 'number') closeSync(outFd);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (d) => {
        stderr += d;
        if (/(tracing|counting|timing) /.test(stderr)) resolve();
      });
      child.on('exit', () => reject(new Error(`tsbpf exited before it attached: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      await ready;
      await burst.go();
      expect(await exited, stderr).toBe(0);
    } finally {
      clearTimeout(timer);
    }
    if (dir) stdout = readFileSync(join(dir, 'out'), 'utf8');
    return { stdout, stderr, hits: counter.hits.perCpu() };
  } finally {
    burst.kill();
    counter.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Event lines, "Lost N events" lines, and the "N events, M lost (CPU c: m, …)" summary. */
function traceFigures(r: Result) {
  const lines = r.stdout.split('\n').filter(Boolean);
  const gaps = lines.flatMap((l) => {
    const m = /^Lost (\d+) events$/.exec(l);
    return m ? [Number(m[1])] : [];
  });
  const s = /^(\d+) events, (\d+) lost(?: \((.*)\))?$/m.exec(r.stderr);
  if (!s) throw new Error(`no summary line in: ${r.stderr}`);
  const perCpu = new Map<number, number>();
  for (const part of s[3]?.split(', ') ?? []) {
    const m = /^CPU (\d+): (\d+)$/.exec(part);
    if (!m) throw new Error(`bad per-CPU part '${part}'`);
    perCpu.set(Number(m[1]), Number(m[2]));
  }
  return {
    lines: lines.length - gaps.length,
    gaps: gaps.reduce((a, b) => a + b, 0),
    events: Number(s[1]),
    lost: Number(s[2]),
    perCpu,
  };
}

kernelDescribe('CLI accounting: events + lost == in-kernel hits', ['tracepoints', 'ringbuf'], () => {
  it('trace, default ring, to a pipe and to a file: every call printed, 0 lost, on every CPU', async () => {
    for (const cpu of onlineCpus())
      for (const toFile of [false, true]) {
        const r = await withBurst(cpu, BURST, ['trace', TP], toFile);
        const f = traceFigures(r);
        const where = `CPU ${cpu}, ${toFile ? 'file' : 'pipe'}`;
        expect(r.hits[cpu], where).toBe(BURST);
        expect(f.events, where).toBe(BURST);
        expect(f.lines, where).toBe(BURST);
        expect(f.lost, where).toBe(0);
      }
  });

  it('trace --buffer 1/256 (4 KiB): most is lost, and every loss is counted, per CPU, and marked in the stream', async () => {
    for (const cpu of onlineCpus()) {
      const r = await withBurst(cpu, BURST, ['trace', TP, '--buffer', String(1 / 256)]);
      const f = traceFigures(r);
      const hits = r.hits.reduce((a, b) => a + b, 0);
      expect(hits, `CPU ${cpu}`).toBe(BURST);
      expect(f.lines, `CPU ${cpu}`).toBe(f.events);
      expect(f.events + f.lost, `CPU ${cpu}`).toBe(hits);
      expect(f.lost, `CPU ${cpu}`).toBeGreaterThan(BURST / 2);
      expect(f.gaps, `CPU ${cpu}: the Lost lines add up`).toBe(f.lost);
      expect([...f.perCpu], `CPU ${cpu}`).toEqual([[cpu, f.lost]]);
    }
  });

  it('count and hist count every call, on every CPU', async () => {
    for (const cpu of onlineCpus()) {
      const c = await withBurst(cpu, BURST, ['count', TP, '--json']);
      const rows = JSON.parse(c.stdout.trim().split('\n').at(-1) as string).rows;
      expect(
        rows.map((x: { count: number }) => x.count),
        `CPU ${cpu}`,
      ).toEqual([c.hits[cpu]]);
      expect(c.hits[cpu]).toBe(BURST);
      const h = await withBurst(cpu, BURST, ['hist', '__x64_sys_getppid', '--json']);
      const hist = JSON.parse(h.stdout.trim().split('\n').at(-1) as string).histograms;
      const total = hist
        .flatMap((x: { buckets: { count: number }[] }) => x.buckets)
        .reduce((a: number, b: { count: number }) => a + b.count, 0);
      expect(total, `CPU ${cpu}`).toBe(h.hits[cpu]);
    }
  });
});

kernelDescribe('CLI output to a pipe', ['tracepoints', 'ringbuf'], () => {
  it('trace whose reader goes away (| head) ends quietly with exit 0 and its summary', async () => {
    const burst = startBurst(onlineCpus()[0] ?? 0, 20_000_000);
    try {
      await burst.ready;
      const child = spawn(process.execPath, [MAIN, 'trace', TP, '--pid', String(burst.pid)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/tracing /.test(stderr)) void burst.go().catch(() => {});
      });
      child.stdout.once('data', () => child.stdout.destroy()); // like `| head -1`
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect(code, stderr).toBe(0);
      expect(stderr).toMatch(/^\d+ events, \d+ lost/m);
      expect(stderr).not.toMatch(/EPIPE|Error|at /);
    } finally {
      burst.kill();
    }
  });
});
