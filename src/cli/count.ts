// `tsbpf count PROBE...`: event counts kept in the kernel (no per-event record crosses to user
// space), shown as a top-N table at each interval and at the end.
import type { KeyInput } from '../probes/context.js';
import { isWildcard, parseProbeSpec } from '../probes/spec.js';
import type { Tracer } from '../probes/tracer.js';
import { command } from './command.js';
import { checkMetricsAddress, METRICS_HELP } from './metrics-option.js';
import { COMMON_HELP, COMMON_OPTIONS, positiveInteger, positiveNumber } from './probe-common.js';
import { clock, runSession } from './session.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf count PROBE [PROBE...] [options]

Counts events in the kernel and prints the busiest keys.
  PROBE as for tsbpf trace (kprobe:FUNC, tracepoint:CATEGORY:EVENT, uprobe:BINARY:SYMBOL,
        usdt:BINARY:PROVIDER:NAME, ...)
  -b, --by KEY          probe (default), comm, pid, tid, kstack (or stack: the kernel stack,
                        symbolized), ustack (the user stack, symbolized per process: ELF symbols,
                        JavaScript names from node --perf-basic-prof), or any value as trace
                        --format names them: args.id:syscall, ret:errno, sig:signal
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
  tsbpf count uprobe:/usr/lib/x86_64-linux-gnu/libc.so.6:malloc --by ustack --pid 1234
