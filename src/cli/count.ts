// `tsbpf count PROBE...`: event counts kept in the kernel (no per-event record crosses to user
// space), shown as a top-N table at each interval and at the end.
import { parseArgs } from 'node:util';
import type { KeyInput } from '../probes/context.js';
import { timedAsync } from '../timing.js';
import { checkMetricsAddress, METRICS_HELP, type RunningMetrics, serveMetrics } from './metrics-option.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  explainProbeFailure,
  positiveInteger,
  positiveNumber,
  replaceSpec,
  runSignal,
  tracerOptions,
} from './probe-common.js';
import { parseOptions, UsageError } from './usage.js';

const HELP = `usage: tsbpf count PROBE [PROBE...] [options]

Counts events in the kernel and prints the busiest keys.
  PROBE as for tsbpf trace (kprobe:FUNC, tracepoint:CATEGORY:EVENT, uprobe:BINARY:SYMBOL, ...)
  -b, --by KEY          probe (default), comm, pid, tid, stack (the kernel stack, symbolized), or
                        any value as trace --format names them: args.id:syscall, ret:errno, sig:signal
  -s, --sum VALUE       add VALUE up instead of counting events (bpftrace's sum()): --sum ret
  -i, --interval SEC    print the table every SEC seconds, the counts of that interval only, under
                        the time (HH:MM:SS); on a terminal the screen is redrawn
      --cumulative      with --interval: running totals instead of per-interval counts
  -t, --top N           rows to show (default 20)
${METRICS_HELP}
${COMMON_HELP}
examples:
  tsbpf count tracepoint:syscalls:sys_enter_openat --by comm
  tsbpf count kprobe:vfs_read kprobe:vfs_write --duration 5
  tsbpf count tracepoint:raw_syscalls:sys_enter --by id:syscall -i 1
  tsbpf count tracepoint:syscalls:sys_exit_read --sum ret --by comm
`;

const KEYS = ['probe', 'comm', 'pid', 'tid', 'stack'] as const;
type By = (typeof KEYS)[number];

