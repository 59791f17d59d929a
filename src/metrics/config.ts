// The `tsbpf serve` configuration: which probes to run and how each becomes a Prometheus metric.
//
//   metrics:
//     - name: getppid_calls
//       help: getppid(2) calls per process
//       probe: tracepoint:syscalls:sys_enter_getppid
//       aggregate: count            # count | sum | latency
//       labels: [comm, pid]         # comm pid tid uid cgroup kstack arg:NAME
//
// Everything is checked before a probe is loaded; a mistake names FILE:LINE:COL.
import type { Node } from 'yaml';
import { kindOf } from '../link/kinds/index.js';
import { isReturnProbe, type ProbeSpec, ProbeSpecError, parseProbeSpec } from '../probes/spec.js';
import { counterName, LABEL_NAME, METRIC_NAME } from './family.js';
import { ConfigError, YamlSource } from './yaml-source.js';

export { ConfigError };

export type Aggregate = 'count' | 'sum' | 'latency';

export interface LabelSpec {
  /** As written: `comm`, `arg:filename`, ... */
  text: string;
  source: 'comm' | 'pid' | 'tid' | 'uid' | 'cgroup' | 'kstack' | 'arg';
  /** The argument, for `arg:NAME`. */
  arg?: string;
  /** The Prometheus label name. */
  name: string;
}

export interface MetricConfig {
  /** Name as exported: counters end in `_total`, latency histograms in `_seconds`. */
  name: string;
  help: string;
  aggregate: Aggregate;
  probe: ProbeSpec;
  /** latency: the return side (derived from `probe` unless given). */
  returnProbe?: ProbeSpec;
  /** sum: `ret` or `arg:NAME`. */
  value?: string;
  labels: LabelSpec[];
  filter: { pid?: number; comm?: string };
  /** The cap on label sets (an LRU map in the kernel). */
  maxSeries: number;
  /** FILE:LINE:COL of the metric's entry, for log lines. */
  where: string;
  /** What identifies the metric across reloads (its definition, not its position). */
  identity: string;
}

export interface ServeConfig {
  metrics: MetricConfig[];
}

export const LABEL_SOURCES = ['comm', 'pid', 'tid', 'uid', 'cgroup', 'kstack'] as const;
/** Names the exporter's own series use. */
const RESERVED = /^tsbpf_(probe_up|label_sets_evicted_total|scrape_duration_seconds)$/;
const DEFAULT_MAX_SERIES = 1000;

export interface ConfigOptions {
  /** Only these labels (as written in a metric's `labels`; `arg:*` for any argument) may be used. */
  allowLabels?: readonly string[];
}

/** Parses and checks a configuration; throws ConfigError naming FILE:LINE:COL. */
export function parseServeConfig(file: string, text: string, opts: ConfigOptions = {}): ServeConfig {
  const src: YamlSource = new YamlSource(file, text);
  const top = src.mapping(src.root, 'the configuration', ['metrics', 'max_series', 'allow_labels']);
  const maxSeries = top.has('max_series')
    ? src.integer(top.get('max_series') as Node, 'max_series', 1, 1 << 20)
    : DEFAULT_MAX_SERIES;
  const allowNode = top.get('allow_labels');
  const fileAllow = allowNode
    ? src.sequence(allowNode, 'allow_labels').map((n) => src.string(n, 'an allow_labels entry'))
    : undefined;
  const allowed = (label: string) => {
    const ok = (list: readonly string[] | undefined) =>
      list === undefined || list.includes(label) || (label.startsWith('arg:') && list.includes('arg:*'));
    return ok(fileAllow) && ok(opts.allowLabels);
  };
  const list = top.get('metrics');
  if (!list) src.fail(src.root, "no 'metrics' list");
  const metrics: MetricConfig[] = [];
  const names = new Map<string, string>();
  for (const node of src.sequence(list as Node, 'metrics')) {
    const m = parseMetric(src, node, maxSeries, allowed);
    const seen = names.get(m.name);
    if (seen) src.fail(node, `metric '${m.name}' is already defined at ${seen}`);
    names.set(m.name, m.where);
    metrics.push(m);
  }
  return { metrics };
}

