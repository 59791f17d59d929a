// Probes on kernel functions that syscalls reach, run the same way on this host (kprobe-less: the
// syscall tracepoints stand in) and in the VM (real kprobes, --no-fallback): the same workload
// must give the same events, which checks the fallback's routes against the kernel itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildRun, runChild } from './child.js';
import { openFamily, PY_COMM, startPython, unlinkFamily } from './private-python.js';

const CLI = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

interface TraceEvent {
  probe: string;
  pid: number;
  args: Record<string, unknown>;
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

/**
 * `tsbpf trace kprobe:do_unlinkat kprobe:do_rmdir` while python unlinks a file with unlink(2) and
 * one with unlinkat(2), and removes a directory with rmdir(2) and one with unlinkat(AT_REMOVEDIR).
 * Returns the `name` each probe saw, in order (do_unlinkat: dir/a, b; do_rmdir: dir/d1, d2).
 */
export async function unlinkRoutes(extra: string[]): Promise<{
  run: ChildRun;
  dir: string;
  unlinkat: { name: unknown; dfd: unknown }[];
  rmdir: { name: unknown; dfd: unknown }[];
}> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-routes-'));
  try {
    const py = startPython(unlinkFamily(dir));
    const run = await runChild(
      process.execPath,
      [
        CLI,
        'trace',
        'kprobe:do_unlinkat',
        'kprobe:do_rmdir',
        '--comm',
        PY_COMM,
        '--json',
        '-n',
        '4',
        ...extra,
      ],
      { ready: /tracing /, during: () => py.go(), cwd: tmpdir() },
    );
    const events: TraceEvent[] = jsonLines(run.stdout);
    // Labels: kprobe:do_rmdir, or its stand-in tracepoint:syscalls:sys_enter_{rmdir,unlinkat}.
    const isRmdir = (e: TraceEvent) => /do_rmdir|\{rmdir/.test(e.probe);
    const pick = (e: TraceEvent) => ({ name: e.args.name, dfd: e.args.dfd });
    return {
      run,
      dir,
      unlinkat: events.filter((e) => !isRmdir(e)).map(pick),
      rmdir: events.filter(isRmdir).map(pick),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `tsbpf hist do_sys_openat2 --pid PID` and `tsbpf trace kprobe:do_sys_openat2 --pid PID` while
 * python (PID) opens one file each with open(2), openat(2), creat(2) and openat2(2).
 */
export async function openRoutes(extra: string[]): Promise<{
  hist: ChildRun;
  calls: number;
  trace: ChildRun;
  files: unknown[];
  dfds: unknown[];
  dir: string;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-routes-'));
  try {
    const time = (args: string[]) => {
      const py = startPython(openFamily(dir));
      return runChild(process.execPath, [CLI, ...args, '--pid', String(py.child.pid), ...extra], {
        ready: /(tracing|timing) /,
        during: () => py.go(),
        cwd: tmpdir(),
      });
    };
    const hist = await time(['hist', 'do_sys_openat2', '--json']);
    const last = jsonLines(hist.stdout).pop() as
      | { histograms: { buckets: { count: number }[] }[] }
      | undefined;
    const calls = (last?.histograms ?? []).flatMap((h) => h.buckets).reduce((n, b) => n + b.count, 0);
    const trace = await time(['trace', 'kprobe:do_sys_openat2', '--json', '--fields', 'dfd,filename']);
    const events: TraceEvent[] = jsonLines(trace.stdout);
    const files = events.map((e) => e.args.filename);
    return { hist, calls, trace, files, dfds: events.map((e) => e.args.dfd), dir };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
