// The Tracer's options, the options of its run loop, and the error it gives when a probe cannot be
// attached by any mechanism (what was tried, and what would work here instead).
import type { Btf } from '../../btf/parse.js';
import type { ProbeSpec } from './spec.js';

export interface TracerOptions {
  /** Only events of this process (and, for uprobes, attach to it alone). */
  pid?: number;
  /** Only events of tasks with this command name. */
  comm?: string;
  /** Ring buffer size in bytes (a power of two; default 8 MiB). */
  ringbufBytes?: number;
  /** Entries of keyed maps (default 10240). */
  maxEntries?: number;
  /**
   * A cap for a long-running exporter: keyed count/sum/hist/lhist maps become LRU hashes of this
   * many keys (a histogram's map: this many keys times its buckets), so a new key evicts the least
   * recently updated one instead of being dropped; `aggregation(name).insertions()` counts keys
   * inserted, from which evictions follow. Other maps keep `maxEntries`.
   */
  labelSets?: number;
  /**
   * The most probe points one wildcard spec (`kprobe:vfs_*`) may name (default 1000): a pattern
   * matching more fails with a message asking for a higher limit.
   */
  maxProbes?: number;
  /**
   * Attach a wildcard's points through one kprobe_multi/uprobe_multi link where the kernel has
   * them (default true); false attaches one link per point (what older kernels do).
   */
  multiLinks?: boolean;
  /** Try the next mechanism when one is missing (default true). */
  fallback?: boolean;
  /** Told when a probe falls back, or a wildcard leaves points out, with a one-line reason. */
  onFallback?: (message: string) => void;
  /** Kernel BTF (default /sys/kernel/btf/vmlinux). */
  btf?: Btf;
  /**
   * Told when the kernel dropped records (the ring was full), with how many since the last
   * report: between the deliveries where it was seen, so a listener can mark the gap in its output.
   */
  onLost?: (lost: number) => void;
}

/** Why a probe could not be attached with any mechanism. */
export class ProbeError extends Error {
  override name = 'ProbeError';
  constructor(
    readonly spec: string,
    readonly attempts: { spec: string; reason: string }[],
    /** Probe points that would work here instead, nearest first (maybe none). */
    readonly suggestions: ProbeSpec[] = [],
    /** The suggestions are names near one this kernel does not have. */
    readonly typo = false,
  ) {
    const tried = `${spec}: cannot attach: ${attempts.map((a) => `${a.spec}: ${a.reason}`).join('; ')}`;
    const texts = suggestions.map((s) => s.text);
    super(
      suggestions.length === 0
        ? tried
        : typo
          ? `${tried}; did you mean ${texts.join(' or ')}?`
          : `${tried}; these work here: ${texts.join(' ')}`,
    );
    this.tried = tried;
  }
  /** The message without its suggestions. */
  readonly tried: string;
}

export interface TraceRunOptions {
  /** Ends the run. */
  signal?: AbortSignal;
  /** Ends the run after this many milliseconds. */
  durationMs?: number;
  /** End the run on SIGINT and SIGTERM (default true): Ctrl-C returns from run(). */
  stopOnSignals?: boolean;
}