function parseMetric(
  src: YamlSource,
  node: Node,
  defaultMax: number,
  allowed: (label: string) => boolean,
): MetricConfig {
  const keys = ['name', 'help', 'probe', 'return', 'aggregate', 'value', 'labels', 'filter', 'max_series'];
  const m = src.mapping(node, 'a metric', keys);
  const need = (key: string): Node => {
    const v = m.get(key);
    if (!v) src.fail(node, `metric has no '${key}'`);
    return v;
  };
  const aggregate = src.oneOf(need('aggregate'), 'aggregate', ['count', 'sum', 'latency'] as const);
  const nameNode = need('name');
  let name = src.string(nameNode, 'name');
  if (!METRIC_NAME.test(name) || name.startsWith('__'))
    src.fail(nameNode, `'${name}' is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)`);
  // Prometheus conventions: counters end in _total, a latency histogram is in seconds.
  if (aggregate === 'latency') {
    if (name.endsWith('_total')) src.fail(nameNode, `a latency histogram's name does not end in _total`);
    if (!name.endsWith('_seconds')) name = `${name}_seconds`;
  } else name = counterName(name);
  if (RESERVED.test(name)) src.fail(nameNode, `'${name}' is the exporter's own metric`);

  const probeNode = need('probe');
  const probe = spec(src, probeNode);
  let returnProbe: ProbeSpec | undefined;
  if (aggregate === 'latency') {
    const r = m.get('return');
    returnProbe = r ? spec(src, r) : returnOf(probe);
    if (!returnProbe)
      src.fail(
        probeNode,
        `no return probe follows from '${probe.text}': give 'return' (e.g. kretprobe:FUNC)`,
      );
    if (isReturnProbe(probe.kind))
      src.fail(probeNode, `a latency's 'probe' is the entry side, not a return probe`);
  } else if (m.has('return')) src.fail(m.get('return'), `'return' is for aggregate: latency`);

  let value: string | undefined;
  if (aggregate === 'sum') {
    const v = need('value');
    value = src.string(v, 'value');
    if (value !== 'ret' && !/^arg:[A-Za-z_][A-Za-z0-9_]*$/.test(value))
      src.fail(v, `value '${value}' must be 'ret' or 'arg:NAME'`);
  } else if (m.has('value')) src.fail(m.get('value'), `'value' is for aggregate: sum`);

  const labels: LabelSpec[] = [];
  const labelsNode = m.get('labels');
  for (const l of labelsNode ? src.sequence(labelsNode, 'labels') : []) {
    const text = src.string(l, 'a label');
    const label = parseLabel(text);
    if (!label) src.fail(l, `unknown label '${text}' (${LABEL_SOURCES.join(', ')}, arg:NAME)`);
    if (!allowed(text)) src.fail(l, `label '${text}' is not in the allowed labels`);
    if (aggregate === 'latency' && label.source === 'arg')
      src.fail(l, `a latency's labels are read at the return, where arguments are gone: ${text}`);
    if (label.name === 'le' || label.name.startsWith('__') || !LABEL_NAME.test(label.name))
      src.fail(l, `'${label.name}' cannot be a label name`);
    if (labels.some((x) => x.name === label.name)) src.fail(l, `label '${label.name}' is given twice`);
    labels.push(label);
  }

  const filter: MetricConfig['filter'] = {};
  const filterNode = m.get('filter');
  if (filterNode) {
    const f = src.mapping(filterNode, 'filter', ['pid', 'comm']);
    if (f.has('pid')) filter.pid = src.integer(f.get('pid') as Node, 'filter.pid', 1, 2 ** 22);
    if (f.has('comm')) {
      const c = f.get('comm') as Node;
      filter.comm = src.string(c, 'filter.comm');
      if (Buffer.byteLength(filter.comm) > 15) src.fail(c, 'filter.comm is at most 15 bytes');
    }
  }
  const maxNode = m.get('max_series');
  const maxSeries = maxNode ? src.integer(maxNode, 'max_series', 1, 1 << 20) : defaultMax;
  const help =
    m.has('help') && m.get('help')
      ? src.string(m.get('help') as Node, 'help')
      : defaultHelp(aggregate, probe, returnProbe, value);
  const def = {
    name,
    help,
    aggregate,
    probe: probe.text,
    returnProbe: returnProbe?.text,
    value,
    labels: labels.map((l) => l.text),
    filter,
    maxSeries,
  };
  return {
    name,
    help,
    aggregate,
    probe,
    returnProbe,
    value,
    labels,
    filter,
    maxSeries,
    where: src.at(node),
    identity: JSON.stringify(def),
  };
}

function spec(src: YamlSource, node: Node): ProbeSpec {
  const text = src.string(node, 'probe');
  try {
    return parseProbeSpec(text);
  } catch (err) {
    if (err instanceof ProbeSpecError) src.fail(node, err.message);
    throw err;
  }
}

export function parseLabel(text: string): LabelSpec | undefined {
  if ((LABEL_SOURCES as readonly string[]).includes(text))
    return { text, source: text as LabelSpec['source'], name: text };
  const m = /^arg:([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  return m ? { text, source: 'arg', arg: m[1] as string, name: m[1] as string } : undefined;
}

/** The return side of an entry probe, as its kind says: kprobe → kretprobe, fentry → fexit, sys_enter_X → sys_exit_X. */
export function returnOf(probe: ProbeSpec): ProbeSpec | undefined {
  return kindOf(probe.kind).descriptor.returnSide?.(probe);
}

function defaultHelp(
  aggregate: Aggregate,
  probe: ProbeSpec,
  ret: ProbeSpec | undefined,
  value?: string,
): string {
  if (aggregate === 'count') return `Events of ${probe.text}.`;
  if (aggregate === 'sum') return `Sum of ${value} at ${probe.text}.`;
  return `Latency from ${probe.text} to ${ret?.text}, in seconds.`;
}
