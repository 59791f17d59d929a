// User stacks from the command line (the built CLI in a child process): `trace --fields ustack`
// prints each event's user stack symbolized, and `count --by ustack` counts per stack; both on the
// nested C fixture, whose process has exited before the table is printed.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { nestedFixture, startNested } from './fixture.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const FRAMES = [
  /^stack_inner\+0x7$/,
  /^stack_middle\+0x[0-9a-f]+$/,
  /^stack_outer\+0x[0-9a-f]+$/,
  /^main\+0x[0-9a-f]+$/,
];

kernelDescribe('ustack on the command line', ['uprobes', 'ringbuf'], () => {
  it('trace --fields ustack: the frames in order, per event', async () => {
    const bin = nestedFixture();
    const t = await startNested(3);
    const done: Promise<string>[] = [];
    const r = await runChild(
      process.execPath,
      [
        MAIN,
        'trace',
        `uprobe:${bin}:stack_inner_body`,
        '--fields',
        'ustack',
        '--pid',
        String(t.pid),
        '--max-events',
        '3',
        '--json',
      ],
      { ready: /tracing /, during: () => void done.push(t.go()) },
    );
    await done[0];
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events).toHaveLength(3);
    for (const e of events) {
      const frames = e.args.ustack as string[];
      FRAMES.forEach((re, i) => {
        expect(frames[i]).toMatch(re);
      });
    }
  });

  it('count --by ustack: one row per stack, the process gone before the table', async () => {
    const bin = nestedFixture();
    const t = await startNested(5);
    const done: Promise<string>[] = [];
    const r = await runChild(
      process.execPath,
      [
        MAIN,
        'count',
        `uprobe:${bin}:stack_inner_body`,
        '--by',
        'ustack',
        '--pid',
        String(t.pid),
        '--duration',
        '2',
        '--json',
      ],
      { ready: /counting /, during: () => void done.push(t.go()) },
    );
    await done[0];
    expect(r.code, r.stderr).toBe(0);
    const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
    expect(last.rows).toHaveLength(1);
    expect(last.rows[0].count).toBe(5);
    const frames = (last.rows[0].key as string).split(';');
    FRAMES.forEach((re, i) => {
      expect(frames[i]).toMatch(re);
    });
  });
});
