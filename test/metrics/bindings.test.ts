// The library bindings: a prom-client Registry and an OpenTelemetry SDK reader, each fed from a
// tracer's kernel maps, must show exactly what the maps hold (read back raw here) and the calls
// a marked process made.
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { Registry } from 'prom-client';
import { openTelemetryHistograms, openTelemetryMetrics, Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { getppidCaller } from './servers.js';

const CALLS = 29;

/** A tracer counting getppid per comm and timing it, for the marked caller only. */
async function tracedCaller() {
  const caller = getppidCaller(CALLS);
  const tracer = new Tracer({ comm: caller.comm });
  tracer.probe('tracepoint:syscalls:sys_enter_getppid', (p) => {
    p.count('calls', p.comm());
    p.map('start').set(p.tid(), p.ktime());
  });
  tracer.probe('tracepoint:syscalls:sys_exit_getppid', (p) => {
    const start = p.map('start');
    const delta = p.ktime().sub(start.get(p.tid()));
    start.delete(p.tid());
    p.hist('lat', delta, p.comm());
    p.sum('lat_ns', delta, p.comm());
  });
  await tracer.start();
  return { caller, tracer };
}

const OPTS = { unitsPerSecond: { lat: 1e9 }, sums: { lat: 'lat_ns' } };

kernelDescribe('metrics bindings', ['tracepoints'], () => {
  it('tracer.metrics(registry): prom-client text equals the kernel maps', async () => {
    const { caller, tracer } = await tracedCaller();
    try {
      const registry = new Registry();
      expect(tracer.metrics(registry, OPTS)).toEqual(['tsbpf_calls_total', 'tsbpf_lat_seconds']);
      await caller.go();
      const text = await registry.metrics();
      const lines = text.split('\n');
      // The counter: one line per map entry, its value the entry's.
      const calls = tracer.aggregation('calls').entries();
      expect(calls).toEqual([{ key: caller.comm, value: CALLS }]); // a single key: the value itself
      expect(lines).toContain('# TYPE tsbpf_calls_total counter');
      expect(lines).toContain(`tsbpf_calls_total{comm="${caller.comm}"} ${CALLS}`);
      // The histogram: each le line counts the raw entries whose bucket's values are all <= le.
      const raw = tracer.aggregation('lat').rawEntries(); // key parts: [label, log2 bucket]
      const bucketLines = lines.filter((l) => l.startsWith('tsbpf_lat_seconds_bucket'));
      expect(bucketLines.length).toBeGreaterThan(1);
      for (const l of bucketLines) {
        const m = /le="([^"]+)"\} (\d+)$/.exec(l) as RegExpExecArray;
        const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
        const want = raw
          .filter((e) => {
            const k = Number(e.key[1]);
            return (k === 0 ? 0 : 2 ** k - 1) / 1e9 <= le;
          })
          .reduce((n, e) => n + e.value, 0);
        expect(Number(m[2]), l).toBe(want);
      }
      expect(lines).toContain(`tsbpf_lat_seconds_count{comm="${caller.comm}"} ${CALLS}`);
      const sumNs = tracer.aggregation('lat_ns').total();
      expect(lines).toContain(`tsbpf_lat_seconds_sum{comm="${caller.comm}"} ${sumNs / 1e9}`);
    } finally {
      tracer.close();
    }
  });

  it('OpenTelemetry: an in-memory SDK reader sees the same counter and histogram', async () => {
    const { caller, tracer } = await tracedCaller();
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: 3_600_000,
      metricProducers: [openTelemetryHistograms(tracer, OPTS) as never],
    });
    const provider = new MeterProvider({ readers: [reader] });
    try {
      const bound = openTelemetryMetrics(tracer, provider.getMeter('tsbpf-test'), OPTS);
      expect(bound.names).toEqual(['tsbpf_calls']);
      await caller.go();
      await reader.forceFlush();
      const metrics = exporter
        .getMetrics()
        .at(-1)
        ?.scopeMetrics.flatMap((s) => s.metrics) as unknown as {
        descriptor: { name: string };
        dataPoints: never[];
      }[];
      const byName = Object.fromEntries(metrics.map((m) => [m.descriptor.name, m.dataPoints]));
      const counter = byName.tsbpf_calls as { attributes: object; value: number }[];
      expect(counter.map((d) => [d.attributes, d.value])).toEqual([[{ comm: caller.comm }, CALLS]]);
      const hist = byName.tsbpf_lat_seconds as {
        attributes: object;
        value: { count: number; sum: number; buckets: { boundaries: number[]; counts: number[] } };
      }[];
      expect(hist.map((d) => d.attributes)).toEqual([{ comm: caller.comm }]);
      const h = hist[0]?.value as NonNullable<(typeof hist)[0]>['value'];
      expect(h.count).toBe(CALLS);
      expect(h.sum).toBe(tracer.aggregation('lat_ns').total() / 1e9);
      expect(h.buckets.counts.length).toBe(h.buckets.boundaries.length + 1);
      expect(h.buckets.counts.reduce((a, b) => a + b, 0)).toBe(CALLS);
      // Per-bucket counts are the kernel's own buckets.
      const kernel =
        tracer
          .aggregation('lat')
          .histograms()[0]
          ?.buckets.map((b) => b.count) ?? [];
      expect(h.buckets.counts.slice(0, kernel.length)).toEqual(kernel);
      bound.close();
    } finally {
      await provider.shutdown();
      tracer.close();
    }
  });
});
