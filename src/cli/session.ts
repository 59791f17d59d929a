// The run of tsbpf trace, count and hist, written once: attach the probes, run until --duration,
// Ctrl-C, the --pid's exit or the reader's end, print at each --interval and once at the end, and
// say what the kernel could not keep. The final figures are read after the probes are detached
// and the ring drained, so nothing counted in the kernel is left out of them.

import type { MetricFamily } from '../metrics/family.js';
import type { Tracer, TracerOptions } from '../probes/tracer.js';
import { timedAsync } from '../timing.js';
import { saveCodeCache } from './code-cache.js';
import { type RunningMetrics, serveMetrics } from './metrics-option.js';
import {
  type CommandRewrite,
  type CommonValues,
  explainProbeFailure,
  positiveNumber,
  replaceSpec,
  runSignal,
  tracerOptions,
} from './probe-common.js';
import { writeStderr } from './sync-out.js';

export interface SessionPlan {
  command: 'trace' | 'count' | 'hist';
  /** The options all three take: --pid, --comm, --duration, --no-fallback. */
  values: CommonValues;
  /** The command's arguments, for the command line a failed probe suggests instead. */
  argv: string[];
  /** Tracer options beyond the common ones (trace: its ring's size, lost records). */
  tracer?: TracerOptions;
  /** --interval: report(false) every this many seconds. */
  interval?: number;
  /** Declares the probes; `stop` ends the run early (an event limit, a reader gone). */
  probes(tracer: Tracer, stop: () => void): void;
  /**
   * Once attached: checks that need the attached probes (a throw fails the run), then what the
   * run does, said on stderr (`counting 2 probes by comm`).
   */
  attached(tracer: Tracer): string;
  /** --metrics HOST:PORT: these figures are also served while the run lasts. */
  metrics?: { address: string; families(tracer: Tracer): MetricFamily[] };
  /** The output at each interval and, with `final`, at the end. */
  report(tracer: Tracer, final: boolean): void;
  /** Writes output still held back; also before the line saying why a run failed. */
  flush?(): void;
  /** A probe that attaches nowhere: the command line that would work instead (default: the
   * arguments with the failing probe replaced by the suggested ones). */
  rewrite?: CommandRewrite;
}

export async function runSession(plan: SessionPlan): Promise<number> {
  const { command } = plan;
  const duration = positiveNumber('duration', plan.values.duration);
  const options = { ...tracerOptions(plan.values, command), ...plan.tracer };
  const { Tracer } = await timedAsync('probe modules', () => import('../probes/tracer.js'));
  const tracer = new Tracer(options);
  // --duration counts from the moment the probes are attached, not from the start of the process.
  const end = runSignal(duration, options.pid);
  let timer: NodeJS.Timeout | undefined;
  let metrics: RunningMetrics | undefined;
  try {
    plan.probes(tracer, end.stop);
    await tracer.start();
    const doing = plan.attached(tracer);
    end.started();
    const served = plan.metrics;
    // Listening before the line below: whoever waits for it may scrape at once.
    if (served) metrics = await serveMetrics(served.address, command, () => served.families(tracer));
    const lasting = duration ? ` for ${duration}s` : '';
    writeStderr(`tsbpf ${command}: ${doing}${lasting}; Ctrl-C to end\n`);
    // A first run keeps the code start-up compiled now, not only if it ends well: a trace is
    // often ended by a signal (Ctrl-C, timeout, kill).
    saveCodeCache();
    if (plan.interval) timer = setInterval(() => plan.report(tracer, false), plan.interval * 1000);
    await tracer.run({ signal: end.signal });
    clearInterval(timer);
    tracer.stop(); // detached, and every record left in the ring read: the figures are final
    const dropped = tracer.dropped();
    if (dropped)
      process.stderr.write(`tsbpf ${command}: ${dropped} updates missing: a map was full (10240 keys)\n`);
    plan.flush?.();
    plan.report(tracer, true);
    return 0;
  } catch (err) {
    plan.flush?.();
    return explainProbeFailure(err, command, plan.rewrite ?? replaceSpec(plan.argv));
  } finally {
    clearInterval(timer);
    await metrics?.close();
    end.dispose();
    tracer.close();
  }
}

/** The wall-clock time over each interval's output: HH:MM:SS. */
export function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}
