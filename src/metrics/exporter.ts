// The set of configured metrics a `tsbpf serve` process exports, plus the exporter's own series:
// tsbpf_probe_up per probe, evicted label sets per capped metric, the scrape's own duration.
// apply() swaps in a new configuration and keeps every metric whose definition did not change
// (its maps, and so its counts, stay as they are).
import { CgroupPaths } from './cgroup-path.js';
import type { ServeConfig } from './config.js';
import { ExportedMetric } from './exported.js';
import type { MetricFamily } from './family.js';

export interface ApplyResult {
  kept: string[];
  started: string[];
  stopped: string[];
  down: string[];
}

export class Exporter implements Disposable {
  #metrics: ExportedMetric[] = [];
  readonly #log: (line: string) => void;
  readonly #cgroups = new CgroupPaths();

  constructor(log: (line: string) => void) {
    this.#log = log;
  }

  get metrics(): readonly ExportedMetric[] {
    return this.#metrics;
  }

  /** Makes `config` the running set; a metric that cannot attach is logged and reported down. */
  async apply(config: ServeConfig): Promise<ApplyResult> {
    const byIdentity = new Map(this.#metrics.map((m) => [m.config.identity, m]));
    const next: ExportedMetric[] = [];
    const result: ApplyResult = { kept: [], started: [], stopped: [], down: [] };
    for (const c of config.metrics) {
      const old = byIdentity.get(c.identity);
      // A metric that was down is tried again: the reload may be what fixes it.
      if (old?.up) {
        byIdentity.delete(c.identity);
        next.push(old);
        result.kept.push(c.name);
        continue;
      }
      const m = new ExportedMetric(c, this.#log, this.#cgroups);
      next.push(m);
      if (await m.start()) result.started.push(c.name);
      else result.down.push(c.name);
    }
    for (const m of byIdentity.values()) {
      m.close();
      if (!config.metrics.some((c) => c.name === m.config.name)) result.stopped.push(m.config.name);
    }
    this.#metrics = next;
    return result;
  }

  /** Everything to serve, read from the kernel now. */
  families(): MetricFamily[] {
    const began = performance.now();
    const out: MetricFamily[] = [];
    for (const m of this.#metrics) {
      try {
        out.push(...m.families());
      } catch (err) {
        this.#log(`metric ${m.config.name}: cannot read its maps: ${(err as Error).message}`);
      }
    }
    out.push({
      name: 'tsbpf_probe_up',
      help: 'Whether the probe is attached (1) or could not be (0; the log says why).',
      type: 'gauge',
      samples: this.#metrics.flatMap((m) =>
        m.probes.map((p) => ({
          name: 'tsbpf_probe_up',
          labels: { metric: m.config.name, probe: p.probe },
          value: p.up ? 1 : 0,
        })),
      ),
    });
    out.push({
      name: 'tsbpf_label_sets_evicted_total',
      help: 'Label sets the kernel evicted from a metric at its max_series cap (least recently updated first).',
      type: 'counter',
      samples: this.#metrics
        .filter((m) => m.up && m.config.labels.length > 0)
        .map((m) => ({
          name: 'tsbpf_label_sets_evicted_total',
          labels: { metric: m.config.name },
          value: m.evicted,
        })),
    });
    out.push({
      name: 'tsbpf_scrape_duration_seconds',
      help: 'Time to read every metric from the kernel maps for this scrape.',
      type: 'gauge',
      samples: [
        { name: 'tsbpf_scrape_duration_seconds', labels: {}, value: (performance.now() - began) / 1000 },
      ],
    });
    return out;
  }

  close(): void {
    for (const m of this.#metrics) m.close();
    this.#metrics = [];
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
