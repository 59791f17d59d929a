// The label-set cap: a metric's map is an LRU hash of max_series keys; past it the kernel evicts
// the least recently updated label set, and tsbpf_label_sets_evicted_total says how many went.
import { expect, it } from 'vitest';
import { parseServeConfig } from '../../src/metrics/config.js';
import { Exporter } from '../../src/metrics/exporter.js';
import { kernelDescribe } from '../support/kernel.js';
import { getppidCaller } from './servers.js';

const PROCESSES = 12;
const CAP = 4;

kernelDescribe('label-set cap', ['tracepoints'], () => {
  it(`${PROCESSES} pids into a metric capped at ${CAP}: at most ${CAP} series, the rest counted as evicted`, async () => {
    const comm = `cap${process.pid}`.slice(0, 15);
    const config = parseServeConfig(
      'cap.yaml',
      `metrics:\n  - name: capped_calls\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n    labels: [pid]\n    filter: { comm: ${comm} }\n    max_series: ${CAP}\n`,
    );
    const log: string[] = [];
    using exporter = new Exporter((l) => log.push(l));
    const r = await exporter.apply(config);
    expect(r.started, log.join('\n')).toEqual(['capped_calls_total']);
    // One after another: each new pid is a new label set.
    for (let i = 0; i < PROCESSES; i++) await getppidCaller(3, comm).go();
    const families = exporter.families();
    const series = families.find((f) => f.name === 'capped_calls_total')?.samples ?? [];
    expect(series.length).toBeGreaterThan(0);
    expect(series.length).toBeLessThanOrEqual(CAP);
    for (const s of series) expect(s.value).toBe(3);
    const evicted = families.find((f) => f.name === 'tsbpf_label_sets_evicted_total')?.samples;
    expect(evicted).toEqual([
      {
        name: 'tsbpf_label_sets_evicted_total',
        labels: { metric: 'capped_calls_total' },
        value: PROCESSES - series.length,
      },
    ]);
  });
});
