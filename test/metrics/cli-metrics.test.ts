// `tsbpf count --metrics` and `tsbpf hist --metrics`: scraped while the command runs, the served
// figures equal what the command itself prints at the end (its --json output) and the calls a
// marked process made.
import { expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';
import { freePort, getppidCaller, MAIN } from './servers.js';

const CALLS = 23;

async function scrape(port: number): Promise<string[]> {
  return (await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n');
}

kernelDescribe('count / hist --metrics', ['tracepoints'], () => {
  it('count --by comm: the served counter is the calls made and the count the command prints', async () => {
    const port = await freePort();
    const caller = getppidCaller(CALLS);
    let served: string[] = [];
    const r = await runChild(
      process.execPath,
      [
        MAIN,
        'count',
        'tracepoint:syscalls:sys_enter_getppid',
        '--by',
        'comm',
        '--metrics',
        `127.0.0.1:${port}`,
        '--json',
      ],
      {
        ready: /counting /,
        stop: true,
        during: async () => {
          await caller.go();
          served = await scrape(port);
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(served).toContain('# TYPE tsbpf_count_events_total counter');
    const line = served.find((l) => l.includes(`comm="${caller.comm}"`));
    expect(line).toBe(
      `tsbpf_count_events_total{probe="tracepoint:syscalls:sys_enter_getppid",comm="${caller.comm}"} ${CALLS}`,
    );
    const final = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      rows: { key: string; count: number }[];
    };
    expect(final.rows.find((row) => row.key === caller.comm)?.count).toBe(CALLS);
  });

  it('hist --by comm: a cumulative histogram whose _count is the calls made', async () => {
    const port = await freePort();
    const caller = getppidCaller(CALLS);
    let served: string[] = [];
    const r = await runChild(
      process.execPath,
      [MAIN, 'hist', '__x64_sys_getppid', '--by', 'comm', '--ns', '--metrics', `127.0.0.1:${port}`, '--json'],
      {
        ready: /timing /,
        stop: true,
        during: async () => {
          await caller.go();
          served = await scrape(port);
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const ours = served.filter((l) => l.includes(`comm="${caller.comm}"`));
    const buckets = ours
      .filter((l) => l.startsWith('tsbpf_hist_latency_seconds_bucket'))
      .map((l) => Number(l.split(' ')[1]));
    expect(buckets.length).toBeGreaterThan(20);
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1] as number);
    const count = Number(ours.find((l) => l.startsWith('tsbpf_hist_latency_seconds_count'))?.split(' ')[1]);
    expect(count).toBe(CALLS);
    expect(buckets.at(-1)).toBe(CALLS);
    // The command's own histogram for the caller has the same total.
    const final = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as {
      histograms: { key: string; total: number }[];
    };
    expect(final.histograms.find((h) => h.key === caller.comm)?.total).toBe(CALLS);
  });
});
