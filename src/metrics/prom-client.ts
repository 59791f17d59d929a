// tracer.metrics(registry): a tracer's aggregations as metrics of the user's own prom-client
// Registry. prom-client is not imported: a registry takes any object with a name, help, type and
// an async get() (the shape its own metrics have), so this works with the user's copy and
// version, and tsbpf does not depend on it.
import type { Tracer } from '../probes/tracer.js';
import { type TracerMetricsOptions, tracerMetrics } from './tracer-families.js';

/** The part of prom-client's Registry used here. */
export interface PromRegistryLike {
  registerMetric(metric: never): void;
}

interface PromValue {
  value: number;
  labels: Record<string, string>;
  metricName: string;
}

/** Registers every count/sum/hist/lhist map of `tracer`; returns the metric names. */
export function registerPromClient(
  tracer: Tracer,
  registry: PromRegistryLike,
  opts: TracerMetricsOptions = {},
): string[] {
  const names: string[] = [];
  for (const m of tracerMetrics(tracer, opts)) {
    const metric = {
      name: m.name,
      help: m.help,
      type: m.kind,
      aggregator: 'sum',
      get: async () => {
        const f = m.read();
        return {
          name: f.name,
          help: f.help,
          type: f.type,
          aggregator: 'sum',
          values: f.samples.map((s): PromValue => ({ value: s.value, labels: s.labels, metricName: s.name })),
        };
      },
      // registry.resetMetrics(): start the kernel's counts over.
      reset: () => tracer.aggregation(m.map).clear(),
    };
    registry.registerMetric(metric as never);
    names.push(m.name);
  }
  return names;
}