`;

const KEYS = ['probe', 'comm', 'pid', 'tid', 'stack', 'kstack', 'ustack'] as const;
type By = (typeof KEYS)[number];

export const run = command({
  help: HELP,
  options: {
    ...COMMON_OPTIONS,
    by: { type: 'string', short: 'b' },
    interval: { type: 'string', short: 'i' },
    top: { type: 'string', short: 't' },
    sum: { type: 'string', short: 's' },
    cumulative: { type: 'boolean' },
    metrics: { type: 'string' },
  },
  async run(values, positionals, argv) {
    if (positionals.length === 0)
      throw new UsageError('count: name at least one probe (see tsbpf count --help)');
    const { parseValueExpr, namerFor } = await import('./probe-values.js');
    const known = KEYS.includes((values.by ?? 'probe') as By);
    let by = (known ? (values.by ?? 'probe') : 'value') as By | 'value';
    if (by === 'kstack') by = 'stack';
    if (by === 'ustack' && values.metrics)
      throw new UsageError('--metrics: not with --by ustack (a user stack is keyed by its process too)');
    const byExpr = by === 'value' ? parseValueExpr(values.by as string, false) : undefined;
    const keyName = byExpr ? await namerFor(byExpr.namer) : undefined;
    const sumExpr = values.sum === undefined ? undefined : parseValueExpr(values.sum, false);
    if (values.cumulative && values.interval === undefined)
      throw new UsageError('--cumulative: goes with --interval');
    const interval = positiveNumber('interval', values.interval);
    const top = positiveInteger('top', values.top) ?? 20;
    const json = values.json ?? false;
    checkMetricsAddress(values.metrics);
    const byText = byExpr ? byExpr.text : by;
    const families = values.metrics ? (await import('../metrics/cli-families.js')).countFamilies : undefined;
    let labels: string[] = [];
    let watchPids: ReturnType<typeof setInterval> | undefined;
    // A spec that does not parse fails later, in the tracer, with its own message.
    const wildcard = positionals.map((text) => {
      try {
        return isWildcard(parseProbeSpec(text));
      } catch {
        return false;
      }
    });

    /** The rows of the table, busiest first. */
    const rows = (tracer: Tracer) =>
      (by === 'probe'
        ? labels.flatMap((probe, i) =>
            // A wildcard probe counts per point that fired.
            wildcard[i]
              ? tracer
                  .aggregation<string>(`probe${i}`)
                  .entries()
                  .map((e) => ({ probe: e.key, key: undefined as unknown, count: e.value }))
              : [{ probe, key: undefined as unknown, count: tracer.aggregation(`probe${i}`).total() }],
          )
        : by === 'ustack'
          ? userStackRows(tracer, labels)
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

    return runSession({
      command: 'count',
      values,
      argv,
      interval,
      probes(tracer) {
        positionals.forEach((text, i) => {
          tracer.probe(text, (p) => {
            const amount = sumExpr?.make(p);
            const add = (map: string, key?: KeyInput) =>
              amount ? p.sum(map, amount, key) : p.count(map, key);
            // Per probe alone: a keyless per-CPU counter, as cheap as a hand-written C counter.
            if (by === 'probe') add(`probe${i}`, wildcard[i] ? p.probe() : undefined);
            // A user stack means something only in its process: the pid is part of the key.
            else if (by === 'ustack') add('counts', [p.constant(i), p.pid(), p.ustack()]);
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
      },
      attached(tracer) {
        // --pid names the process now: its maps are captured before it can exit.
        if (by === 'ustack' && values.pid !== undefined) tracer.symbolizer.forPid(Number(values.pid));
        // Maps of processes are captured at first sight, so one that exits before the table is
        // printed keeps its names: new pids are looked for in the keys twice a second.
        if (by === 'ustack')
          watchPids = setInterval(() => {
            try {
              for (const e of tracer.aggregation<[number, number, number]>('counts').entries())
                tracer.symbolizer.forPid(e.key[1]);
            } catch {
              clearInterval(watchPids); // the tracer is closing
            }
          }, 500).unref();
        labels = tracer.probes.map((p) =>
          p.used && p.used !== p.spec ? (p.usedText as string) : p.spec.text,
        );
        const n = positionals.length;
        return `counting ${sumExpr ? `the sum of ${sumExpr.text} at ` : ''}${n} probe${n === 1 ? '' : 's'} by ${byText}`;
      },
      metrics:
        values.metrics && families
          ? { address: values.metrics, families: (tracer) => families(tracer, by, labels) }
          : undefined,
      report(tracer, final) {
        if (final) clearInterval(watchPids);
        const all = rows(tracer);
        const now = new Date();
        if (json)
          process.stdout.write(
            `${JSON.stringify({ time: now.toISOString(), final, rows: all.slice(0, top) })}\n`,
          );
        else {
          if (interval && !final && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
          // Each interval's table says when it was taken (a file or a pipe keeps them all).
          if (interval) process.stdout.write(`${clock()}\n`);
          process.stdout.write(table(all.slice(0, top), byText, sumExpr ? 'SUM' : 'COUNT'));
          if (all.length > top) process.stdout.write(`(${all.length - top} more)\n`);
        }
        // Per interval by default, as bpftrace's print-then-clear() scripts: each table stands alone.
        if (final || values.cumulative) return;
        if (by === 'probe') for (let i = 0; i < labels.length; i++) tracer.aggregation(`probe${i}`).clear();
        else tracer.aggregation('counts').clear();
      },
    });
  },
});

/**
 * The rows of `--by ustack`: each (pid, stack) symbolized in its process, and stacks that read
 * the same (one program run by several processes) added up.
 */
function userStackRows(tracer: Tracer, labels: string[]): { probe: string; key: unknown; count: number }[] {
  const merged = new Map<string, { probe: string; key: unknown; count: number }>();
  for (const e of tracer.aggregation<[number, number, number]>('counts').entries()) {
    const [probe, pid, id] = e.key;
    const frames = id < 0 ? [] : tracer.ustack(pid, id);
    const key = frames.length === 0 ? '(no user stack)' : frames.join(';');
    const k = `${probe} ${key}`;
    const row = merged.get(k);
    if (row) row.count += e.value;
    else merged.set(k, { probe: labels[probe] ?? '?', key, count: e.value });
  }
  return [...merged.values()];
}

/** A stack as one key: frames joined by ';' (the folded format flame graph tools read). */
function stackText(frames: string[]): string {
  return frames.length === 0 ? '(no kernel stack)' : frames.join(';');
}

function table(rows: { probe: string; key: unknown; count: number }[], by: string, what: string): string {
  const probeWidth = Math.max(5, ...rows.map((r) => r.probe.length));
  if (by === 'stack' || by === 'ustack') {
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