export async function run(argv: string[]): Promise<number> {
  const parsed = parseOptions(() =>
    parseArgs({
      args: argv,
      options: {
        ...COMMON_OPTIONS,
        by: { type: 'string', short: 'b' },
        interval: { type: 'string', short: 'i' },
        top: { type: 'string', short: 't' },
        sum: { type: 'string', short: 's' },
        cumulative: { type: 'boolean' },
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
  if (positionals.length === 0)
    throw new UsageError('count: name at least one probe (see tsbpf count --help)');
  const { parseValueExpr, namerFor } = await import('./probe-values.js');
  const known = KEYS.includes((values.by ?? 'probe') as By);
  const by = (known ? (values.by ?? 'probe') : 'value') as By | 'value';
  const byExpr = by === 'value' ? parseValueExpr(values.by as string, false) : undefined;
  const keyName = byExpr ? await namerFor(byExpr.namer) : undefined;
  const sumExpr = values.sum === undefined ? undefined : parseValueExpr(values.sum, false);
  if (values.cumulative && values.interval === undefined)
    throw new UsageError('--cumulative: goes with --interval');
  const interval = positiveNumber('interval', values.interval);
  const top = positiveInteger('top', values.top) ?? 20;
  const duration = positiveNumber('duration', values.duration);
  const json = values.json ?? false;
  checkMetricsAddress(values.metrics);

  const { Tracer } = await timedAsync('probe modules', () => import('../probes/tracer.js'));
  const opts = tracerOptions(values, 'count');
  const tracer = new Tracer(opts);
  const end = runSignal(duration, opts.pid);
  let timer: NodeJS.Timeout | undefined;
  let metrics: RunningMetrics | undefined;
  try {
    positionals.forEach((text, i) => {
      tracer.probe(text, (p) => {
        const amount = sumExpr?.make(p);
        const add = (map: string, key?: KeyInput) => (amount ? p.sum(map, amount, key) : p.count(map, key));
        // Per probe alone: a keyless per-CPU counter, as cheap as a hand-written C counter.
        if (by === 'probe') add(`probe${i}`);
        else
          add('counts', [
            p.constant(i),
            byExpr
              ? byExpr.make(p)
              : by === 'comm'
                ? p.comm()
                : by === 'pid'
                  ? p.pid()
                  : by === 'tid'
                    ? p.tid()
                    : p.stack(),
          ]);
      });
    });
    await tracer.start();
    end.started();
    process.stderr.write(
      `tsbpf count: counting ${sumExpr ? `the sum of ${sumExpr.text} at ` : ''}${positionals.length} probe${positionals.length === 1 ? '' : 's'} by ${byExpr?.text ?? by}${duration ? ` for ${duration}s` : ''}; Ctrl-C to end\n`,
    );
    const labels = tracer.probes.map((p) =>
      p.used && p.used !== p.spec ? (p.usedText as string) : p.spec.text,
    );
    if (values.metrics) {
      const { countFamilies } = await import('../metrics/cli-families.js');
      metrics = await serveMetrics(values.metrics, 'count', () => countFamilies(tracer, by, labels));
    }
    const show = (final: boolean) => {
      const rows = (
        by === 'probe'
          ? labels.map((probe, i) => ({
              probe,
              key: undefined,
              count: tracer.aggregation(`probe${i}`).total(),
            }))
          : tracer
              .aggregation<[number, string | number]>('counts')
              .entries()
              .map((e) => ({
                probe: labels[e.key[0]] ?? '?',
                key:
                  by === 'stack'
                    ? stackText(tracer.stack(e.key[1] as number))
                    : keyName
                      ? keyName(e.key[1])
                      : e.key[1],
                count: e.value,
              }))
      ).sort((a, b) => b.count - a.count);
      const now = new Date();
      // Per interval by default, as bpftrace's print-then-clear() scripts: each table stands alone.
      const reset = () => {
        if (final || values.cumulative) return;
        if (by === 'probe') for (let i = 0; i < labels.length; i++) tracer.aggregation(`probe${i}`).clear();
        else tracer.aggregation('counts').clear();
      };
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ time: now.toISOString(), final, rows: rows.slice(0, top) })}\n`,
        );
        reset();
        return;
      }
      if (interval && !final && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
      // Each interval's table says when it was taken (a file or a pipe keeps them all).
      if (interval) process.stdout.write(`${now.toTimeString().slice(0, 8)}\n`);
      process.stdout.write(table(rows.slice(0, top), byExpr ? byExpr.text : by, sumExpr ? 'SUM' : 'COUNT'));
      if (rows.length > top) process.stdout.write(`(${rows.length - top} more)\n`);
      reset();
    };
    if (interval) timer = setInterval(() => show(false), interval * 1000);
    await tracer.run({ signal: end.signal });
    tracer.stop(); // detached: the counts are final
    const dropped = tracer.dropped();
    if (dropped)
      process.stderr.write(`tsbpf count: ${dropped} updates missing: a map was full (10240 keys)\n`);
    if (timer) clearInterval(timer);
    show(true);
    return 0;
  } catch (err) {
    return explainProbeFailure(err, 'count', replaceSpec(argv));
  } finally {
    if (timer) clearInterval(timer);
    await metrics?.close();
    end.dispose();
    tracer.close();
  }
}

/** A stack as one key: frames joined by ';' (the folded format flame graph tools read). */
function stackText(frames: string[]): string {
  return frames.length === 0 ? '(no kernel stack)' : frames.join(';');
}

function table(rows: { probe: string; key: unknown; count: number }[], by: string, what: string): string {
  const probeWidth = Math.max(5, ...rows.map((r) => r.probe.length));
  if (by === 'stack') {
    // Stacks are long: the count first, then one frame per line.
    return rows
      .map(
        (r) =>
          `${r.probe}  ${String(r.count).padStart(10)}\n${String(r.key)
            .split(';')
            .map((f) => `    ${f}`)
            .join('\n')}\n`,
      )
      .join('\n');
  }
  const keyed = by !== 'probe';
  const keyWidth = keyed ? Math.max(by.length, ...rows.map((r) => String(r.key).length)) : 0;
  const head = `${'PROBE'.padEnd(probeWidth)}  ${keyed ? `${by.toUpperCase().padEnd(keyWidth)}  ` : ''}${what.padStart(10)}`;
  const lines = rows.map(
    (r) =>
      `${r.probe.padEnd(probeWidth)}  ${keyed ? `${String(r.key).padEnd(keyWidth)}  ` : ''}${String(r.count).padStart(10)}`,
  );
  return `${[head, ...lines].join('\n')}\n`;
}
