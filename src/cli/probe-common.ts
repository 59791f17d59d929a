// What tsbpf trace, count and hist share: the common options, turning a run's end (a duration,
// Ctrl-C, SIGTERM, an event limit) into one AbortSignal, and a one-line failure.
import type { ParseArgsConfig } from 'node:util';
import type { ProbeSpec } from '../probes/spec.js';
import { processAlive } from '../sys/process.js';
import { stdoutClosed } from './stdout.js';
import { writeStderr } from './sync-out.js';
import { UsageError } from './usage.js';

export const COMMON_OPTIONS = {
  pid: { type: 'string', short: 'p' },
  comm: { type: 'string', short: 'c' },
  duration: { type: 'string', short: 'd' },
  json: { type: 'boolean' },
  'no-fallback': { type: 'boolean' },
  max: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const COMMON_HELP = `  -p, --pid PID        only this process; stops when it exits
  -c, --comm NAME      only tasks with this command name
  -d, --duration SEC   stop after SEC seconds (default: until Ctrl-C)
      --json           machine-readable output (one JSON object per line)
      --no-fallback    fail instead of trying fentry/tracepoints when kprobes are missing
      --max N          a wildcard probe (kprobe:vfs_*) may name up to N points (default 1000)
  -h, --help           show this help`;

export interface CommonValues {
  pid?: string;
  comm?: string;
  duration?: string;
  json?: boolean;
  'no-fallback'?: boolean;
  max?: string;
}

export function positiveNumber(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name}: '${text}' is not a positive number`);
  return n;
}

/** A count (events, rows): a positive whole number. */
export function positiveInteger(name: string, text: string | undefined): number | undefined {
  const n = positiveNumber(name, text);
  if (n !== undefined && !Number.isSafeInteger(n))
    throw new UsageError(`--${name}: '${text}' is not a positive integer`);
  return n;
}

/** Tracer options from the common flags. */
export function tracerOptions(v: CommonValues, command: string) {
  const pid = positiveNumber('pid', v.pid);
  if (pid !== undefined && !Number.isInteger(pid))
    throw new UsageError(`--pid: '${v.pid}' is not a process id`);
  if (pid !== undefined && !processAlive(pid)) throw new Error(`--pid: no process ${pid}`);
  if (v.comm !== undefined && (v.comm.length === 0 || Buffer.byteLength(v.comm) > 15))
    throw new UsageError(`--comm: '${v.comm}' is not a command name (1 to 15 bytes)`);
  return {
    pid,
    comm: v.comm,
    fallback: !v['no-fallback'],
    maxProbes: positiveInteger('max', v.max),
    onFallback: (message: string) => writeStderr(`tsbpf ${command}: ${message}\n`),
  };
}

/**
 * Aborts on SIGINT/SIGTERM, when stdout's reader goes away, when `stop()` is called, or `--duration` after `started()`: the
 * duration counts from the moment the probes are attached, not from process start (loading
 * BTF and programs can take seconds on a slow machine).
 */
export function runSignal(
  durationSec: number | undefined,
  pid?: number,
): {
  signal: AbortSignal;
  started(): void;
  stop(): void;
  dispose(): void;
} {
  const ctl = new AbortController();
  const stop = () => ctl.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A reader that went away (`| head`) ends the run instead of leaving it running.
  stdoutClosed.addEventListener('abort', stop, { once: true });
  if (stdoutClosed.aborted) stop(); // gone already: an abort listener added now would never run
  let timer: NodeJS.Timeout | undefined;
  let watch: NodeJS.Timeout | undefined;
  return {
    signal: ctl.signal,
    started() {
      if (durationSec !== undefined && timer === undefined) timer = setTimeout(stop, durationSec * 1000);
      // As bpftrace -p: the trace of one process ends with it.
      if (pid !== undefined && watch === undefined)
        watch = setInterval(() => {
          if (!processAlive(pid)) stop();
        }, 200);
    },
    stop,
    dispose() {
      if (timer) clearTimeout(timer);
      if (watch) clearInterval(watch);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      stdoutClosed.removeEventListener('abort', stop);
    },
  };
}

/** The arguments of a command with probe point `spec` replaced by `specs` (null: not possible). */
export type CommandRewrite = (specs: ProbeSpec[], spec: string) => string[] | undefined;

/** For trace and count: the failing probe's text replaced by the suggested probe points. */
export const replaceSpec =
  (argv: string[]): CommandRewrite =>
  (specs, spec) => {
    const at = argv.indexOf(spec);
    return at < 0 ? undefined : [...argv.slice(0, at), ...specs.map((s) => s.text), ...argv.slice(at + 1)];
  };

const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/**
 * Errors a user can act on become one line and exit 1; anything else is a bug and propagates.
 * A probe that attaches nowhere names what would work instead, as a command (`rewrite`).
 */
export async function explainProbeFailure(
  err: unknown,
  command: string,
  rewrite?: CommandRewrite,
): Promise<number> {
  const { ProbeError } = await import('../probes/tracer.js');
  const { ProbeSpecError } = await import('../probes/spec.js');
  const { VerifierError } = await import('../verifier.js');
  const { BpfError } = await import('../sys/errno.js');
  if (err instanceof ProbeError && err.suggestions.length > 0 && rewrite) {
    // A typo has alternatives (one command, the others named); a fallback has a set to use together.
    const [first, ...others] = err.suggestions;
    const args = rewrite(err.typo ? [first as ProbeSpec] : err.suggestions, err.spec);
    if (args) {
      const run = ['tsbpf', command, ...args].map(shellWord).join(' ');
      const tail = err.typo && others.length > 0 ? ` (or ${others.map((s) => s.text).join(', ')})` : '';
      const lead = err.typo ? 'did you mean' : 'these work here';
      process.stderr.write(`tsbpf ${command}: ${err.tried}; ${lead}: ${run}${tail}\n`);
      return 1;
    }
  }
  if (
    err instanceof ProbeError ||
    err instanceof ProbeSpecError ||
    err instanceof BpfError ||
    err instanceof TypeError
  ) {
    process.stderr.write(`tsbpf ${command}: ${(err as Error).message}\n`);
    return 1;
  }
  if (err instanceof VerifierError) {
    process.stderr.write(`tsbpf ${command}: the kernel's verifier rejected the probe:\n${err.message}\n`);
    return 1;
  }
  throw err;
}
