// Metric families: what every exporter front end (the Prometheus text of `tsbpf serve`, a
// prom-client registry, OpenTelemetry instruments) renders. Built from a tracer's aggregation maps
// at collection time, so an event costs nothing in user space.
import type { Aggregation } from '../probes/aggregation.js';

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** The full sample name (`x_total`, `x_bucket`, `x_sum`, `x_count`, ...). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  /** Counters carry `_total`; histograms the base name of their `_bucket`/`_sum`/`_count`. */
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** One bucket of a Prometheus histogram: values <= `le` (cumulative count). */
export interface HistogramSeries {
  labels: Record<string, string>;
  /** Upper bounds, ascending; the last is +Infinity. */
  le: number[];
  /** Cumulative counts, one per bound. */
  counts: number[];
  /** Sum of observed values (undefined when the probe keeps no sum). */
  sum: number | undefined;
  count: number;
}

/** How to read one aggregation as a metric. */
export interface FamilySpec {
  /** Base name: `_total` is added to counters that lack it. */
  name: string;
  help: string;
  /** A label name per key part (the histogram's bucket part excluded). */
  labels: readonly string[];
  /** Turns a key part into its label value (stack ids into frames, cgroup ids into paths). */
  labelValue?: (index: number, raw: unknown) => string;
  /** Histograms: value units per second (1e9 for nanoseconds); bounds are then in seconds. */
  unitsPerSecond?: number;
  /** log2 histograms: the bucket range to show always (k: values up to 2^k - 1), so series stay stable. */
  log2Range?: { min: number; max: number };
  /** A sum aggregation keyed by the same labels: the histogram's `_sum`. */
  sum?: Aggregation;
  /** The sum's units per second when they differ from the buckets' (default unitsPerSecond). */
  sumUnitsPerSecond?: number;
  /** Its entries, when already read. */
  sumEntries?: Entry[];
}

type Entry = { key: unknown[]; value: number };

export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/** A label set's identity within one family (the names are the same for every sample). */
const keyText = (labels: Record<string, string>): string => {
  let out = '';
  for (const k in labels) out += `${labels[k]}\u0000`;
  return out;
};

function labelsOf(spec: FamilySpec, key: readonly unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  spec.labels.forEach((name, i) => {
    const raw = key[i];
    out[name] = spec.labelValue ? spec.labelValue(i, raw) : String(raw);
  });
  return out;
}

export const counterName = (name: string): string => (name.endsWith('_total') ? name : `${name}_total`);

/** A count or sum aggregation as a counter (entries whose labels coincide are added up). */
export function counterFamily(
  agg: Aggregation,
  spec: FamilySpec,
  entries: Entry[] = agg.rawEntries({ batch: true }),
): MetricFamily {
  const name = counterName(spec.name);
  const byLabels = new Map<string, Sample>();
  for (const e of entries) {
    const labels = labelsOf(spec, e.key);
    const id = keyText(labels);
    const s = byLabels.get(id);
    if (s) s.value += e.value;
    else byLabels.set(id, { name, labels, value: e.value });
  }
  return { name, help: spec.help, type: 'counter', samples: [...byLabels.values()] };
}

/** A hist or lhist aggregation as cumulative series, one per label set. */
export function histogramSeries(
  agg: Aggregation,
  spec: FamilySpec,
  entries: Entry[] = agg.rawEntries({ batch: true }),
): HistogramSeries[] {
  const scale = spec.unitsPerSecond ?? 1;
  const groups = new Map<string, { labels: Record<string, string>; buckets: Map<number, number> }>();
  for (const e of entries) {
    const labels = labelsOf(spec, e.key.slice(0, -1));
    const id = keyText(labels);
    let g = groups.get(id);
    if (!g) {
      g = { labels, buckets: new Map() };
      groups.set(id, g);
    }
    const b = Number(e.key[e.key.length - 1]);
    g.buckets.set(b, (g.buckets.get(b) ?? 0) + e.value);
  }
  const sums = new Map<string, number>();
  if (spec.sum)
    for (const e of spec.sumEntries ?? spec.sum.rawEntries({ batch: true })) {
      const id = keyText(labelsOf(spec, e.key));
      sums.set(id, (sums.get(id) ?? 0) + e.value);
    }
  const bounds = agg.kind === 'lhist' ? linearBounds(agg) : undefined;
  const out: HistogramSeries[] = [];
  for (const [id, g] of groups) {
    const le: number[] = [];
    const counts: number[] = [];
    let running = 0;
    if (bounds) {
      // Bucket i holds values up to bounds[i]; the last bound is +Inf.
      bounds.forEach((high, i) => {
        running += g.buckets.get(i) ?? 0;
        le.push(high === Number.POSITIVE_INFINITY ? high : high / scale);
        counts.push(running);
      });
    } else {
      const used = Math.max(0, ...g.buckets.keys());
      const lo = spec.log2Range?.min ?? 0;
      const hi = spec.log2Range?.max ?? used;
      // Buckets below the range fold into its first bound (cumulative counts stay exact).
      for (let k = 0; k < lo; k++) running += g.buckets.get(k) ?? 0;
      for (let k = lo; k <= hi; k++) {
        running += g.buckets.get(k) ?? 0;
        le.push((k === 0 ? 0 : 2 ** k - 1) / scale);
        counts.push(running);
      }
      for (let k = hi + 1; k <= used; k++) running += g.buckets.get(k) ?? 0;
      le.push(Number.POSITIVE_INFINITY);
      counts.push(running);
    }
    const sum = sums.get(id);
    out.push({
      labels: g.labels,
      le,
      counts,
      sum: spec.sum ? (sum ?? 0) / (spec.sumUnitsPerSecond ?? scale) : undefined,
      count: running,
    });
  }
  return out;
}

/** lhist: the inclusive upper bound of each bucket (0: below min, n + 1: max and above). */
function linearBounds(agg: Aggregation): number[] {
  const r = agg.linearRange;
  if (!r) throw new TypeError(`'${agg.name}' has no linear range`);
  const n = Math.ceil((r.max - r.min) / r.step);
  const out = [r.min - 1];
  for (let i = 1; i <= n; i++) out.push(r.min + i * r.step - 1);
  out.push(Number.POSITIVE_INFINITY);
  return out;
}

/** A histogram family from cumulative series. */
export function histogramFamily(name: string, help: string, series: HistogramSeries[]): MetricFamily {
  const samples: Sample[] = [];
  for (const s of series) {
    s.le.forEach((le, i) => {
      samples.push({
        name: `${name}_bucket`,
        labels: { ...s.labels, le: formatValue(le) },
        value: s.counts[i] as number,
      });
    });
    if (s.sum !== undefined) samples.push({ name: `${name}_sum`, labels: s.labels, value: s.sum });
    samples.push({ name: `${name}_count`, labels: s.labels, value: s.count });
  }
  return { name, help, type: 'histogram', samples };
}

/** Prometheus's number syntax: +Inf, -Inf, NaN, else the shortest round-trip decimal. */
export function formatValue(v: number): string {
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(v)) return 'NaN';
  return String(v);
}
