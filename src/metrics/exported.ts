// One configured metric: its own tracer (so one probe that cannot attach, or a reload of one
// metric, leaves the others alone), and its families read from the kernel maps at scrape time.

import type { Value } from '../compiler/value.js';
import type { Aggregation } from '../probes/aggregation.js';
import type { KeyInput, ProbeContext } from '../probes/context.js';
import { Tracer } from '../probes/tracer.js';
import type { CgroupPaths } from './cgroup-path.js';
import type { LabelSpec, MetricConfig } from './config.js';
import {
  counterFamily,
  type FamilySpec,
  histogramFamily,
  histogramSeries,
  type MetricFamily,
} from './family.js';

/** Latency buckets shown always: 2^10 - 1 ns (~1 µs) to 2^35 - 1 ns (~34 s), then +Inf. */
export const LATENCY_LOG2_RANGE = { min: 10, max: 35 };

export interface ProbeState {
  probe: string;
  up: boolean;
  /** What was attached instead (a fallback), or why nothing was. */
  detail?: string;
}

export class ExportedMetric {
  readonly config: MetricConfig;
  #tracer: Tracer | undefined;
  #states: ProbeState[];
  #evicted = 0;
  readonly #log: (line: string) => void;
  readonly #cgroups: CgroupPaths;

  constructor(config: MetricConfig, log: (line: string) => void, cgroups: CgroupPaths) {
    this.config = config;
    this.#log = log;
    this.#cgroups = cgroups;
    const probes = [config.probe, ...(config.returnProbe ? [config.returnProbe] : [])];
    this.#states = probes.map((p) => ({ probe: p.text, up: false }));
  }

  get up(): boolean {
    return this.#tracer !== undefined;
  }

  get probes(): readonly ProbeState[] {
    return this.#states;
  }

  /** Compiles, loads and attaches; a failure is logged and leaves the metric down (no throw). */
  async start(opts: { btf?: TracerOptionsBtf } = {}): Promise<boolean> {
    const c = this.config;
    const tracer = new Tracer({
      pid: c.filter.pid,
      comm: c.filter.comm,
      labelSets: c.maxSeries,
      btf: opts.btf,
      onFallback: (message) => this.#log(`metric ${c.name} (${c.where}): ${message}`),
    });
    try {
      const metric = 'm';
      if (c.aggregate === 'latency') {
        tracer.probe(c.probe, (p) => {
          p.map('start').set(p.tid(), p.ktime());
        });
        tracer.probe(c.returnProbe ?? c.probe, (p) => {
          const start = p.map('start');
          const delta = p.ktime().sub(start.get(p.tid()));
          start.delete(p.tid());
          const key = this.#key(p);
          p.hist(metric, delta, key);
          p.sum('sum', delta, key);
        });
      } else {
        tracer.probe(c.probe, (p) => {
          const key = this.#key(p);
          if (c.aggregate === 'count') p.count(metric, key);
          else {
            const v = (c.value === 'ret' ? p.ret() : p.arg((c.value as string).slice(4))) as Value<number>;
            // A counter only grows: negative values (errors returned as -errno) are not added.
            if (v.type.kind === 'int' && v.type.signed) p.filter(v.ge(0));
            p.sum(metric, v, key);
          }
        });
      }
      await tracer.start();
    } catch (err) {
      tracer.close();
      const reason = (err as Error)?.message ?? String(err);
      for (const s of this.#states) {
        s.up = false;
        s.detail = reason;
      }
      this.#log(`metric ${c.name} (${c.where}): not exported: ${reason}`);
      return false;
    }
    tracer.probes.forEach((p, i) => {
      const s = this.#states[i] as ProbeState;
      s.up = p.used !== undefined;
      if (p.used && p.used !== p.spec) s.detail = p.used.text;
    });
    this.#tracer = tracer;
    return true;
  }

  /** The key parts of the labels (undefined without labels: a per-CPU counter, the cheapest). */
  #key(p: ProbeContext): KeyInput | undefined {
    const labels = this.config.labels;
    if (labels.length === 0) return undefined;
    return labels.map((l) => labelValue(p, l));
  }

  #labelText = (index: number, raw: unknown): string => {
    const l = this.config.labels[index] as LabelSpec;
    if (l.source === 'kstack') {
      const id = Number(raw);
      return (id >= 0 ? this.#tracer?.stack(id)[0] : undefined) ?? '[unknown]';
    }
    if (l.source === 'cgroup') return this.#cgroups.path(raw);
    return String(raw);
  };

  /** The metric's family as it is now in the kernel, or nothing while it is down. */
  families(): MetricFamily[] {
    const t = this.#tracer;
    if (!t) return [];
    const c = this.config;
    const spec: FamilySpec = {
      name: c.name,
      help: c.help,
      labels: c.labels.map((l) => l.name),
      labelValue: this.#labelText,
    };
    const agg = t.aggregation('m');
    if (c.aggregate !== 'latency') {
      const entries = agg.rawEntries({ batch: true });
      this.#noteEvictions(agg, entries.length);
      return [counterFamily(agg, spec, entries)];
    }
    const sum = t.aggregation('sum');
    const sums = sum.rawEntries({ batch: true });
    this.#noteEvictions(sum, sums.length);
    const series = histogramSeries(agg, {
      ...spec,
      unitsPerSecond: 1e9,
      log2Range: LATENCY_LOG2_RANGE,
      sum,
      sumEntries: sums,
    });
    return [histogramFamily(c.name, c.help, series)];
  }

  /** Label sets the LRU map evicted so far (a counter: never goes down). */
  get evicted(): number {
    return this.#evicted;
  }

  #noteEvictions(agg: Aggregation, live: number): void {
    const inserted = agg.insertions();
    if (inserted !== undefined) this.#evicted = Math.max(this.#evicted, inserted - live);
  }

  close(): void {
    this.#tracer?.close();
    this.#tracer = undefined;
  }
}

type TracerOptionsBtf = NonNullable<ConstructorParameters<typeof Tracer>[0]>['btf'];

function labelValue(p: ProbeContext, l: LabelSpec): Value<unknown> {
  switch (l.source) {
    case 'comm':
      return p.comm();
    case 'pid':
      return p.pid();
    case 'tid':
      return p.tid();
    case 'uid':
      return p.uid();
    case 'cgroup':
      return p.cgroup();
    case 'kstack':
      return p.stack();
    case 'arg':
      return p.arg(l.arg as string);
  }
}
