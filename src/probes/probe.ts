// One probe of a tracer: its spec, its body, what was really attached (after fallbacks), and the
// listeners of its records (`on()`, or `for await`). The tracer creates probes; this file is
// what a caller holds.
import type { Link } from '../link/link.js';
import type { Program } from '../program.js';
import type { Aggregation } from './aggregation.js';
import type { Emit, NoMaps, ProbeContext } from './context.js';
import { formatProbeSpec, type ProbeSpec } from './spec.js';
import type { WildcardOutcome } from './wildcard.js';

/** The signals that end run() calls and probe iterators. */
export const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** @internal what a probe's iterator needs of its tracer. */
export interface ProbeFeed {
  /** Starts the tracer if needed; false once it is closed. */
  start(): Promise<boolean>;
  acquire(): () => void;
  onClose(f: () => void): () => void;
}

/**
 * A probe body: returns its `emit()` (the record type listeners get), or the context a one-line
 * body's `count()`/`sum()`/`hist()` chain returns (the aggregations `probe.aggregation()` types),
 * or nothing.
 */
export type ProbeBody<E, M = NoMaps> = (
  p: ProbeContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a body that returns nothing is a plain `=> { … }`
) => Emit<E> | ProbeContext<M> | undefined | void;

/** One probe of a tracer; `on()` receives its records. */
export class Probe<E = Record<string, unknown>, M = NoMaps> {
  readonly spec: ProbeSpec;
  /** @internal */
  readonly body: ProbeBody<E, M>;
  /** @internal */
  readonly listeners: ((record: E) => unknown)[] = [];
  /** The spec really attached (differs after a fallback; the first of several tracepoints). */
  used: ProbeSpec | undefined;
  /** Every spec attached: several syscall tracepoints when they stand in for one function. */
  readonly attached: ProbeSpec[] = [];
  /** Attempts that failed before `used`, with their reasons. */
  readonly skipped: { spec: string; reason: string }[] = [];
  /** @internal the programs and links of `attached`. */
  readonly attachments: { program: Program; link: Link | undefined }[] = [];
  /** For a wildcard spec: how its points were attached (a multi link, cookies, a program each) and which. */
  wildcard: WildcardOutcome | undefined;

  readonly #feed: ProbeFeed;

  readonly #aggregation: (name: string) => Aggregation<unknown>;

  /** @internal */
  constructor(
    spec: ProbeSpec,
    body: ProbeBody<E, M>,
    feed: ProbeFeed,
    aggregation: (name: string) => Aggregation<unknown>,
  ) {
    this.spec = spec;
    this.body = body;
    this.#feed = feed;
    this.#aggregation = aggregation;
  }

  /**
   * The tracer's aggregation `name`, its keys typed as this probe's body declared them
   * (`(p) => p.count('opens', p.comm())`: keys are strings).
   */
  aggregation<const N extends string>(name: N): Aggregation<N extends keyof M ? M[N] : unknown> {
    return this.#aggregation(name) as Aggregation<N extends keyof M ? M[N] : unknown>;
  }

  /**
   * The probe's records as they arrive: `for await (const e of probe)`. Starts the tracer if
   * needed; ends when the loop breaks, the tracer closes, or on SIGINT/SIGTERM (as run()).
   */
  [Symbol.asyncIterator](): AsyncIterator<E, undefined> {
    const queue: E[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    let release: (() => void) | undefined;
    let unClose: (() => void) | undefined;
    const listener = (record: E) => {
      queue.push(record);
      wake?.();
    };
    const finish = () => {
      if (done) return;
      done = true;
      const at = this.listeners.indexOf(listener);
      if (at >= 0) this.listeners.splice(at, 1);
      for (const s of STOP_SIGNALS) process.off(s, finish);
      unClose?.();
      release?.();
      wake?.();
    };
    this.listeners.push(listener);
    const ready = this.#feed.start().then((open) => {
      if (!open || done) return finish();
      for (const s of STOP_SIGNALS) process.once(s, finish);
      unClose = this.#feed.onClose(finish);
      release = this.#feed.acquire();
    });
    return {
      next: async (): Promise<IteratorResult<E, undefined>> => {
        await ready.catch((err) => {
          finish();
          throw err;
        });
        while (queue.length === 0 && !done) await new Promise<void>((r) => (wake = r));
        if (queue.length > 0) return { value: queue.shift() as E, done: false };
        return { value: undefined, done: true };
      },
      return: async (): Promise<IteratorResult<E, undefined>> => {
        finish();
        return { value: undefined, done: true };
      },
    };
  }

  /**
   * Calls `listener` with each record this probe emits. Returning `false` ends the current
   * delivery batch (the rest wait for the next drain): for a listener that has seen enough.
   */
  on(listener: (record: E) => unknown): this {
    this.listeners.push(listener);
    return this;
  }

  /** What was attached, as text: `tracepoint:syscalls:sys_enter_{unlink,unlinkat}` for several. */
  get usedText(): string | undefined {
    const a = this.attached;
    if (a.length <= 1) return a[0] && formatProbeSpec(a[0]);
    const events = a.map((s) => s.event ?? s.target);
    const prefix = commonPrefix(events);
    return `tracepoint:${a[0]?.category}:${prefix}{${events.map((e) => e.slice(prefix.length)).join(',')}}`;
  }
}

function commonPrefix(names: string[]): string {
  let p = names[0] ?? '';
  for (const n of names) while (!n.startsWith(p)) p = p.slice(0, -1);
  return p.slice(0, p.lastIndexOf('_') + 1);
}
