// tsbpf list against outside oracles: tracefs's own available_events, bpftrace -l (Debian's
// bpftrace; CI installs it), bpftool's raw BTF dump and /proc/kallsyms. Each listed point must
// also be something tsbpf trace accepts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { globRegExp, kernelFunctions, listProbePoints, tracefsRoot } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const BPFTRACE = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) => existsSync(p));
const BPFTOOL = ['/usr/sbin/bpftool', '/usr/bin/bpftool'].find((p) => existsSync(p));

function list(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'list', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
/** An outside oracle the test compares with: absent locally it skips the comparison, in CI it fails. */
function oracle(path: string | undefined, name: string): path is string {
  if (path) return true;
  if (process.env.CI) expect.fail(`${name} is absent (.ci/run installs it)`);
  return false;
}
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');
const bpftraceList = (...args: string[]): string[] =>
  lines(execFileSync(BPFTRACE as string, ['-l', ...args], { encoding: 'utf8', maxBuffer: 1 << 28 }));

describe('globs', () => {
  it('match like the shell: *, ?, [a-c], [!x], and nothing else is special', () => {
    expect(globRegExp('do_unlink*').test('do_unlinkat')).toBe(true);
    expect(globRegExp('do_unlink*').test('xdo_unlinkat')).toBe(false);
    expect(globRegExp('vfs_rea?').test('vfs_read')).toBe(true);
    expect(globRegExp('sys_[a-c]*').test('sys_bpf')).toBe(true);
    expect(globRegExp('sys_[!a-c]*').test('sys_bpf')).toBe(false);
    expect(globRegExp('a.b+c').test('a.b+c')).toBe(true);
    expect(globRegExp('a.b+c').test('axbbc')).toBe(false);
  });
});

kernelDescribe('tsbpf list', ['tracepoints', 'btf'], () => {
  it('lists exactly the tracepoints that have an id in tracefs (events/CATEGORY/EVENT/id)', () => {
    const root = `${tracefsRoot()}/events`;
    const events: string[] = [];
    for (const cat of readdirSync(root, { withFileTypes: true }))
      if (cat.isDirectory() && cat.name !== 'ftrace')
        // ftrace's own entries cannot be enabled
        for (const ev of readdirSync(`${root}/${cat.name}`))
          if (existsSync(`${root}/${cat.name}/${ev}/id`)) events.push(`tracepoint:${cat.name}:${ev}`);
    const r = list('tracepoint:*');
    expect(r.code).toBe(0);
    expect(new Set(lines(r.stdout))).toEqual(new Set(events));
  });

  it('-v: tracepoint fields with their declared types; a syscall exit shows ret', () => {
    const r = list('-v', 'tracepoint:syscalls:sys_enter_unlinkat', 'tracepoint:syscalls:sys_exit_unlinkat');
    expect(r.stdout).toBe(
      [
        'tracepoint:syscalls:sys_enter_unlinkat',
        '    int dfd',
        '    const char * pathname',
        '    int flag',
        'tracepoint:syscalls:sys_exit_unlinkat',
        '    long ret',
        '',
      ].join('\n'),
    );
  });

  it('tp_btf: one point per btf_trace_* typedef in the BTF that bpftool dumps', async () => {
    if (!oracle(BPFTOOL, 'bpftool')) return;
    const raw = execFileSync(
      BPFTOOL as string,
      ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux', 'format', 'raw'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    const expected = new Set(
      [...raw.matchAll(/^\[\d+\] TYPEDEF 'btf_trace_(\w+)'/gm)].map((m) => `tp_btf:${m[1]}`),
    );
    const got = (await listProbePoints(['tp_btf:*'])).points.map((p) => p.probe);
    expect(new Set(got)).toEqual(expected);
    // Arguments carry the kernel's parameter names, as p.arg('prev') takes them.
    const [sw] = (await listProbePoints(['tp_btf:sched_switch'], { verbose: true })).points;
    expect(sw?.args).toEqual([
      'bool preempt',
      'struct task_struct *prev',
      'struct task_struct *next',
      'unsigned int prev_state',
    ]);
  });

  it('kernel functions: kallsyms text minus padding and the blacklist, typed from BTF under -v', () => {
    const fns = kernelFunctions();
    const kallsyms = readFileSync('/proc/kallsyms', 'latin1');
    expect(fns).toContain('do_unlinkat');
    expect(fns.length).toBeGreaterThan(10_000);
    expect(fns.some((f) => f.startsWith('__pfx_'))).toBe(false);
    for (const f of fns.slice(0, 200)) expect(kallsyms).toContain(` ${f}`);
    // Named explicitly, a kind this kernel cannot attach is still listed, with a note why.
    const r = list('-v', 'fexit:do_unlinkat');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toEqual([
      'fexit:do_unlinkat',
      '    int dfd',
      '    struct filename *name',
      '    int ret',
    ]);
  });

  it('a bare word searches every kind this kernel can attach, and says which it left out', () => {
    const r = list('sys_enter_unlinkat');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toContain('tracepoint:syscalls:sys_enter_unlinkat');
    if (!existsSync('/sys/bus/event_source/devices/kprobe'))
      expect(r.stderr).toMatch(/kprobe: not listed: .*kprobes/);
  });

  it('uprobe: the functions of a binary, as bpftrace -l lists them', () => {
    const r = list('uprobe:/bin/bash:*');
    expect(r.code).toBe(0);
    expect(lines(r.stdout)).toContain('uprobe:/bin/bash:readline');
    if (!oracle(BPFTRACE, 'bpftrace')) return;
    expect(new Set(lines(r.stdout))).toEqual(new Set(bpftraceList('uprobe:/bin/bash:*')));
  });

  it('tracepoints and their fields agree with bpftrace -l and -lv', () => {
    if (!oracle(BPFTRACE, 'bpftrace')) return;
    expect(new Set(lines(list('tracepoint:sched:*').stdout))).toEqual(
      new Set(bpftraceList('tracepoint:sched:*')),
    );
    // bpftrace shows __syscall_nr, which a probe body never needs; otherwise the same lines.
    const theirs = bpftraceList('-v', 'tracepoint:syscalls:sys_enter_openat').filter(
      (l) => !l.includes('__syscall_nr'),
    );
    expect(lines(list('-v', 'tracepoint:syscalls:sys_enter_openat').stdout)).toEqual(theirs);
  });

  it('nothing matching exits 1 with one line; a missing binary names the file', () => {
    const none = list('tracepoint:nosuch:*');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no probe points match 'tracepoint:nosuch:*'");
    const bad = list('uprobe:/nonexistent/bin:*');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("no file '/nonexistent/bin'");
  });

  it('--json: one object per line', () => {
    const r = list('--json', '-v', 'tracepoint:syscalls:sys_exit_unlinkat');
    expect(lines(r.stdout).map((l) => JSON.parse(l))).toEqual([
      { probe: 'tracepoint:syscalls:sys_exit_unlinkat', kind: 'tracepoint', args: [], ret: 'long ret' },
    ]);
  });
});
