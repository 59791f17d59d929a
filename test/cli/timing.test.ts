// `tsbpf --timing` and TSBPF_TIMING=1: every start-up phase prints one line on stderr, in the
// order it happens, and stdout is untouched. What the lines say is checked, not how long they are.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const PHASE = /^tsbpf timing: (.+?)\s+(\d+\.\d) ms {2}\((\d+\.\d) → (\d+\.\d)/;

/** The phase names printed on stderr, in order, each checked to be a well-formed line. */
function phases(stderr: string): string[] {
  const lines = stderr.split('\n').filter((l) => l.startsWith('tsbpf timing: '));
  return lines.map((l) => {
    const mark = /^tsbpf timing: (.+?)\s+\(at (\d+\.\d) ms since start\)$/.exec(l);
    if (mark) return mark[1];
    const m = PHASE.exec(l);
    expect(m, l).not.toBeNull();
    const [, name, ms, start, end] = m as RegExpExecArray;
    expect(Number(end)).toBeGreaterThanOrEqual(Number(start));
    // Each figure is rounded to 0.1 ms on its own: their difference may be off by one rounding step.
    expect(Number(ms)).toBeLessThanOrEqual(Number(end) - Number(start) + 0.15);
    return name;
  });
}

/** `names` appear in this order among `all` (others may come between). */
function inOrder(all: string[], names: (string | RegExp)[]): void {
  let at = 0;
  for (const n of names) {
    const i = all.findIndex((p, j) => j >= at && (typeof n === 'string' ? p === n : n.test(p)));
    expect(i, `${n} after ${all[at - 1]} in ${all.join(' | ')}`).toBeGreaterThanOrEqual(0);
    at = i + 1;
  }
}

describe('tsbpf --timing (no kernel needed)', () => {
  it('btf dump --format c: modules, BTF open+index, C dump; stdout as without it', () => {
    const args = ['btf', 'dump', '--format', 'c', 'task_struct'];
    const plain = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
    const timed = spawnSync(process.execPath, [MAIN, '--timing', ...args], { encoding: 'utf8' });
    expect(plain.status, plain.stderr).toBe(0);
    expect(timed.status, timed.stderr).toBe(0);
    expect(plain.stderr).not.toContain('tsbpf timing:');
    expect(timed.stdout).toBe(plain.stdout);
    expect(timed.stdout).toContain('struct task_struct {');
    inOrder(phases(timed.stderr), [
      'node bootstrap',
      'CLI entry modules',
      'btf command modules',
      'BTF open+index',
      'C dump',
    ]);
  });

  it('TSBPF_TIMING=1 does the same as --timing; TSBPF_TIMING=0 is off', () => {
    const args = [MAIN, 'btf', 'show', 'task_struct'];
    const on = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      env: { ...process.env, TSBPF_TIMING: '1' },
    });
    const off = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      env: { ...process.env, TSBPF_TIMING: '0' },
    });
    expect(on.status, on.stderr).toBe(0);
    inOrder(phases(on.stderr), [
      'node bootstrap',
      'CLI entry modules',
      'btf command modules',
      'BTF open+index',
    ]);
    expect(off.stderr).not.toContain('tsbpf timing:');
    expect(on.stdout).toBe(off.stdout);
  });
});

kernelDescribe('tsbpf --timing trace', ['tracepoints', 'ringbuf'], () => {
  it('prints each phase up to the first event, in order', async () => {
    const r = await runChild(
      process.execPath,
      [MAIN, '--timing', 'trace', 'tracepoint:syscalls:sys_enter_unlinkat', '--comm', RM_COMM, '-n', '1'],
      { ready: /tracing /, during: () => removeFiles(1) },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('sys_enter_unlinkat');
    inOrder(phases(r.stderr), [
      'node bootstrap',
      /^CLI bundle compile \(code cache (hit|miss|rejected)\)$/,
      'CLI entry modules',
      'trace command modules',
      'koffi load (dlopen)',
      'probe modules',
      /^program build tracepoint:syscalls:sys_enter_unlinkat$/,
      'maps create',
      /^program load /,
      /^attach tracepoint:syscalls:sys_enter_unlinkat$/,
      'ring buffer mmap',
      'first event',
    ]);
    // docs/troubleshooting.md shows these phases, in this order.
    const guide = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');
    const shown = guide
      .slice(guide.indexOf('## Slow start'))
      .split('\n')
      .filter((l) => l.startsWith('tsbpf timing: '))
      .map((l) => l.slice(14).replace('…', '').trim());
    expect(shown.length).toBeGreaterThan(8);
    // The guide shows a cache hit; this run may be the first (a miss).
    const anyCacheState = (p: string) => p.replace(/\(code cache \w+\)/, '(code cache)');
    inOrder(phases(r.stderr).map(anyCacheState), shown.map(anyCacheState));
    // The first event comes after the "tracing" line, and only once.
    expect(r.stderr.indexOf('first event')).toBeGreaterThan(r.stderr.indexOf('tracing 1 probe'));
    expect(r.stderr.match(/first event/g)).toHaveLength(1);
  });
});
