// OpenTelemetry bindings for a tracer's aggregations, read from the kernel maps at each collection:
//  - openTelemetryMetrics(tracer, meter): count and sum maps as observable counters of the
//    @opentelemetry/api Meter (any SDK, any exporter);
//  - openTelemetryHistograms(tracer): hist/lhist maps as histogram data points, as a MetricProducer
//    for the SDK's metric reader (`metricProducers: [...]`). The API has no asynchronous histogram
//    instrument, and re-recording kernel buckets one value at a time would cost per event.
// Neither imports OpenTelemetry: they use the shapes its API and SDK define, so the user's own
// versions are the ones in use and tsbpf does not depend on them.
import type { Tracer } from '../probes/tracer.js';
import { type TracerMetricsOptions, tracerMetrics } from './tracer-families.js';

type Attributes = Record<string, string>;

/** The batch observer a Meter hands to the callback. */
export interface OtelObserverLike {
  observe(instrument: object, value: number, attributes?: Attributes): void;
}
type BatchCallback = (observer: OtelObserverLike) => void;

/** The parts of @opentelemetry/api's Meter used here (methods: a real Meter fits). */
export interface OtelMeterLike {
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): object;
  addBatchObservableCallback(callback: BatchCallback, instruments: object[]): void;
  removeBatchObservableCallback(callback: BatchCallback, instruments: object[]): void;
}

/** Registers observable counters for every count/sum map; `close()` unregisters them. */
export function openTelemetryMetrics(
  tracer: Tracer,
  meter: OtelMeterLike,
  opts: TracerMetricsOptions = {},
): { names: string[]; close(): void } {
  const counters = tracerMetrics(tracer, opts)
    .filter((m) => m.kind === 'counter')
    .map((m) => ({
      m,
      // OTel names carry no _total: its Prometheus exporter adds it back to monotonic sums.
      instrument: meter.createObservableCounter(m.name.replace(/_total$/, ''), { description: m.help }),
    }));
  const callback: BatchCallback = (observer) => {
    for (const { m, instrument } of counters)
      for (const s of m.read().samples) observer.observe(instrument, s.value, s.labels);
  };
  const instruments = counters.map((c) => c.instrument);
  meter.addBatchObservableCallback(callback, instruments);
  return {
    names: counters.map((c) => c.m.name.replace(/_total$/, '')),
    close: () => meter.removeBatchObservableCallback(callback, instruments),
  };
}

/** HrTime: [seconds, nanoseconds]. */
type HrTime = [number, number];
const hrNow = (): HrTime => {
  const ms = performance.timeOrigin + performance.now();
  return [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
};

/** @opentelemetry/sdk-metrics's enum values (stable parts of its MetricData). */
const DATA_POINT_HISTOGRAM = 0;
const CUMULATIVE = 1;
const VALUE_TYPE_DOUBLE = 1;

/** A MetricProducer (sdk-metrics) giving every hist/lhist map as a cumulative histogram. */
export function openTelemetryHistograms(
  tracer: Tracer,
  opts: TracerMetricsOptions & { scope?: string } = {},
): {
  collect(): Promise<{ resourceMetrics: { resource: unknown; scopeMetrics: unknown[] }; errors: unknown[] }>;
} {
  const startTime = hrNow();
  return {
    async collect() {
      const errors: unknown[] = [];
      const metrics: unknown[] = [];
      const endTime = hrNow();
      for (const m of tracerMetrics(tracer, opts)) {
        if (m.kind !== 'histogram' || !m.series) continue;
        try {
          const dataPoints = m.series().map((s) => {
            // OTel buckets: counts per bucket (not cumulative), one more than the explicit bounds.
            const counts = s.counts.map((c, i) => c - (i === 0 ? 0 : (s.counts[i - 1] as number)));
            return {
              startTime,
              endTime,
              attributes: s.labels,
              value: { buckets: { boundaries: s.le.slice(0, -1), counts }, sum: s.sum ?? 0, count: s.count },
            };
          });
          metrics.push({
            descriptor: {
              name: m.name,
              description: m.help,
              unit: m.name.endsWith('_seconds') ? 's' : '',
              valueType: VALUE_TYPE_DOUBLE,
            },
            aggregationTemporality: CUMULATIVE,
            dataPointType: DATA_POINT_HISTOGRAM,
            dataPoints,
          });
        } catch (err) {
          errors.push(err);
        }
      }
      return {
        resourceMetrics: {
          resource: {},
          scopeMetrics: [{ scope: { name: opts.scope ?? 'tsbpf' }, metrics }],
        },
        errors,
      };
    },
  };
}
