// A tracing session: probes written in TypeScript, compiled to BPF, loaded, attached (falling back
// where this kernel cannot do what was asked), and their records and aggregations read back.
//
//   using t = new Tracer();
//   t.probe('kprobe:do_unlinkat', (p) => p.emit({ pid: p.pid(), file: p.arg('name').field('name').string() }))
//    .on((e) => console.log(e.pid, e.file));
//   await t.start();
//   await t.run({ signal: AbortSignal.timeout(5000) });
import type { Btf } from '../../btf/parse.js';
import { compileProbe, DROPPED_REF, LOST_REF, mapRef, RINGBUF_REF } from '../compiler/compile.js';
import { didYouMean } from '../compiler/nearest.js';
import { type RecordDecoder, recordDecoder, recordLayout } from '../compiler/record.js';
import { standInArgs } from '../compiler/route-args.js';
import { describeRoutes, routeFilter, type SyscallRoute } from '../compiler/syscall-routes.js';
import type { Cond } from '../compiler/value.js';
import { RingBufReader } from '../events/ringbuf.js';
import type { Frame } from '../format/symbols/frame.js';
import { frameText } from '../format/symbols/frame.js';
import { symbolize } from '../kallsyms.js';
import { findBtfTarget, lookupIn } from '../link/btf-target.js';
import { kindOf, PREFIXED_KINDS } from '../link/kinds/index.js';
import { AttachError } from '../link/link.js';
import { BpfMap } from '../map.js';
import { type PromRegistryLike, registerPromClient } from '../metrics/prom-client.js';
import type { TracerMetricsOptions } from '../metrics/tracer-families.js';
import type { UserSymbolizer } from '../symbols/user-symbolizer.js';
import { BpfError, Errno } from '../sys/errno.js';
import { timed, timedAsync, timingEnabled, timingMark } from '../timing.js';
import { TracepointNotFoundError } from '../tracefs.js';
import { VerifierError } from '../verifier.js';
import { Aggregation } from './aggregation.js';
import { probeArgs } from './args.js';
import { kernelBtfLoader, loadAndAttach, precheck } from './attach.js';
import {
  type EmitSite,
  type MapUse,
  type NoMaps,
  ProbeContext,
  type ProbePoints,
  STACKS_MAP,
} from './context.js';
import { type FallbackStep, fallbackChain } from './fallback.js';
import { Probe, type ProbeBody, type ProbeFeed, STOP_SIGNALS } from './probe.js';

export { Probe, type ProbeBody };

import { formatProbeSpec, isWildcard, type ProbeSpec, parseProbeSpec } from './spec.js';
import { ProbeError, type TraceRunOptions, type TracerOptions } from './tracer-options.js';

export { ProbeError, type TraceRunOptions, type TracerOptions } from './tracer-options.js';

interface Site {
  site: EmitSite;
  decode: RecordDecoder<unknown>;
  probe: Probe<unknown>;
}

const DEFAULT_RINGBUF = 8 << 20;
/** Records per delivery (a wake-up, or a 1 ms tick of a busy stream): timers, signals and writes get their turn between batches. */
const BATCH = 4096;
const proceed = (go: boolean): boolean => go;

export class Tracer implements Disposable {
  readonly #opts: TracerOptions;
  readonly #probes: Probe<unknown>[] = [];
  readonly #sites: Site[] = [];
  readonly #uses = new Map<string, MapUse>();
  readonly #maps = new Map<string, BpfMap<unknown, unknown>>();
  #symbolizer: UserSymbolizer | undefined;
  /** The symbolizer's module: loaded by start() only when a probe records stacks (it is large). */
  #symbols: typeof import('../symbols/user-symbolizer.js') | undefined;
  #reader: RingBufReader<boolean> | undefined;
  /** The lost count already reported to onLost. */
  #lostSeen = 0;
  #started = false;
  #stopped = false;
  #closed = false;
  #endDone = false;
  /** start() succeeded: END runs at the end (not after a failed start). */
  #attached = false;
  #consumers = 0;
  #flow: AbortController | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  /** Ends run() calls and probe iterators when the tracer closes. */
  readonly #onClose = new Set<() => void>();
  #btf: (() => Btf) | undefined;

  constructor(opts: TracerOptions = {}) {
    this.#opts = opts;
  }

