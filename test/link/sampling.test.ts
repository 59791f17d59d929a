// The profile and interval probe kinds on the real kernel: a cpu-clock event on every online CPU
// (profile) or on CPU 0 (interval), one Link per probe whose close() closes every event; interval
// fires with a --pid filter too (it runs in no task), and profile samples the stacks of what runs.
import { spawnSync } from 'node:child_process';
import { Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { onlineCpus } from '../../src/cpus.js';
import { kernelDescribe } from '../support/kernel.js';
import { kernelObjectFds } from './fds.js';

const perfEvents = () => kernelObjectFds().filter((l) => l.includes('[perf_event]')).length;

kernelDescribe('sampling probe kinds', ['tracepoints'], () => {
  it('profile:hz:N opens one event per online CPU and closes them all with its tracer', async () => {
    const before = kernelObjectFds();
    {
      using t = new Tracer();
      t.probe('profile:hz:49', (p) => p.count('samples'));
      await t.start();
      expect(perfEvents() - before.filter((l) => l.includes('[perf_event]')).length).toBe(
        onlineCpus().length,
      );
      const link = t.probes[0]?.attachments[0]?.link;
      expect(link?.kind).toBe('perf_event');
    }
    expect(kernelObjectFds()).toEqual(before);
  });

  it('interval:ms:N fires on one CPU, in no task: a --pid filter does not silence it', async () => {
    using t = new Tracer({ pid: 1 }); // init: never the task a timer interrupts here
    const ticks: number[] = [];
    t.probe('interval:ms:20', (p) => p.emit({ cpu: p.cpu() })).on((e) => {
      ticks.push(e.cpu);
      return ticks.length < 3;
    });
    await t.start();
    expect(perfEvents()).toBeGreaterThanOrEqual(1);
    for await (const _ of t.probes[0] as AsyncIterable<unknown>) if (ticks.length >= 3) break;
    expect(ticks.slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('profile:hz:N with --pid samples only that process, with its user stack', async () => {
    using t = new Tracer({ pid: process.pid });
    t.probe('profile:hz:997', (p) => p.count('byPid', [p.pid(), p.stack({ user: true })]));
    await t.start();
    // Spin here until the kernel has sampled this process a few times.
    const end = Date.now() + 10_000;
    while (Date.now() < end && t.aggregation('byPid').total() < 5) spawnSync('true');
    const entries = t.aggregation<[number, number]>('byPid').entries();
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.key[0] === process.pid)).toBe(true);
    expect(entries.some((e) => t.aggregation('stacks').frames(e.key[1]).length > 0)).toBe(true);
  });
});
