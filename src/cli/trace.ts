// `tsbpf trace PROBE...`: one line per event — time, pid, comm, probe, arguments, return value.

import { createRequire } from 'node:module';
import type { Value } from '../compiler/value.js';
import { isWildcard, probeKindOf } from '../probes/spec.js';
import type { Probe, ProbeBody, Tracer } from '../probes/tracer.js';
import { saveCodeCache } from './code-cache.js';
import { command } from './command.js';
import { COMMON_HELP, COMMON_OPTIONS, positiveInteger, positiveNumber } from './probe-common.js';
import { runSession } from './session.js';
import { plain, type RecordFormatter, recordFormatter } from './trace-format.js';
import { LineBatch } from './trace-lines.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf trace PROBE [PROBE...] [options]

Prints one line per event: seconds since start, pid, command, probe, arguments (typed from BTF or
the tracepoint's format; strings read for char pointers and for struct filename/dentry/file), and
the return value for return probes.
  PROBE: kprobe:FUNC  kretprobe:FUNC  fentry:FUNC  fexit:FUNC  tracepoint:CATEGORY:EVENT
         tp_btf:EVENT  uprobe:BINARY:SYMBOL  uretprobe:BINARY:SYMBOL   (k: kr: t: u: ur: also work)
         usdt:BINARY:PROVIDER:NAME (or usdt:BINARY:NAME; globs: usdt:BINARY:PROVIDER:*)
         BEGIN, END: once at the start and at the end, in tsbpf's own process
  A kprobe falls back to fentry, then to the syscall's tracepoint, saying so on stderr.
  -f, --fields A,B     only these arguments (names as 'tsbpf list' shows them); NAME:TYPE reads
                       an argument as TYPE: str (a C string), s8..s64, u8..u64, struct
                       (the whole struct a pointer points at, as an object) — for untyped
                       uprobe registers: --fields arg0:str,ret:s32; ustack and kstack
                       add the user and kernel stacks, symbolized (--fields ustack,arg0)
  -F, --format FMT     print each event with a printf format instead, its values named after
                       the probes: --format '%-6d %-16s %s\n' pid comm args.filename
                       (values: pid tid uid gid comm cpu cgroup nsecs ret curtask->FIELD...,
                       args.NAME or NAME, str(X) ntop(X) join(X), *X or
                       *(struct T *)X (the whole struct), X:s32 X:str X:errno X:signal
                       X:syscall X:cap); a line ends with a newline unless the format has \n
  -n, --max-events N   stop after N events
  -b, --buffer MIB     the ring buffer's size in MiB, a power of 2 (default 8; down to 1/256,
                       4 KiB); a larger one absorbs longer bursts, and counts fully in the
                       process's memory (twice)
${COMMON_HELP}
Events go to stdout, everything else to stderr; the last line there is "N events, M lost" (with
the count per CPU when M is not 0). Where the kernel dropped events (the ring buffer was full),
the stream has a line "Lost N events" ({"lost":N} with --json).
examples:
  tsbpf trace kprobe:do_unlinkat kretprobe:do_unlinkat
  tsbpf trace tracepoint:syscalls:sys_enter_openat --fields filename --comm bash
  tsbpf trace uretprobe:/bin/bash:readline --fields ret:str
                       (a uprobe's registers are untyped: ret:str reads the line readline
                       returned, not its address)
  tsbpf trace usdt:/usr/bin/python3.11:python:function__entry --fields arg0:str,arg1:str,arg2
  tsbpf trace tracepoint:syscalls:sys_enter_execve -F '%-7d %s' pid 'join(args.argv)'
  tsbpf trace tracepoint:syscalls:sys_exit_openat -F '%s %d %s' comm ret ret:errno
  tsbpf trace uprobe:/usr/bin/node:Builtins_ArrayPrototypeJoin --fields ustack --pid 1234
