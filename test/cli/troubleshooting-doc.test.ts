// docs/troubleshooting.md quotes what the commands print; these tests run the commands and compare,
// line by line ('…' in the guide stands for any text), so the guide cannot drift from the code.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const GUIDE = readFileSync(new URL('../../docs/troubleshooting.md', import.meta.url), 'utf8');

/** The lines of the first plain ``` block after `heading`. */
function quoted(heading: string): string[] {
  const at = GUIDE.indexOf(heading);
  expect(at, heading).toBeGreaterThanOrEqual(0);
  const m = /^```\n([\s\S]*?)^```$/m.exec(GUIDE.slice(at));
  return (m?.[1] ?? '').trimEnd().split('\n');
}

/** A guide line as a pattern: literal text, '…' for anything. */
const pattern = (line: string): RegExp =>
  new RegExp(
    `^${line
      .split('…')
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

kernelDescribe('docs/troubleshooting.md shows what the commands print', ['tracepoints', 'btf'], () => {
  it('"needs root": count and list as an ordinary user', () => {
    const [count, list] = quoted('## "needs root" / EPERM');
    const asNobody = (args: string[]) =>
      spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, MAIN, ...args],
        {
          encoding: 'utf8',
        },
      );
    const c = asNobody(['count', 'tracepoint:sched:sched_switch']);
    const l = asNobody(['list', 'sched']);
    expect(c.status).toBe(1);
    expect(l.status).toBe(1);
    expect(c.stderr.trimEnd()).toMatch(pattern(count as string));
    expect(l.stderr.trimEnd()).toMatch(pattern(list as string));
  });

  // The guide's fallback is the one a kernel without kprobes and BPF trampolines takes.
  it.skipIf(existsSync('/sys/bus/event_source/devices/kprobe'))(
    'a probe kind this kernel lacks',
    async () => {
      const lines = quoted('## A probe kind this kernel lacks');
      const r = await runChild(process.execPath, [MAIN, 'trace', 'kprobe:do_unlinkat'], {
        ready: /tracing 1 probe/,
        stop: true,
      });
      const got = r.stderr.trimEnd().split('\n');
      expect(got.length, r.stderr).toBeGreaterThanOrEqual(lines.length);
      for (const [i, line] of lines.entries()) expect(got[i]).toMatch(pattern(line));
      expect(got.at(-1)).toMatch(/^\d+ events, \d+ lost$/);
    },
  );
});
