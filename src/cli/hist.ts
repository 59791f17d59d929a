// `tsbpf hist FUNC`: a kernel function's latency as a log2 histogram. The entry probe stores the
// time under the thread id, the return probe takes the difference and counts it in its bucket —
// all in the kernel, as bcc's funclatency does; only the buckets are read.
import { probeKindOf } from '../probes/spec.js';
import { command, type Parsed } from './command.js';
import { checkMetricsAddress, METRICS_HELP } from './metrics-option.js';
import { COMMON_HELP, COMMON_OPTIONS, positiveNumber } from './probe-common.js';
import { clock, runSession, type SessionPlan } from './session.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf hist FUNC [options]
       tsbpf hist syscalls:NAME[,NAME...] [options]
       tsbpf hist PROBE... --value VALUE [options]

Latency histogram of kernel function FUNC (kprobe+kretprobe; falling back to fentry+fexit, then,
for a syscall's function, to the sys_enter/sys_exit tracepoints of the syscalls that reach it),
or of syscalls, from their sys_enter to their sys_exit tracepoints. With probes, the histogram of
any VALUE they see (bpftrace's hist()/lhist()), named as trace --format names values.
      --ns | --us | --ms   unit (default --us)
  -v, --value VALUE        histogram of VALUE at PROBE (default: ret, where the probe has one)
  -l, --linear MIN,MAX,STEP  linear buckets (lhist) instead of powers of two
  -b, --by KEY             one histogram per KEY: comm, or any value (pid, args.fd, ...)
  -i, --interval SEC       print (and reset) the histogram every SEC seconds
${METRICS_HELP}
${COMMON_HELP}
examples:
  tsbpf hist vfs_read --ms --duration 10
  tsbpf hist do_unlinkat --by comm
  tsbpf hist syscalls:read,pread64 --ms
  tsbpf hist tracepoint:syscalls:sys_exit_read --value ret
  tsbpf hist tracepoint:syscalls:sys_enter_read --value args.count --linear 0,4096,512
`;

const UNITS = {
  ns: { div: 1, name: 'nsecs' },
  us: { div: 1000, name: 'usecs' },
  ms: { div: 1_000_000, name: 'msecs' },
};

type HistValues = Parsed<typeof OPTIONS>['values'];

const OPTIONS = {
  ...COMMON_OPTIONS,
  ns: { type: 'boolean' },
  us: { type: 'boolean' },
  ms: { type: 'boolean' },
  by: { type: 'string', short: 'b' },
  interval: { type: 'string', short: 'i' },
  metrics: { type: 'string' },
  value: { type: 'string', short: 'v' },
  linear: { type: 'string', short: 'l' },
} as const;

export const run = command({
  help: HELP,
  options: OPTIONS,
  async run(values, positionals, argv) {
    // A probe spec (kind:...) or --value/--linear: a value's histogram; `syscalls:NAME` is latency.
    const isProbe = (t: string) => t.includes(':') && probeKindOf(t.slice(0, t.indexOf(':'))) !== undefined;
    const ofValue = positionals.some(isProbe) || values.value !== undefined || values.linear !== undefined;
    const { output, ...plan } = ofValue
      ? await valueHistogram(values, positionals)
      : await latency(values, positionals, argv);
    const interval = positiveNumber('interval', values.interval);
    // Prometheus histograms are cumulative: an interval's reset would read as a counter reset.
    if (values.metrics && interval) throw new UsageError('hist: --metrics and --interval do not go together');
    const report = await histogramReport({ ...output, json: values.json ?? false, interval });
    return runSession({ command: 'hist', values, argv, interval, report, ...plan });
  },
});

/** What a histogram command adds to the session: its probes, and how its histograms print. */
type HistogramPlan = Pick<SessionPlan, 'probes' | 'attached' | 'metrics' | 'rewrite'> & {
  output: HistogramOutput;
};

/** `hist FUNC` or `hist syscalls:NAME,...`: the time from entry to return, in the kernel. */
async function latency(values: HistValues, positionals: string[], argv: string[]): Promise<HistogramPlan> {
  if (positionals.length !== 1)
    throw new UsageError('hist: name one kernel function (see tsbpf hist --help)');
  const fn = positionals[0] as string;
  // `syscalls:read,pread64`: the time from each syscall's enter tracepoint to its exit.
  const syscalls = fn.startsWith('syscalls:') ? fn.slice('syscalls:'.length).split(',') : undefined;
  if (syscalls ? !syscalls.every((s) => /^[a-z0-9_]+$/.test(s)) : !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(fn))
    throw new UsageError(`hist: '${fn}' is not a function name or syscalls:NAME[,NAME...]`);
  if ([values.ns, values.us, values.ms].filter(Boolean).length > 1)
    throw new UsageError('hist: choose one of --ns, --us, --ms');
  const unit = UNITS[values.ns ? 'ns' : values.ms ? 'ms' : 'us'];
  if (values.by !== undefined && values.by !== 'comm')
    throw new UsageError(`--by: '${values.by}' is not supported (comm)`);
  const byComm = values.by === 'comm';
  checkMetricsAddress(values.metrics);
  const families = values.metrics ? (await import('../metrics/cli-families.js')).histFamilies : undefined;
  return {
    output: {
      aggregation: 'latency',
      head: { function: fn, unit: unit.name },
      none: `no calls of ${fn} completed`,
      label: unit.name,
      key: byComm ? (key) => `comm = ${String(key)}` : undefined,
    },
    probes(tracer) {
      const enter = syscalls?.map((s) => `tracepoint:syscalls:sys_enter_${s}`) ?? [`kprobe:${fn}`];
      const exit = syscalls?.map((s) => `tracepoint:syscalls:sys_exit_${s}`) ?? [`kretprobe:${fn}`];
      for (const spec of enter)
        tracer.probe(spec, (p) => {
          p.map('start').set(p.tid(), p.ktime());
        });
      for (const spec of exit)
        tracer.probe(spec, (p) => {
          const start = p.map('start');
          const delta = p.ktime().sub(start.get(p.tid()));
          start.delete(p.tid());
          p.hist('latency', unit.div === 1 ? delta : delta.div(unit.div), byComm ? p.comm() : undefined);
          // The histogram's _sum for --metrics, in nanoseconds (exact; the buckets are in the unit).
          if (values.metrics) p.sum('latency_ns', delta, byComm ? p.comm() : undefined);
        });
    },
    attached: (tracer) => `timing ${fn} (${tracer.probes.map((p) => p.usedText).join(' + ')})`,
    metrics:
      values.metrics && families
        ? { address: values.metrics, families: (tracer) => families(tracer, fn, unit.div, byComm) }
        : undefined,
    // Suggested probe points become a hist command: syscall tracepoints as syscalls:NAME,...
    rewrite: (specs) => {
      const names = specs.map((s) => /^sys_(?:enter|exit)_(.+)$/.exec(s.event ?? '')?.[1]);
      if (specs.every((s) => s.kind !== 'tracepoint'))
        return argv.map((a) => (a === fn ? (specs[0]?.target as string) : a));
      if (names.some((n) => n === undefined)) return undefined;
      return [`syscalls:${[...new Set(names)].join(',')}`, ...argv.filter((a) => a !== fn)];
    },
  };
}

/** The histogram of a value the probes see: `hist PROBE... --value V [--linear MIN,MAX,STEP] [--by K]`. */
async function valueHistogram(values: HistValues, probes: string[]): Promise<HistogramPlan> {
  if (probes.length === 0) throw new UsageError('hist: name at least one probe (see tsbpf hist --help)');
  if (values.ns || values.us || values.ms)
    throw new UsageError(
      "hist: --ns/--us/--ms are for function latency; with --value the unit is the value's",
    );
  // The exporter serves latency histograms only: an address that would serve nothing is refused.
  if (values.metrics !== undefined)
    throw new UsageError('--metrics serves latency histograms (not with probes, --value or --linear)');
  const { parseValueExpr, namerFor } = await import('./probe-values.js');
  const expr = parseValueExpr(values.value ?? 'ret', false);
  const byExpr = values.by === undefined ? undefined : parseValueExpr(values.by, false);
  const keyName = byExpr ? await namerFor(byExpr.namer) : undefined;
  let linear: { min: number; max: number; step: number } | undefined;
  if (values.linear !== undefined) {
    const parts = values.linear.split(',').map(Number);
    const [min, max, step] = parts as [number, number, number];
    if (parts.length !== 3 || !parts.every(Number.isInteger) || !(step > 0) || !(max > min))
      throw new UsageError(
        `--linear: '${values.linear}' is not MIN,MAX,STEP (integers, STEP > 0, MAX > MIN)`,
      );
    linear = { min, max, step };
  }
  return {
    output: {
      aggregation: 'values',
      head: { value: expr.text },
      none: `no values of ${expr.text} yet`,
      label: expr.text,
      key: byExpr ? (key) => `${byExpr.text} = ${String(keyName ? keyName(key) : key)}` : undefined,
    },
    probes(tracer) {
      for (const text of probes)
        tracer.probe(text, (p) => {
          const v = expr.make(p);
          const key = byExpr?.make(p);
          if (linear) p.lhist('values', v, linear, key);
          else p.hist('values', v, key);
        });
    },
    attached: () => `tracing ${probes.join(' ')}: histogram of ${expr.text}`,
  };
}

/** How a command's histograms print. */
interface HistogramOutput {
  /** The aggregation holding them (one histogram per key). */
  aggregation: string;
  /** The JSON line's fields before `final` and `histograms`. */
  head: Record<string, string>;
  /** What is printed when there is no histogram yet. */
  none: string;
  /** The name of the bucketed values, over the buckets. */
  label: string;
  /** The line over a keyed histogram. */
  key?: (key: unknown) => string;
}

/**
 * Prints an aggregation's histograms (one per key, under a `key` line) or one JSON line of them,
 * and empties it between intervals: each interval's histogram stands alone.
 */
async function histogramReport(
  o: HistogramOutput & { json: boolean; interval: number | undefined },
): Promise<SessionPlan['report']> {
  const { formatHistogram } = await import('../probes/histogram-text.js');
  return (tracer, final) => {
    const agg = tracer.aggregation(o.aggregation);
    const hists = agg.histograms();
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ ...o.head, final, histograms: hists })}\n`);
    } else {
      if (o.interval) process.stdout.write(`\n${clock()}\n`);
      if (hists.length === 0) process.stdout.write(`${o.none}\n`);
      for (const h of hists) {
        if (o.key) process.stdout.write(`\n${o.key(h.key)}\n`);
        process.stdout.write(formatHistogram(h.buckets, o.label));
      }
    }
    if (!final) agg.clear();
  };
}
