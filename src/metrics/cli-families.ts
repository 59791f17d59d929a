// What `tsbpf count --metrics` and `tsbpf hist --metrics` serve: the command's own maps as a
// counter per probe (and key) and a latency histogram in seconds.
import type { Tracer } from '../probes/tracer.js';
import { counterFamily, histogramFamily, histogramSeries, type MetricFamily } from './family.js';

/** tsbpf count: `tsbpf_count_events_total{probe, <by>}`. */
export function countFamilies(tracer: Tracer, by: string, probeLabels: readonly string[]): MetricFamily[] {
  const name = 'tsbpf_count_events_total';
  const help = 'Events counted by tsbpf count.';
  if (by === 'probe')
    return [
      {
        name,
        help,
        type: 'counter',
        samples: probeLabels.map((probe, i) => ({
          name,
          labels: { probe },
          value: tracer.aggregation(`probe${i}`).total(),
        })),
      },
    ];
  return [
    counterFamily(tracer.aggregation('counts'), {
      name,
      help,
      labels: ['probe', by],
      labelValue: (i, raw) =>
        i === 0
          ? (probeLabels[raw as number] ?? '?')
          : by === 'stack'
            ? tracer.stack(raw as number).join(';') || '(no kernel stack)'
            : String(raw),
    }),
  ];
}

/** tsbpf hist: `tsbpf_hist_latency_seconds{function[, comm]}` (buckets in the command's unit, sum in ns). */
export function histFamilies(tracer: Tracer, fn: string, unitNs: number, byComm: boolean): MetricFamily[] {
  const name = 'tsbpf_hist_latency_seconds';
  const series = histogramSeries(tracer.aggregation('latency'), {
    name,
    help: '',
    labels: byComm ? ['comm'] : [],
    unitsPerSecond: 1e9 / unitNs,
    // The same bounds for every series (~34 s at the top), so they aggregate.
    log2Range: { min: 0, max: Math.ceil(Math.log2(34e9 / unitNs)) },
    sum: tracer.aggregation('latency_ns'),
    sumUnitsPerSecond: 1e9,
  });
  for (const s of series) s.labels = { function: fn, ...s.labels };
  return [histogramFamily(name, `Latency of the kernel function, from tsbpf hist.`, series)];
}
