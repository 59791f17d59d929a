// docs/bpftrace.md: every tsbpf command of the side-by-side table runs as written (for half a
// second) and exits 0. The rows' outputs are compared with bpftrace's in the tests the table names.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const doc = readFileSync(new URL('../../docs/bpftrace.md', import.meta.url), 'utf8');
const rows = doc
  .split('\n')
  .filter((l) => l.startsWith('| `'))
  .map((l) => ({
    kprobes: l.includes('*kprobes*'),
    command: (/\| `(tsbpf [^`]+)` \|/.exec(l)?.[1] as string) ?? '',
  }));

/** Shell words: spaces split, single quotes group. */
function words(command: string): string[] {
  return [...command.matchAll(/'([^']*)'|(\S+)/g)].map((m) => (m[1] ?? m[2]) as string);
}

const haveKprobes = existsSync('/sys/bus/event_source/devices/kprobe');

kernelDescribe('docs/bpftrace.md', ['tracepoints', 'ringbuf', 'btf'], () => {
  it('has a tsbpf command in every row', () => {
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const r of rows) expect(r.command).toMatch(/^tsbpf (list|trace|count|hist) /);
  });
  for (const r of rows) {
    it.skipIf(r.kprobes && !haveKprobes)(r.command, () => {
      const args = words(r.command).slice(1);
      if (args[0] !== 'list') args.push('-d', '0.4');
      const out = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(out.status, out.stderr).toBe(0);
    });
  }
});
