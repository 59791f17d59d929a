// `tsbpf hist FUNC`: a kernel function's latency as a log2 histogram. The entry probe stores the
// time under the thread id, the return probe takes the difference and counts it in its bucket —
// all in the kernel, as bcc's funclatency does; only the buckets are read.
import { parseArgs } from 'node:util';
import { probeKindOf } from '../probes/spec.js';
import { timedAsync } from '../timing.js';
import { checkMetricsAddress, METRICS_HELP, type RunningMetrics, serveMetrics } from './metrics-option.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  type CommonValues,
  explainProbeFailure,
  positiveNumber,
  runSignal,
  tracerOptions,
} from './probe-common.js';
import { parseOptions, UsageError } from './usage.js';

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
        value: { type: 'string', short: 'v' },
        linear: { type: 'string', short: 'l' },
      },
      allowPositionals: true,
    }),
  );
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  // A probe spec (kind:...) or --value/--linear: a value's histogram; `syscalls:NAME` is latency.
  const isProbe = (t: string) => t.includes(':') && probeKindOf(t.slice(0, t.indexOf(':'))) !== undefined;
  if (positionals.some(isProbe) || values.value !== undefined || values.linear !== undefined)
    return valueHistogram(values, positionals);
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
  const interval = positiveNumber('interval', values.interval);
  const duration = positiveNumber('duration', values.duration);
  checkMetricsAddress(values.metrics);
  // Prometheus histograms are cumulative: an interval's reset would read as a counter reset.
  if (values.metrics && interval) throw new UsageError('hist: --metrics and --interval do not go together');

  const { Tracer } = await timedAsync('probe modules', () => import('../probes/tracer.js'));
  const { formatHistogram } = await import('../probes/histogram-text.js');
  const opts = tracerOptions(values, 'hist');
  const tracer = new Tracer(opts);
  const end = runSignal(duration, opts.pid);
  let timer: NodeJS.Timeout | undefined;
  let metrics: RunningMetrics | undefined;
  try {
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
    await tracer.start();
    end.started();
    if (values.metrics) {
      const { histFamilies } = await import('../metrics/cli-families.js');
      metrics = await serveMetrics(values.metrics, 'hist', () => histFamilies(tracer, fn, unit.div, byComm));
    }
    const where = tracer.probes.map((p) => p.usedText).join(' + ');
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
    // Suggested probe points become a hist command: syscall tracepoints as syscalls:NAME,...
    return explainProbeFailure(err, 'hist', (specs) => {
      const names = specs.map((s) => /^sys_(?:enter|exit)_(.+)$/.exec(s.event ?? '')?.[1]);
      if (specs.every((s) => s.kind !== 'tracepoint'))
        return argv.map((a) => (a === fn ? (specs[0]?.target as string) : a));
      if (names.some((n) => n === undefined)) return undefined;
      return [`syscalls:${[...new Set(names)].join(',')}`, ...argv.filter((a) => a !== fn)];
    });
  } finally {
    if (timer) clearInterval(timer);
    await metrics?.close();
    end.dispose();
    tracer.close();
  }
}

/** The histogram of a value the probes see: `hist PROBE... --value V [--linear MIN,MAX,STEP] [--by K]`. */
async function valueHistogram(
  values: CommonValues & {
    value?: string;
    linear?: string;
    by?: string;
    interval?: string;
    ns?: boolean;
    us?: boolean;
    ms?: boolean;
  },
  probes: string[],
): Promise<number> {
  if (probes.length === 0) throw new UsageError('hist: name at least one probe (see tsbpf hist --help)');
  if (values.ns || values.us || values.ms)
    throw new UsageError(
      "hist: --ns/--us/--ms are for function latency; with --value the unit is the value's",
    );
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
  const interval = positiveNumber('interval', values.interval);
  const duration = positiveNumber('duration', values.duration);
  const { Tracer } = await timedAsync('probe modules', () => import('../probes/tracer.js'));
  const { formatHistogram } = await import('../probes/histogram-text.js');
  const opts = tracerOptions(values, 'hist');
  const tracer = new Tracer(opts);
  const end = runSignal(duration, opts.pid);
  let timer: NodeJS.Timeout | undefined;
  try {
    for (const text of probes)
      tracer.probe(text, (p) => {
        const v = expr.make(p);
        const key = byExpr?.make(p);
        if (linear) p.lhist('values', v, linear, key);
        else p.hist('values', v, key);
      });
    await tracer.start();
    end.started();
    process.stderr.write(
      `tsbpf hist: tracing ${probes.join(' ')}: histogram of ${expr.text}${duration ? ` for ${duration}s` : ''}; Ctrl-C to end\n`,
    );
    const show = (final: boolean) => {
      const agg = tracer.aggregation('values');
      const hists = agg.histograms();
      if (values.json) {
        process.stdout.write(`${JSON.stringify({ value: expr.text, final, histograms: hists })}\n`);
      } else {
        if (interval) process.stdout.write(`\n${new Date().toTimeString().slice(0, 8)}\n`);
        if (hists.length === 0) process.stdout.write(`no values of ${expr.text} yet\n`);
        for (const h of hists) {
          if (byExpr)
            process.stdout.write(`\n${byExpr.text} = ${String(keyName ? keyName(h.key) : h.key)}\n`);
          process.stdout.write(formatHistogram(h.buckets, expr.text));
        }
      }
      if (!final) agg.clear();
    };
    if (interval) timer = setInterval(() => show(false), interval * 1000);
    await tracer.run({ signal: end.signal });
    if (timer) clearInterval(timer);
    show(true);
    return 0;
  } catch (err) {
    return explainProbeFailure(err, 'hist');
  } finally {
    if (timer) clearInterval(timer);
    end.dispose();
    tracer.close();
  }
}
