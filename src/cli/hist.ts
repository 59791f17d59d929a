// `tsbpf hist FUNC`: a kernel function's latency as a log2 histogram. The entry probe stores the
// time under the thread id, the return probe takes the difference and counts it in its bucket —
// all in the kernel, as bcc's funclatency does; only the buckets are read.
import { parseArgs } from 'node:util';
import { checkMetricsAddress, METRICS_HELP, type RunningMetrics, serveMetrics } from './metrics-option.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  explainProbeFailure,
  positiveNumber,
  runSignal,
  tracerOptions,
} from './probe-common.js';
import { parseOptions, UsageError } from './usage.js';

const HELP = `usage: tsbpf hist FUNC [options]

Latency histogram of kernel function FUNC (kprobe+kretprobe; falling back to fentry+fexit, then,
for a syscall's function, to its sys_enter/sys_exit tracepoints).
      --ns | --us | --ms   unit (default --us)
  -b, --by comm            one histogram per command name
  -i, --interval SEC       print (and reset) the histogram every SEC seconds
${METRICS_HELP}
${COMMON_HELP}
examples:
  tsbpf hist vfs_read --ms --duration 10
  tsbpf hist do_unlinkat --by comm
`;

const UNITS = {
  ns: { div: 1, name: 'nsecs' },
  us: { div: 1000, name: 'usecs' },
  ms: { div: 1_000_000, name: 'msecs' },
};

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(() =>
    parseArgs({
      args: argv,
      options: {
        ...COMMON_OPTIONS,
        ns: { type: 'boolean' },
        us: { type: 'boolean' },
        ms: { type: 'boolean' },
        by: { type: 'string', short: 'b' },
        interval: { type: 'string', short: 'i' },
        metrics: { type: 'string' },
      },
      allowPositionals: true,
    }),
  );
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UsageError('hist: name one kernel function (see tsbpf hist --help)');
  const fn = positionals[0] as string;
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(fn)) throw new UsageError(`hist: '${fn}' is not a function name`);
  if ([values.ns, values.us, values.ms].filter(Boolean).length > 1)
    throw new UsageError('hist: choose one of --ns, --us, --ms');
  const unit = UNITS[values.ns ? 'ns' : values.ms ? 'ms' : 'us'];
  if (values.by !== undefined && values.by !== 'comm')
    throw new UsageError(`--by: '${values.by}' is not supported (comm)`);
  const byComm = values.by === 'comm';
  const interval = positiveNumber('interval', values.interval);
  const duration = positiveNumber('duration', values.duration);
  checkMetricsAddress(values.metrics);
  // Prometheus histograms are cumulative: an interval's reset would read as a counter reset.
  if (values.metrics && interval) throw new UsageError('hist: --metrics and --interval do not go together');

  const { Tracer } = await import('../probes/tracer.js');
  const { formatHistogram } = await import('../probes/histogram-text.js');
  const opts = tracerOptions(values, 'hist');
  const tracer = new Tracer(opts);
  const end = runSignal(duration, opts.pid);
  let timer: NodeJS.Timeout | undefined;
  let metrics: RunningMetrics | undefined;
  try {
    tracer.probe(`kprobe:${fn}`, (p) => {
      p.map('start').set(p.tid(), p.ktime());
    });
    tracer.probe(`kretprobe:${fn}`, (p) => {
      const start = p.map('start');
      const delta = p.ktime().sub(start.get(p.tid()));
      start.delete(p.tid());
      p.hist('latency', unit.div === 1 ? delta : delta.div(unit.div), byComm ? p.comm() : undefined);
      // The histogram's _sum for --metrics, in nanoseconds (exact; the buckets are in the unit).
      if (values.metrics) p.sum('latency_ns', delta, byComm ? p.comm() : undefined);
    });
    await tracer.start();
    end.started();
    if (values.metrics) {
      const { histFamilies } = await import('../metrics/cli-families.js');
      metrics = await serveMetrics(values.metrics, 'hist', () => histFamilies(tracer, fn, unit.div, byComm));
    }
    const where = tracer.probes.map((p) => `${p.used?.kind}:${p.used?.target}`).join(' + ');
    process.stderr.write(
      `tsbpf hist: timing ${fn} (${where})${duration ? ` for ${duration}s` : ''}; Ctrl-C to end\n`,
    );
    const show = (final: boolean) => {
      const agg = tracer.aggregation('latency');
      const hists = agg.histograms();
      if (values.json) {
        process.stdout.write(
          `${JSON.stringify({ function: fn, unit: unit.name, final, histograms: hists })}\n`,
        );
      } else {
        if (interval) process.stdout.write(`\n${new Date().toTimeString().slice(0, 8)}\n`);
        if (hists.length === 0) process.stdout.write(`no calls of ${fn} completed\n`);
        for (const h of hists) {
          if (byComm) process.stdout.write(`\ncomm = ${String(h.key)}\n`);
          process.stdout.write(formatHistogram(h.buckets, unit.name));
        }
      }
      if (!final) agg.clear();
    };
    if (interval) timer = setInterval(() => show(false), interval * 1000);
    await tracer.run({ signal: end.signal });
    tracer.stop(); // detached: the counts are final
    const dropped = tracer.dropped();
    if (dropped)
      process.stderr.write(`tsbpf hist: ${dropped} updates missing: a map was full (10240 keys)\n`);
    if (timer) clearInterval(timer);
    show(true);
    return 0;
  } catch (err) {
    return explainProbeFailure(err, 'hist');
  } finally {
    if (timer) clearInterval(timer);
    await metrics?.close();
    end.dispose();
    tracer.close();
  }
}
