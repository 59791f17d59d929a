// Options of trace and count that used to do slightly the wrong thing, and a tracepoint they
// could not take: -n N printed N + 1 events (records already in the ring at the limit were
// printed too), count -i to a file gave tables with no time, so a log of intervals could not be
// read back, and raw_syscalls:sys_enter's array field failed every probe on it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const tsbpf = (args: string[]) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });

kernelDescribe('trace -n, count -i', ['tracepoints', 'ringbuf', 'btf'], () => {
  // sched_switch fires thousands of times a second: many records wait in the ring at the limit.
  for (const n of [1, 2, 5])
    it(`trace -n ${n} prints exactly ${n} events`, () => {
      const r = tsbpf(['trace', 'tracepoint:sched:sched_switch', '-n', String(n)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(n);
      expect(r.stderr).toMatch(new RegExp(`^${n} events, \\d+ lost`, 'm'));
    });

  // unsigned long args[6]: one argument per element, as the format's print fmt names them.
  it('a tracepoint with an array field (raw_syscalls:sys_enter) traces and counts', () => {
    const t = tsbpf(['trace', 'tracepoint:raw_syscalls:sys_enter', '-n', '3', '--json']);
    expect(t.status, t.stderr).toBe(0);
    for (const line of t.stdout.trim().split('\n'))
      expect(Object.keys(JSON.parse(line).args)).toEqual([
        'id',
        ...[0, 1, 2, 3, 4, 5].map((i) => `args[${i}]`),
      ]);
    const c = tsbpf(['count', 'tracepoint:raw_syscalls:sys_enter', '-d', '0.3']);
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^tracepoint:raw_syscalls:sys_enter\s+\d+$/m);
  });

  it('count -i stamps each interval with the time', () => {
    const r = tsbpf(['count', 'tracepoint:sched:sched_switch', '-i', '0.3', '-d', '1.1']);
    expect(r.status, r.stderr).toBe(0);
    const heads = r.stdout.match(/^PROBE\s+COUNT$/gm) ?? [];
    const stamps = r.stdout.match(/^\d\d:\d\d:\d\d\nPROBE\s+COUNT$/gm) ?? [];
    expect(heads.length).toBeGreaterThanOrEqual(2);
    expect(stamps).toHaveLength(heads.length);
  });
});