  /** The kernel's BTF; set up (not yet parsed) before the first probe that may need it. */
  #kernelBtf = (): Btf => {
    if (!this.#btf) throw new Error('internal: kernel BTF used before it was loaded');
    return this.#btf();
  };

  /** Adds a probe: `spec` as `kprobe:do_unlinkat`, `tracepoint:syscalls:sys_enter_openat`, … */
  probe<E = Record<string, unknown>, M = NoMaps>(
    spec: string | ProbeSpec,
    body: ProbeBody<E, M>,
  ): Probe<E, M> {
    if (this.#started) throw new Error('probe(): the tracer has started; add probes before start()');
    const p = new Probe<E, M>(
      typeof spec === 'string' ? parseProbeSpec(spec) : spec,
      body,
      this.#feed(),
      (name) => this.aggregation(name),
    );
    this.#probes.push(p as unknown as Probe<unknown>);
    return p;
  }

  get probes(): readonly Probe<unknown>[] {
    return this.#probes;
  }

  /** Compiles, loads and attaches every probe. Rejects with ProbeError if one cannot attach at all. */
  async start(): Promise<this> {
    if (this.#started) return this;
    this.#started = true;
    try {
      for (const p of this.#probes) await this.#attach(p);
      if (this.#uses.get(STACKS_MAP)?.kind === 'stacks')
        this.#symbols = await import('../symbols/user-symbolizer.js');
      if (this.#sites.some((s) => s.probe.used !== undefined)) this.#openReader();
      this.#runOnce('start');
      this.#attached = true;
    } catch (err) {
      this.close();
      throw err;
    }
    return this;
  }

  #filters(): Cond[] {
    const out: Cond[] = [];
    const { pid, comm } = this.#opts;
    if (pid !== undefined)
      out.push({
        op: 'cmp',
        cmp: '==',
        a: { op: 'call', helper: 'get_current_pid_tgid', part: 'hi' },
        b: { op: 'const', value: BigInt(pid) },
      });
    if (comm !== undefined) out.push({ op: 'streq', s: { op: 'comm', size: 16 }, text: comm });
    return out;
  }

  async #attach(probe: Probe<unknown>): Promise<void> {
    if (isWildcard(probe.spec)) return this.#attachWildcard(probe);
    const chain: FallbackStep[] =
      this.#opts.fallback === false ? [{ specs: [probe.spec] }] : fallbackChain(probe.spec);
    for (const step of chain) {
      const outcome = await this.#tryStep(probe, step);
      if (typeof outcome === 'string') {
        probe.skipped.push({ spec: stepText(step), reason: outcome });
        continue;
      }
      probe.used = probe.attached[0];
      if (step.specs[0] !== probe.spec) {
        const why = probe.skipped.map((s) => `${s.spec.split(':')[0]}: ${s.reason}`).join('; ');
        const what = outcome.covers ?? `${formatProbeSpec(probe.used as ProbeSpec)} instead`;
        this.#opts.onFallback?.(`${probe.spec.text}: using ${what} (${why})`);
      }
      return;
    }
    const { nearestProbePoints } = await import('./suggest.js');
    const near = nearestProbePoints(probe.spec, probe.skipped);
    throw new ProbeError(probe.spec.text, probe.skipped, near.points, near.typo);
  }

  /** A wildcard probe: every point its kind expands it to (probes/wildcard.ts); no fallback chain. */
  async #attachWildcard(probe: Probe<unknown>): Promise<void> {
    const { attachWildcard, DEFAULT_MAX_PROBES, WildcardError } = await import('./wildcard.js');
    this.#btf ??= await kernelBtfLoader(this.#opts.btf);
    try {
      probe.wildcard = await attachWildcard(probe, {
        max: this.#opts.maxProbes ?? DEFAULT_MAX_PROBES,
        pid: this.#opts.pid,
        multi: this.#opts.multiLinks ?? true,
        note: (m) => this.#opts.onFallback?.(m),
        compile: (spec, points) => {
          const made = this.#context(probe, spec, undefined, points);
          if ('missing' in made) throw new Error(`internal: ${spec.text}: ${made.missing}`);
          probe.body(made.ctx);
          return this.#compile(spec, made.ctx, made.filters);
        },
        maps: (m: string) => this.#maps.get(m),
      });
    } catch (err) {
      // WildcardError says what and where in one line already.
      if (err instanceof AttachError && !(err instanceof WildcardError))
        throw new ProbeError(probe.spec.text, [{ spec: probe.spec.text, reason: stripKind(err.message) }]);
      throw err;
    }
    probe.used = probe.spec;
  }

  /** The program of a probe body already run on `ctx`, with the tracer's filters; creates the maps it uses. */
  #compile(spec: ProbeSpec, ctx: ProbeContext, filters: Cond[]) {
    // BEGIN and END run in this process, timers in no process: the pid and comm filters are for
    // traced events.
    const d = kindOf(spec.kind).descriptor;
    const unfiltered = d.runsOnce !== undefined || d.taskless === true;
    const instructions = timed(`program build ${formatProbeSpec(spec)}`, () =>
      compileProbe({
        actions: ctx.actions,
        filters: unfiltered ? filters : [...this.#filters(), ...filters],
        keyless: (m) => this.#uses.get(m)?.key.length === 0,
        inserts: (m) => (this.#capped(m) ? insertsRef(m) : undefined),
      }),
    );
    timed('maps create', () => this.#ensureMaps());
    return instructions;
  }

  /** Attaches every spec of `step`, or none of them: returns why not, or what it covers. */
  async #tryStep(probe: Probe<unknown>, step: FallbackStep): Promise<string | { covers?: string }> {
    const standIn = step.standIn;
    const kept: SyscallRoute[] = [];
    const left: string[] = [];
    for (const [i, spec] of step.specs.entries()) {
      const route = standIn?.routes[i];
      const outcome = await this.#try(
        probe,
        spec,
        standIn && route ? { fn: standIn.function, route } : undefined,
      );
      if (outcome === undefined) {
        if (route) kept.push(route);
        continue;
      }
      if (typeof outcome !== 'string') {
        left.push(`${route?.syscall} (it gives no ${outcome.missing})`);
        continue;
      }
      // All or nothing: a syscall that reaches the function but could not be attached would
      // make the rest cover less than asked, silently.
      for (const a of probe.attachments.splice(probe.attachments.length - kept.length)) {
        a.link?.close();
        a.program.close();
      }
      probe.attached.splice(probe.attached.length - kept.length);
      return step.specs.length > 1 ? `${spec.event}: ${outcome}` : outcome;
    }
    if (!standIn) return {};
    if (kept.length === 0) return `no syscall gives ${standIn.function}'s arguments: ${left.join(', ')}`;
    return { covers: standInCoverage(step, kept, left) };
  }

  /**
   * Attaches `probe` as `spec` (a syscall tracepoint standing in for a function with `standIn`);
   * returns why not, the argument a stand-in lacks, or undefined on success.
   */
  async #try(
    probe: Probe<unknown>,
    spec: ProbeSpec,
    standIn?: { fn: string; route: SyscallRoute },
  ): Promise<string | { missing: string } | undefined> {
    const unavailable = await precheck(spec);
    if (unavailable) return stripKind(unavailable);
    // Set up for every kind, parsed on first use: a tracepoint body may still follow a pointer
    // into kernel types (`.as('struct file')`, `p.task()`).
    this.#btf ??= await kernelBtfLoader(this.#opts.btf);
    let ctx: ProbeContext;
    let filters: Cond[];
    try {
      const made = this.#context(probe, spec, standIn);
      if ('missing' in made) return made;
      ctx = made.ctx;
      filters = made.filters;
      probe.body(ctx);
    } catch (err) {
      if (err instanceof TypeError || err instanceof RangeError || err instanceof TracepointNotFoundError) {
        if (spec === probe.spec) throw err; // a mistake in the probe as written
        return `the probe does not fit it: ${err.message}`;
      }
      if (err instanceof AttachError) return stripKind(err.message);
      throw err;
    }
    const instructions = this.#compile(spec, ctx, filters);
    const name = `${spec.kind}_${spec.target}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
    try {
      const { program, link } = await timedAsync(`attach ${formatProbeSpec(spec)}`, () =>
        loadAndAttach(spec, {
          instructions,
          maps: (m: string) => this.#maps.get(m),
          name,
          pid: this.#opts.pid,
        }),
      );
      probe.attachments.push({ program, link });
      probe.attached.push(spec);
      return undefined;
    } catch (err) {
      if (err instanceof VerifierError) throw err;
      if (err instanceof AttachError) return stripKind(err.message);
      if (
        err instanceof BpfError &&
        (err.errno === Errno.EPERM ||
          err.errno === Errno.EINVAL ||
          err.errno === Errno.ENOTSUPP ||
          err.errno === 524)
      )
        return err.message;
      throw err;
    }
  }

  #context(
    probe: Probe<unknown>,
    spec: ProbeSpec,
    standIn?: { fn: string; route: SyscallRoute },
    points?: ProbePoints,
  ): { ctx: ProbeContext; filters: Cond[] } | { missing: string } {
    const kind = kindOf(spec.kind);
    const format = kind.format(spec);
    const sites = kind.siteArgs(spec);
    let args = probeArgs({ kind: spec.kind, target: spec.target, btf: this.#kernelBtf, format, sites });
    const filters: Cond[] = [];
    if (
      standIn &&
      !standIn.route.exact &&
      findBtfTarget(lookupIn(this.#kernelBtf()), 'func', standIn.fn) !== undefined
    ) {
      const mapped = standInArgs(this.#kernelBtf(), standIn.fn, args, standIn.route);
      if ('missing' in mapped) return mapped;
      const when = standIn.route.when;
      if (when && args.args.some((a) => a.name === when.field)) filters.push(routeFilter(when, mapped.field));
      args = mapped.args;
    }
    const user = kind.descriptor.userMemory?.(spec) ?? false;
    const host = {
      newSite: (fields: EmitSite['fields']) => {
        const site: EmitSite = { id: this.#sites.length, fields };
        site.layout = recordLayout(fields.map((f) => ({ name: f.name, type: f.value.type as never })));
        this.#sites.push({ site, decode: recordDecoder(site.layout), probe });
        return site;
      },
      useMap: (use: MapUse, where: string) => this.#useMap(use, where),
    };
    return {
      ctx: new ProbeContext(spec.kind, spec.target, args, this.#kernelBtf, host, user, points),
      filters,
    };
  }

  #useMap(use: MapUse, where: string): void {
    const known = this.#uses.get(use.name);
    if (!known) {
      this.#uses.set(use.name, use);
      return;
    }
    const same =
      known.kind === use.kind &&
      known.key.length === use.key.length &&
      known.key.every((k, i) => JSON.stringify(k) === JSON.stringify(use.key[i]));
    if (!same)
      throw new TypeError(
        `${where}: map '${use.name}' is already a ${known.kind} keyed by [${known.keyNames.join(', ')}]; use another name`,
      );
  }

  /** Creates the maps the probes compiled so far use. */
  #ensureMaps(): void {
    const create = (ref: string, make: () => BpfMap<unknown, unknown>) => {
      if (!this.#maps.has(ref)) this.#maps.set(ref, make());
    };
    if (this.#sites.length > 0) {
      create(
        RINGBUF_REF,
        () =>
          BpfMap.create({
            type: 'ringbuf',
            maxEntries: this.#opts.ringbufBytes ?? DEFAULT_RINGBUF,
            name: 'events',
          }) as BpfMap<unknown, unknown>,
      );
      create(
        LOST_REF,
        () =>
          Aggregation.createMap(
            { name: 'lost', kind: 'count', key: [], keyNames: [] },
            1,
          ) as unknown as BpfMap<unknown, unknown>,
      );
    }
    for (const use of this.#uses.values()) {
      const capped = this.#capped(use.name);
      create(mapRef(use.name), () =>
        capped
          ? Aggregation.createMap(use, cappedEntries(use, this.#opts.labelSets as number), true)
          : Aggregation.createMap(use, this.#opts.maxEntries ?? 10240),
      );
      if (capped)
        create(insertsRef(use.name), () =>
          Aggregation.createMap({ name: `ins_${use.name}`, kind: 'count', key: [], keyNames: [] }, 1),
        );
    }
    if (this.#uses.size > 0)
      create(
        DROPPED_REF,
        () =>
          Aggregation.createMap(
            { name: 'dropped', kind: 'count', key: [], keyNames: [] },
            1,
          ) as unknown as BpfMap<unknown, unknown>,
      );
  }

  /** Whether map `name` is an LRU hash under `labelSets`. */
  #capped(name: string): boolean {
    const use = this.#uses.get(name);
    return (
      this.#opts.labelSets !== undefined &&
      use !== undefined &&
      use.key.length > 0 &&
      use.kind !== 'store' &&
      use.kind !== 'stacks'
    );
  }

  #openReader(): void {
    const ring = this.#maps.get(RINGBUF_REF);
    if (!ring) return;
    const sites = this.#sites;
    let bytes: Uint8Array = new Uint8Array(0);
    // Decoding dispatches: each record goes to its probe's listeners. The result says whether
    // to go on (a listener returned false: stop this drain).
    const codec = {
      decode: (view: DataView, offset: number): boolean => {
        if (bytes.buffer !== view.buffer) bytes = new Uint8Array(view.buffer);
        const s = sites[view.getUint32(offset, true)];
        if (!s) return true;
        const record = s.decode(view, bytes, offset);
        let go = true;
        for (const l of s.probe.listeners) if (l(record) === false) go = false;
        return go;
      },
    };
    if (timingEnabled()) {
      // The first record marks the end of start-up; the wrapper exists only while timing.
      const decode = codec.decode;
      codec.decode = (view, offset) => {
        codec.decode = decode;
        timingMark('first event');
        return decode(view, offset);
      };
    }
    this.#reader = timed('ring buffer mmap', () =>
      RingBufReader.open(ring as unknown as { fd: number; maxEntries: number }, { decode: codec }),
    );
  }

  /**
   * Runs the BEGIN (or END) probes once each, in this process, as bpftrace does; END only once,
   * however the tracer ends. BEGIN's records are delivered with the first drain.
   */
  #runOnce(when: 'start' | 'end'): void {
    if (when === 'end') {
      if (this.#endDone) return;
      this.#endDone = true;
    }
    for (const p of this.#probes) {
      if (runsOnce(p) !== when) continue;
      // raw_tracepoint test runs take the arguments array as the context; these have none.
      for (const a of p.attachments) a.program.testRun({ ctx: Buffer.alloc(8), ctxSizeOut: 0 });
    }
  }

  /**
   * Runs the END probes (once) and delivers their records and whatever else is waiting. `run()`
   * does this when it ends; call it yourself when you drive the tracer with `drain()`.
   */
  end(): number {
    if (!this.#attached || this.#closed) return 0;
    this.#runOnce('end');
    return this.drain();
  }

  /** Delivers the records waiting now (up to `max`) to the probes' listeners; returns how many. */
  drain(max?: number): number {
    return this.#reader?.drain(proceed, max) ?? 0;
  }

  /**
   * Delivers records as they arrive until `signal` aborts, `durationMs` passes, or (unless
   * `stopOnSignals` is false) the process gets SIGINT or SIGTERM — Ctrl-C ends the run and the
   * code after it (printing aggregations, say) runs — then drains what arrived before the end.
   * Keeps the process alive meanwhile, also when no probe emits (aggregations only).
   */
  async run(opts: TraceRunOptions = {}): Promise<void> {
    if (!this.#started) await this.start();
    if (this.#closed) return;
    const ended = new AbortController();
    const end = () => ended.abort();
    const timer = opts.durationMs !== undefined ? setTimeout(end, opts.durationMs) : undefined;
    const signals = opts.stopOnSignals === false ? [] : STOP_SIGNALS;
    for (const s of signals) process.once(s, end);
    if (opts.signal?.aborted) end();
    opts.signal?.addEventListener('abort', end, { once: true });
    this.#onClose.add(end);
    const release = this.#acquire();
    try {
      if (!ended.signal.aborted)
        await new Promise<void>((resolve) =>
          ended.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
    } finally {
      clearTimeout(timer);
      for (const s of signals) process.off(s, end);
      opts.signal?.removeEventListener('abort', end);
      this.#onClose.delete(end);
      release();
    }
    // Everything committed before the end (not what comes after: a stream that never pauses
    // cannot hold us here; stop() or the next run() delivers that).
    if (!this.#closed) {
      this.#reader?.drainAvailable(proceed);
      this.#reportLost();
    }
    if (this.#probes.some((p) => runsOnce(p) === 'end')) this.end();
  }

  /**
   * Starts delivering records to the probes' listeners as they arrive (for run() and probe
   * iterators), holding the process open; the returned function lets go, and delivery stops
   * when nobody holds it.
   */
  #acquire(): () => void {
    if (this.#consumers++ === 0) {
      this.#flow = new AbortController();
      // A referenced timer, unlike AbortSignal.timeout(): it holds the event loop open.
      this.#keepAlive = setInterval(() => {}, 2 ** 30);
      this.#reader?.subscribe(proceed, {
        signal: this.#flow.signal,
        batch: BATCH,
        onBatch: this.#opts.onLost && (() => this.#reportLost()),
      });
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (--this.#consumers > 0) return;
      this.#flow?.abort();
      clearInterval(this.#keepAlive);
    };
  }

  /** What a probe's async iterator needs of its tracer. @internal */
  #feed(): ProbeFeed {
    return {
      start: async () => {
        if (!this.#started) await this.start();
        return !this.#closed;
      },
      acquire: () => this.#acquire(),
      onClose: (f) => {
        this.#onClose.add(f);
        return () => this.#onClose.delete(f);
      },
    };
  }

  /**
   * Detaches every probe, then delivers every record still in the ring (also those a probe
   * was writing as it was detached): after it, delivered + lost() is every emit the probes
   * made. Aggregations stay readable until close(). Safe to call more than once.
   */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const p of this.#probes) for (const a of p.attachments) a.link?.close();
    if (this.#reader && !this.#reader.closed) this.#reader.settle(proceed);
    this.#reportLost();
  }

  #reportLost(): void {
    const onLost = this.#opts.onLost;
    if (!onLost) return;
    const lost = this.lost();
    if (lost === this.#lostSeen) return;
    const delta = lost - this.#lostSeen;
    this.#lostSeen = lost;
    onLost(delta);
  }

  /** Records dropped because the ring buffer was full, counted by the probes in the kernel. */
  lost(): number {
    return this.lostPerCpu().reduce((a, b) => a + b, 0);
  }

  /** lost(), per possible CPU (index = CPU number): the CPU the probe ran on when it dropped. */
  lostPerCpu(): number[] {
    return this.#perCpu(LOST_REF);
  }

  /**
   * Map updates the kernel refused because a keyed map was full (`maxEntries`): counts, sums,
   * histogram samples or stored values that are missing from the aggregations.
   */
  dropped(): number {
    return this.#perCpu(DROPPED_REF).reduce((a, b) => a + b, 0);
  }

  #perCpu(ref: string): number[] {
    const m = this.#maps.get(ref) as unknown as BpfMap<number, bigint[]> | undefined;
    if (!m) return [];
    return ((m.get(0) as bigint[] | undefined) ?? []).map(Number);
  }

  /**
   * The contents of a count/sum/hist/lhist/store map, decoded; `K` is its key's type (a probe's
   * `aggregation(name)` knows it from the body).
   */
  aggregation<K = unknown>(name: string): Aggregation<K> {
    if (!this.#started)
      throw new Error(
        `aggregation('${name}'): call start() first: the maps are made when the probes compile`,
      );
    const use = this.#uses.get(name);
    const map = this.#maps.get(mapRef(name));
    if (!use || !map) {
      const names = [...this.#uses.keys()];
      throw new Error(
        `no map named '${name}'${didYouMean(name, names) || ` (maps: ${names.join(', ') || 'none'})`}`,
      );
    }
    return new Aggregation<K>(use, map, this.#maps.get(insertsRef(name)));
  }

  get aggregations(): string[] {
    return [...this.#uses.values()]
      .filter((u) => u.kind !== 'store' && u.kind !== 'stacks')
      .map((u) => u.name);
  }

  /**
   * Registers the count/sum/hist/lhist maps with a prom-client Registry (the user's own): each
   * scrape reads them from the kernel. Call after start(). Returns the metric names.
   */
  metrics(registry: PromRegistryLike, opts?: TracerMetricsOptions): string[] {
    return registerPromClient(this, registry, opts);
  }

  /** The frames of a stack id from `p.stack()`, innermost first, as `function+0xoffset`. */
  stack(id: number): string[] {
    return this.aggregation(STACKS_MAP)
      .frames(id)
      .map((ip) => symbolize(ip));
  }

  /**
   * The user-stack symbolizer (made on first use). Call `tracer.symbolizer.forPid(pid)` when an
   * event of a new pid arrives to capture its maps while the process still runs.
   */
  get symbolizer(): UserSymbolizer {
    this.#symbolizer ??= new (this.#symbolsModule().UserSymbolizer)();
    return this.#symbolizer;
  }

  #symbolsModule(): typeof import('../symbols/user-symbolizer.js') {
    if (this.#symbols) return this.#symbols;
    throw new Error(
      'no probe of this tracer records a stack (p.ustack(), p.kstack() or p.stack()); the symbolizer is loaded by start() for those that do',
    );
  }

  /**
   * The frames of a stack id, innermost first: a user stack (`p.ustack()`) of process `pid`, or
   * with no pid a kernel stack (`p.kstack()`).
   */
  frames(id: number, opts: { pid?: number } = {}): Frame[] {
    const ips = this.aggregation(STACKS_MAP).frames(id);
    return opts.pid === undefined
      ? this.#symbolsModule().kernelFrames(ips)
      : this.symbolizer.symbolize(opts.pid, ips);
  }

  /** A user stack of `pid` as text, innermost first: `function+0x1a`, or `module+0xoffset`. */
  ustack(pid: number, id: number): string[] {
    return this.frames(id, { pid }).map(frameText);
  }

  /** A kernel stack as text, innermost first (as stack()). */
  kstack(id: number): string[] {
    return this.frames(id).map(frameText);
  }

  /**
   * stop() (detach, deliver what is left), then frees every program and map. Safe to call more
   * than once.
   */
  close(): void {
    if (this.#closed) return;
    // END probes run before anything is freed, and their records are delivered, not dropped.
    if (
      this.#attached &&
      !this.#endDone &&
      this.#probes.some((p) => runsOnce(p) === 'end' && p.attachments.length > 0)
    )
      try {
        this.end();
      } catch {
        // A failing END run must not keep the rest from being freed.
      }
    this.#closed = true;
    for (const f of [...this.#onClose]) f();
    this.#flow?.abort();
    clearInterval(this.#keepAlive);
    try {
      if (this.#started) this.stop();
    } finally {
      this.#reader?.close();
      for (const p of this.#probes)
        for (const a of p.attachments) {
          a.link?.close();
          a.program.close();
        }
      for (const m of this.#maps.values()) m.close();
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** A histogram holds an entry per label set and bucket: log2 has 66 (negative, 0, 1..64), lhist n + 2. */
function cappedEntries(use: MapUse, labelSets: number): number {
  if (use.kind === 'hist') return labelSets * 66;
  if (use.kind === 'lhist' && use.linear) {
    const { min, max, step } = use.linear;
    return labelSets * (Math.ceil((max - min) / step) + 2);
  }
  return labelSets;
}

/** The keyless counter of keys inserted into capped map `name`. */
const insertsRef = (name: string): string => `inserts:${name}`;

/** `kprobe:do_unlinkat`, or `tracepoint:syscalls:sys_enter_{unlink,unlinkat}` for a stand-in step. */
function stepText(step: FallbackStep): string {
  const [first] = step.specs;
  if (step.specs.length === 1 && first) return formatProbeSpec(first);
  return `tracepoint:syscalls:${step.specs.map((s) => s.event).join(',')}`;
}

/** What syscall tracepoints standing in for a function see, in one clause. */
function standInCoverage(step: FallbackStep, kept: SyscallRoute[], left: string[]): string {
  const fn = step.standIn?.function as string;
  const exit = step.specs[0]?.event?.startsWith('sys_exit_') ?? false;
  if (kept.length === 1 && kept[0]?.exact) return `${formatProbeSpec(step.specs[0] as ProbeSpec)} instead`;
  const which = exit
    ? kept
        .map((r) =>
          r.when ? `${r.syscall} (all of its calls: an exit record has no ${r.when.field})` : r.syscall,
        )
        .join(', ')
    : describeRoutes(kept);
  const not = left.length > 0 ? `; not ${left.join(', ')}` : '';
  return `the sys_${exit ? 'exit' : 'enter'} tracepoints of ${which} instead, which see every such call, also one that fails before reaching ${fn}${not}`;
}

/** When a probe's kind runs it once (BEGIN, END) instead of attaching it. */
const runsOnce = (p: Probe<unknown>): 'start' | 'end' | undefined => kindOf(p.spec.kind).descriptor.runsOnce;

const KIND_PREFIX = new RegExp(`^(${PREFIXED_KINDS.map((k) => k.name).join('|')})\\b[^:]*:\\s*`);

/** `kprobe 'x': reason` → `reason`: the attempt list names the kind already. */
function stripKind(message: string): string {
  return message.replace(KIND_PREFIX, '');
}
