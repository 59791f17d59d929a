// What `tsbpf profile` and `tsbpf offcpu` share: their options (process, cgroup, duration, which
// stacks, output format and file), the run's end (duration, Ctrl-C, the process's exit) and
// writing the result.
import { writeFileSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import type { ProfileFormat, ProfileResult } from '../profile/result.js';
import type { ProfileRunOptions } from '../profile/run.js';
import { processAlive } from '../sys/process.js';
import { positiveInteger, positiveNumber, runSignal } from './probe-common.js';
import { UsageError } from './usage.js';

export const PROFILE_OPTIONS = {
  pid: { type: 'string', short: 'p' },
  cgroup: { type: 'string' },
  duration: { type: 'string', short: 'd' },
  format: { type: 'string', short: 'f' },
  output: { type: 'string', short: 'o' },
  kernel: { type: 'boolean' },
  user: { type: 'boolean' },
  'max-stacks': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const PROFILE_HELP = `  -p, --pid PID         only this process (all its threads); stops when it exits
      --cgroup PATH     only tasks in this cgroup v2 directory
  -d, --duration SEC    stop after SEC seconds (default: until Ctrl-C)
  -f, --format FORMAT   folded (default: flamegraph.pl's input), speedscope (JSON for
                        speedscope.app) or svg (a flame graph: click to zoom, Search)
  -o, --output FILE     write to FILE instead of stdout
      --kernel          kernel stacks only
      --user            user stacks only
      --max-stacks N    distinct stacks the kernel keeps (default 16384)
  -h, --help            show this help`;

export interface ProfileValues {
  pid?: string;
  cgroup?: string;
  duration?: string;
  format?: string;
  output?: string;
  kernel?: boolean;
  user?: boolean;
  'max-stacks'?: string;
}

/** The run options the shared flags give, and the output format. */
export function profileRun(v: ProfileValues): { run: ProfileRunOptions; format: ProfileFormat } {
  const format = (v.format ?? 'folded') as ProfileFormat;
  if (!['folded', 'speedscope', 'svg'].includes(format))
    throw new UsageError(`--format: '${v.format}' is not folded, speedscope or svg`);
  const pid = positiveInteger('pid', v.pid);
  if (pid !== undefined && !processAlive(pid)) throw new Error(`--pid: no process ${pid}`);
  if (v.kernel && v.user) throw new UsageError('--kernel and --user: give one (both is the default)');
  const run: ProfileRunOptions = {
    pid,
    cgroup: v.cgroup,
    maxStacks: positiveInteger('max-stacks', v['max-stacks']),
    kernel: !v.user,
    user: !v.kernel,
    stopOnSignals: false,
  };
  return { run, format };
}

/** Runs `collect` until --duration, Ctrl-C or the --pid's exit, then writes its output. */
export async function runProfileCommand(
  command: string,
  v: ProfileValues,
  format: ProfileFormat,
  pid: number | undefined,
  collect: (end: { signal: AbortSignal; started(): void }) => Promise<ProfileResult>,
): Promise<number> {
  const duration = positiveNumber('duration', v.duration);
  const end = runSignal(duration, pid);
  let result: ProfileResult;
  try {
    result = await collect({
      signal: end.signal,
      started: () => {
        end.started();
        process.stderr.write(
          `tsbpf ${command}: ${pid !== undefined ? `process ${pid}` : 'every process'}${duration ? ` for ${duration} s` : ''}; Ctrl-C to end\n`,
        );
      },
    });
  } finally {
    end.dispose();
  }
  const text = result.format(format);
  if (v.output !== undefined) writeFileSync(v.output, text);
  else process.stdout.write(text);
  const what = result.unit === 'samples' ? 'samples' : 'µs off-CPU';
  const notes = [
    result.lostStacks > 0
      ? `${result.lostStacks} with a stack lost to stack map collisions (raise --max-stacks)`
      : '',
    result.dropped > 0
      ? `${result.dropped} events not counted: the count map was full (raise --max-stacks)`
      : '',
  ].filter(Boolean);
  process.stderr.write(
    `tsbpf ${command}: ${result.total} ${what} in ${result.samples.length} stacks over ${(result.durationMs / 1000).toFixed(1)} s${v.output ? `, written to ${v.output}` : ''}${notes.length ? `; ${notes.join('; ')}` : ''}\n`,
  );
  return 0;
}