`;

export const run = command({
  help: HELP,
  options: {
    ...COMMON_OPTIONS,
    fields: { type: 'string', short: 'f' },
    'max-events': { type: 'string', short: 'n' },
    buffer: { type: 'string', short: 'b' },
    format: { type: 'string', short: 'F' },
  },
  async run(values, positionals, argv) {
    // With --format, the words that are not probes are the values it prints.
    const withFormat = values.format !== undefined;
    const probes = positionals.filter((t) => !withFormat || isProbeText(t));
    const valueTexts = positionals.filter((t) => withFormat && !isProbeText(t));
    if (probes.length === 0) throw new UsageError('trace: name at least one probe (see tsbpf trace --help)');
    const { compilePrintf } = await import('./printf.js');
    const { parseValueExpr, namerFor, readable } = await import('./probe-values.js');
    const printf = values.format === undefined ? undefined : compilePrintf(values.format);
    if (printf && printf.arity !== valueTexts.length)
      throw new UsageError(
        `--format takes ${printf.arity} value${printf.arity === 1 ? '' : 's'}, ${valueTexts.length} given (${valueTexts.join(' ') || 'none'})`,
      );
    const exprs = valueTexts.map((t) => parseValueExpr(t));
    const namers = await Promise.all(exprs.map((e) => namerFor(e.namer)));
    const newline = values.format !== undefined && !/\\n$/.test(values.format) ? '\n' : '';
    const maxEvents = positiveInteger('max-events', values['max-events']);
    // 8 MiB by default: a burst of a million getppid events arrives with nothing lost (4 MiB did
    // too in bench/probes.ts); each MiB of ring costs two of resident memory.
    const bufferMiB = positiveNumber('buffer', values.buffer) ?? 8;
    const ringBytes = bufferMiB * 2 ** 20;
    if (!Number.isInteger(Math.log2(ringBytes)) || ringBytes < 4096 || bufferMiB > 1024)
      throw new UsageError(`--buffer: '${values.buffer}' MiB is not a power of 2 from 1/256 to 1024`);
    const picks = values.fields === undefined ? undefined : parseFields(values.fields);
    const only = picks && [...picks.keys()];

    const restoreYoungGrowth = keepYoungGenerationSmall();
    const json = values.json ?? false;
    const output = new LineBatch();
    let events = 0;
    /** Records that arrived after --max-events was reached: read, not printed. */
    let over = 0;
    const t0 = Number(process.hrtime.bigint()); // CLOCK_MONOTONIC, as bpf_ktime_get_ns
    // Every argument name the probes have (and 'ret'): a --fields name none has is a mistake.
    const seen = new Set<string>();

    /** The record of one event: --format's values, or the probe's arguments and return value. */
    const body =
      (probe: () => Probe): ProbeBody<Record<string, unknown>> =>
      (p) => {
        const fields: Record<string, Value<unknown>> = {};
        if (printf) {
          exprs.forEach((e, i) => {
            fields[`v${i}`] = e.make(p);
          });
          return p.emit(fields);
        }
        fields.time = p.ktime();
        fields.pid = p.pid();
        fields.comm = p.comm();
        // A wildcard probe: which of its points fired.
        if (isWildcard(probe().spec)) fields.probe = p.probe();
        // Syscall tracepoints standing in for a kernel function: its arguments, read from records.
        const standIn = p.kind === 'tracepoint' && probe().spec.kind !== 'tracepoint';
        const args = p.args();
        for (const a of args) seen.add(a.name);
        if (p.hasReturn) seen.add('ret');
        seen.add('ustack');
        seen.add('kstack');
        for (const a of args) {
          if (only && !only.includes(a.name)) continue;
          let v: Value<unknown> = a.value;
          if (picks?.get(a.name) === 'struct') {
            fields[`a_${a.name}`] = v.object(); // the whole struct it points at
            continue;
          }
          if (v.type.kind === 'ptr') {
            const to = v.pointee();
            const named = readable(v);
            // A struct's address differs between a stand-in's records (or is not there): left out.
            if (named === v && standIn && to?.kind === 'struct') continue;
            v = named;
          } else if (v.type.kind === 'array' && isAddress(a.name, v.type)) v = v.ntop();
          else if (v.type.kind === 'array') {
            // One field per element, `args[0]`…, as the tracepoint's print fmt shows them.
            for (let i = 0; i < v.type.length; i++) fields[`a_${a.name}[${i}]`] = v.at(i);
            continue;
          }
          fields[`a_${a.name}`] = as(v, picks?.get(a.name));
        }
        if (p.hasReturn && (!only || only.includes('ret'))) fields.ret = as(p.ret(), picks?.get('ret'));
        // Stack ids, symbolized when the record arrives (see withStacks).
        if (only?.includes('ustack')) fields.a_ustack = p.ustack();
        if (only?.includes('kstack')) fields.a_kstack = p.kstack();
        return p.emit(fields);
      };

    /** How one probe's records print: through --format, or as the probe's fields. */
    const printer = (probe: Probe, text: string): ((r: Record<string, unknown>) => string) => {
      if (printf)
        return (r) => {
          const vals = exprs.map((_, i) => {
            const name = namers[i];
            return name ? name(r[`v${i}`]) : r[`v${i}`];
          });
          return json
            ? `${JSON.stringify({ probe: text, values: Object.fromEntries(exprs.map((x, i) => [x.text, plain(vals[i])])) })}\n`
            : printf(vals) + newline;
        };
      let format: RecordFormatter | undefined;
      return (r) => {
        // Built at the first record: by then the tracer knows which kind it attached.
        format ??= recordFormatter(
          r,
          probe.used && probe.used !== probe.spec ? (probe.usedText as string) : text,
          t0,
          json,
        );
        return format(r);
      };
    };

    return runSession({
      command: 'trace',
      // The kernel counts what it drops; a line marks the gap where the loss was seen.
      tracer: {
        ringbufBytes: ringBytes,
        onLost: (n) => output.add(json ? `${JSON.stringify({ lost: n })}\n` : `Lost ${n} events\n`),
      },
      values,
      argv,
      probes(tracer, stop) {
        output.onClosed = stop;
        for (const text of probes) {
          const probe: Probe = tracer.probe(
            text,
            body(() => probe),
          );
          const print = printer(probe, text);
          probe.on((e) => {
            // Records already in the ring when the limit was reached are not printed (but counted);
            // the final drain still delivers them.
            if (maxEvents !== undefined && events >= maxEvents) {
              over++;
              return false;
            }
            events++;
            output.add(print(withStacks(tracer, e as Record<string, unknown>)));
            if (maxEvents !== undefined && events >= maxEvents) {
              stop();
              return false;
            }
            return undefined;
          });
        }
      },
      attached(tracer) {
        // --pid names the process now: its maps are captured before it can exit.
        if (only?.includes('ustack') && values.pid !== undefined)
          tracer.symbolizer.forPid(Number(values.pid));
        const unknown = only?.filter((name) => !seen.has(name)) ?? [];
        if (unknown.length > 0)
          throw new UsageError(
            `--fields: ${unknown.map((n) => `'${n}'`).join(', ')} ${unknown.length === 1 ? 'is not a field' : 'are not fields'} of ${positionals.join(' ')} (fields: ${[...seen].join(', ') || 'none'})`,
          );
        const n = tracer.probes.length;
        return `tracing ${n} probe${n === 1 ? '' : 's'}`;
      },
      report(tracer) {
        process.stderr.write(
          `${summary(events, tracer.lostPerCpu())}${over ? `, ${over} past --max-events` : ''}\n`,
        );
      },
      flush: () => output.flush(),
    }).finally(restoreYoungGrowth);
  },
});

/**
 * Every event makes a few short-lived objects and strings; left alone, V8 grows its young
 * generation to tens of MiB for them. Kept at its starting size, a young collection is more
 * frequent but as cheap (almost nothing survives), and the trace's peak memory ~15 MB lower.
 * Set a moment after start-up: loading node:v8 (~3 ms, with Node's stream modules) is no part of
 * getting to the first event. Returns what puts V8's default (2) back when the trace ends, since
 * V8 keys its code cache by the flags (code-cache.ts saves the CLI's code after the command ran).
 */
function keepYoungGenerationSmall(): () => void {
  const v8 = () => createRequire(import.meta.url)('node:v8') as typeof import('node:v8');
  let set = false;
  const timer = setTimeout(() => {
    saveCodeCache(); // first, while the flags are still those of start-up (a no-op if saved)
    v8().setFlagsFromString('--semi-space-growth-factor=1');
    set = true;
  }, 100).unref();
  return () => {
    clearTimeout(timer);
    if (set) v8().setFlagsFromString('--semi-space-growth-factor=2');
  };
}

/**
 * A record with its stack ids (a_ustack, a_kstack) replaced by their frames, symbolized now: the
 * first record of a pid captures its maps while the process still runs.
 */
function withStacks(tracer: Tracer, r: Record<string, unknown>): Record<string, unknown> {
  if (typeof r.a_ustack === 'number')
    r.a_ustack = r.a_ustack < 0 ? [] : tracer.ustack(r.pid as number, r.a_ustack);
  if (typeof r.a_kstack === 'number') r.a_kstack = r.a_kstack < 0 ? [] : tracer.kstack(r.a_kstack);
  return r;
}

/** Probes are TYPE:TARGET, BEGIN or END; other words are --format's values. */
function isProbeText(text: string): boolean {
  const colon = text.indexOf(':');
  return text === 'BEGIN' || text === 'END' || (colon > 0 && probeKindOf(text.slice(0, colon)) !== undefined);
}

/** Byte arrays of 4 or 16 named like addresses (saddr, daddr_v6): printed as ntop() would. */
function isAddress(name: string, t: { elem: { kind: string; size?: number }; length: number }): boolean {
  return (
    /addr/.test(name) && t.elem.kind === 'int' && t.elem.size === 1 && (t.length === 4 || t.length === 16)
  );
}

/** `N events, M lost`, and which CPUs lost them when some were. */
export function summary(events: number, lostPerCpu: readonly number[]): string {
  const lost = lostPerCpu.reduce((a, b) => a + b, 0);
  const where = lostPerCpu.flatMap((n, cpu) => (n ? [`CPU ${cpu}: ${n}`] : []));
  return `${events} events, ${lost} lost${lost ? ` (${where.join(', ')})` : ''}`;
}

const CASTS = ['str', 's8', 's16', 's32', 's64', 'u8', 'u16', 'u32', 'u64', 'struct'] as const;
type Cast = (typeof CASTS)[number];

/** `a,b:str,ret:s32` → name → cast (undefined: as typed). */
function parseFields(text: string): Map<string, Cast | undefined> {
  const out = new Map<string, Cast | undefined>();
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, cast] = part.split(':') as [string, string | undefined];
    if (cast !== undefined && !CASTS.includes(cast as Cast))
      throw new UsageError(`--fields: '${part}': type '${cast}' is not one of ${CASTS.join(', ')}`);
    out.set(name, cast as Cast | undefined);
  }
  return out;
}

function as(v: Value<unknown>, cast: Cast | undefined): Value<unknown> {
  if (cast === undefined) return v;
  if (cast === 'struct') return v.object();
  return cast === 'str' ? v.string() : v[cast]();
}
