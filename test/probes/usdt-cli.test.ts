// USDT probes through the CLI as a user runs it (the built tsbpf in a child process): trace's
// typed arguments, count's exact total of a probe fired N times, hist's buckets of an argument,
// list -v's argument specs, and a probe name the binary does not have as a one-line error naming
// the ones it has.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ChildRun, runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { runFixture, usdtFixtures, usdtFixturesMissing } from '../support/usdt-fixture.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

function cli(args: string[], during: () => void = () => {}): Promise<ChildRun> {
  return runChild(process.execPath, [MAIN, ...args], { ready: /(tracing|counting) /, during });
}

const missing = usdtFixturesMissing();
if (missing !== undefined)
  describe('tsbpf with USDT probes', () => {
    if (process.env.CI) it('needs the USDT fixtures', () => expect.fail(missing));
    else it.skip(`skipped: ${missing}`, () => {});
  });
else
  kernelDescribe('tsbpf with USDT probes', ['uprobes', 'ringbuf', 'btf'], () => {
    let fixture: string;
    beforeAll(() => {
      fixture = usdtFixtures().fixture;
    });

    it('trace --json: typed arguments of a constant-argument probe and a string', async () => {
      const r = await cli(
        [
          'trace',
          `usdt:${fixture}:tsbpf:consts`,
          `usdt:${fixture}:tsbpf:typed`,
          '--fields',
          'arg0,arg1,arg2,arg3,arg8:str',
          '--max-events',
          '2',
          '--json',
        ],
        () => runFixture(fixture, ['0']),
      );
      expect(r.code, r.stderr).toBe(0);
      const events = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .map((e) => [e.probe, e.args]);
      expect(events).toEqual([
        [
          `usdt:${fixture}:tsbpf:typed`,
          { arg0: -5, arg1: 250, arg2: -1234, arg3: 60000, arg8: 'hello usdt' },
        ],
        [`usdt:${fixture}:tsbpf:consts`, { arg0: -7, arg1: 200, arg2: -100000, arg3: 123456789012 }],
      ]);
    });

    it('count: exactly the N firings of a probe', async () => {
      const N = 777;
      const r = await cli(['count', `usdt:${fixture}:tsbpf:tick`, '--duration', '1.5', '--json'], () =>
        runFixture(fixture, [String(N)]),
      );
      expect(r.code, r.stderr).toBe(0);
      const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      expect(last.rows).toEqual([{ probe: `usdt:${fixture}:tsbpf:tick`, count: N }]);
    });

    it('hist --value arg0: the loop indexes the probe passed, bucket by bucket', async () => {
      const r = await cli(
        [
          'hist',
          `usdt:${fixture}:tsbpf:tick`,
          '--value',
          'arg0',
          '--linear',
          '0,100,25',
          '--duration',
          '1.5',
          '--json',
        ],
        () => runFixture(fixture, ['100']),
      );
      expect(r.code, r.stderr).toBe(0);
      const last = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      expect(last.histograms[0].buckets.map((b: { low: number; count: number }) => [b.low, b.count])).toEqual(
        [
          [0, 25],
          [25, 25],
          [50, 25],
          [75, 25],
        ],
      );
    });

    it('list -v shows each argument with its type and spec', () => {
      const r = spawnSync(process.execPath, [MAIN, 'list', '-v', `usdt:${fixture}:tsbpf:co*`], {
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(
        `usdt:${fixture}:tsbpf:consts\n    s32 arg0 (-4@$-7)\n    s32 arg1 (-4@$200)\n    s32 arg2 (-4@$-100000)\n    s64 arg3 (-8@$123456789012)\n`,
      );
    });

    it('a probe the binary does not have: one line naming the ones it has, exit 1', async () => {
      const r = await cli(['trace', `usdt:${fixture}:tsbpf:nosuch`]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/no probe 'tsbpf:nosuch' in .*sdt-fixture \(it has tsbpf:\w+, .*tsbpf:tick/);
    });
  });
