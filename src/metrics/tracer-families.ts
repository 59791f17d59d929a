// Every aggregation of a tracer (count, sum, hist, lhist) as metric families, for the bindings
// (prom-client, OpenTelemetry): counters `<prefix><map>_total`, histograms `<prefix><map>` (or
// `_seconds` when the map's unit is given). Read from the kernel maps at each collection.
import type { Tracer } from '../probes/tracer.js';
import {
  counterFamily,
  type FamilySpec,
  type HistogramSeries,
  histogramFamily,
  histogramSeries,
  LABEL_NAME,
  type MetricFamily,
} from './family.js';

export interface TracerMetricsOptions {
  /** Put before each map's name (default `tsbpf_`). */
  prefix?: string;
  /** Help text per map name. */
  help?: Record<string, string>;
  /** Label names per map, one per key part (default: the key values' own names, like `comm`, `pid`). */
  labels?: Record<string, readonly string[]>;
  /** hist/lhist maps: value units per second (1e9 for nanoseconds); bounds are then in seconds. */
  unitsPerSecond?: Record<string, number>;
  /** hist/lhist map → a sum map with the same key (its `_sum`); that map is not exported alone. */
  sums?: Record<string, string>;
}

export interface TracerMetric {
  map: string;
  name: string;
  help: string;
  kind: 'counter' | 'histogram';
  /** The family as it is in the kernel now. */
  read(): MetricFamily;
  /** Histograms: the series before rendering (bounds, cumulative counts, sum). */
  series?(): HistogramSeries[];
}

/** The exported metrics of `tracer`'s aggregations (call after the probes are added). */
export function tracerMetrics(tracer: Tracer, opts: TracerMetricsOptions = {}): TracerMetric[] {
  const prefix = opts.prefix ?? 'tsbpf_';
  const sumMaps = new Set(Object.values(opts.sums ?? {}));
  const out: TracerMetric[] = [];
  for (const map of tracer.aggregations) {
    if (sumMaps.has(map)) continue;
    const agg = tracer.aggregation(map);
    const histogram = agg.kind === 'hist' || agg.kind === 'lhist';
    const base = `${prefix}${map}`.replace(/[^a-zA-Z0-9_:]/g, '_');
    const scale = opts.unitsPerSecond?.[map];
    const name = histogram && scale !== undefined && !base.endsWith('_seconds') ? `${base}_seconds` : base;
    const keyNames = agg.keyNames;
    const labels = opts.labels?.[map] ?? labelNames(keyNames);
    const help = opts.help?.[map] ?? `tsbpf ${agg.kind} map '${map}'.`;
    const spec: FamilySpec = {
      name,
      help,
      labels,
      labelValue: (i, raw) =>
        keyNames[i] === 'kstack'
          ? (((raw as number) >= 0 ? tracer.stack(raw as number)[0] : undefined) ?? '[unknown]')
          : String(raw),
    };
    if (!histogram) {
      out.push({
        map,
        name: name.endsWith('_total') ? name : `${name}_total`,
        help,
        kind: 'counter',
        read: () => counterFamily(tracer.aggregation(map), spec),
      });
      continue;
    }
    const sumMap = opts.sums?.[map];
    const series = () =>
      histogramSeries(tracer.aggregation(map), {
        ...spec,
        unitsPerSecond: scale,
        sum: sumMap ? tracer.aggregation(sumMap) : undefined,
      });
    out.push({
      map,
      name,
      help,
      kind: 'histogram',
      read: () => histogramFamily(name, help, series()),
      series,
    });
  }
  return out;
}

/** Key value names as label names: valid, distinct (`comm`, `pid`, `filename`, `k2`, ...). */
function labelNames(keyNames: readonly string[]): string[] {
  const seen = new Set<string>();
  return keyNames.map((n, i) => {
    let name = n.replace(/[^a-zA-Z0-9_]/g, '_');
    if (!LABEL_NAME.test(name) || name === 'le' || name.startsWith('__') || seen.has(name)) name = `k${i}`;
    seen.add(name);
    return name;
  });
}
