// profile() and offCpu(): a Node program profiles a process (itself, say) on demand. Both count in
// the kernel — a hash map keyed by {pid, comm, kernel stack id, user stack id}, the stacks in a
// BPF_MAP_TYPE_STACK_TRACE map — so no per-sample record crosses to user space; at the end the
// keys are read once and joined into named stacks (join.ts).
//
//   const p = await profile({ pid: process.pid, hz: 99, durationMs: 5000 });
//   writeFileSync('cpu.svg', p.svg());
import { statSync } from 'node:fs';
import type { Condition } from '../compiler/value.js';
import type { ProbeContext } from '../probes/context.js';
import { Tracer } from '../probes/tracer.js';
import { joinStacks, type StackHalves, stackKeys, type UserFrameNamer } from './join.js';
import { ProfileResult } from './result.js';
import { defaultUserFrames } from './user-frames.js';

export interface ProfileRunOptions extends StackHalves {
  /** Only this process (all its threads). Default: every process but the idle tasks. */
  pid?: number;
  /** Only tasks in this cgroup v2 (a path under the cgroup2 mount, or its id). */
  cgroup?: string | bigint;
  /** Ends after this many milliseconds … */
  durationMs?: number;
  /** … or when this aborts (at least one of the two). */
  signal?: AbortSignal;
  /** Also end on SIGINT/SIGTERM (default false: a service keeps its own signal handling). */
  stopOnSignals?: boolean;
  /** Entries of the count and stack maps (default 16384). */
  maxStacks?: number;
  /** Names user frames (default: the user-stack symbolizer). */
  userFrames?: UserFrameNamer;
  /** Called once the probes are attached and the profile runs. */
  onStart?: () => void;
}

export interface ProfileOptions extends ProfileRunOptions {
  /** Samples per second on each CPU (default 99). */
  hz?: number;
}

export interface OffCpuOptions extends ProfileRunOptions {
  /** Off-CPU periods shorter than this many microseconds are left out (default 1). */
  minUs?: number;
}

/** The cgroup v2 id of a path (the inode number of its directory), or the id given. */
export function cgroupId(cgroup: string | bigint): bigint {
  if (typeof cgroup === 'bigint') return cgroup;
  try {
    return statSync(cgroup, { bigint: true }).ino;
  } catch (err) {
    throw new Error(`cgroup '${cgroup}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Keeps a body's events to the options' process and cgroup (and never the idle tasks). */
function taskFilter(p: ProbeContext, opts: ProfileRunOptions, cgroup: bigint | undefined): void {
  const conds: Condition[] = [p.pid().ne(0)];
  if (opts.pid !== undefined) conds.push(p.pid().eq(opts.pid));
  if (cgroup !== undefined) conds.push(p.cgroup().eq(cgroup));
  for (const c of conds) p.filter(c);
}

function checkRun(opts: ProfileRunOptions): void {
  if (opts.durationMs === undefined && opts.signal === undefined)
    throw new TypeError('profile: give durationMs or signal (when to end)');
  if (opts.durationMs !== undefined && !(opts.durationMs > 0))
    throw new RangeError(`profile: durationMs ${opts.durationMs} is not positive`);
  if (opts.kernel === false && opts.user === false)
    throw new TypeError('profile: kernel and user stacks both left out: nothing to show');
}

const EFAULT = -14;
const SEE_EVERY_MS = 1000;

/** Runs `declare`'s probes for the options' time and joins the counts of map `map`. */
async function runProfile(
  opts: ProfileRunOptions,
  map: string,
  unit: 'samples' | 'microseconds',
  name: string,
  declare: (t: Tracer, cgroup: bigint | undefined) => void,
): Promise<ProfileResult> {
  checkRun(opts);
  const cgroup = opts.cgroup === undefined ? undefined : cgroupId(opts.cgroup);
  const users = opts.userFrames ?? defaultUserFrames();
  using tracer = new Tracer({ maxEntries: opts.maxStacks ?? 16384 });
  declare(tracer, cgroup);
  await tracer.start();
  const began = performance.now();
  opts.onStart?.();
  // Processes that exit before the end keep their frames: their mappings are captured as they show up.
  const seen = new Set<number>();
  const see = () => {
    for (const k of stackKeys(tracer, map))
      if (!seen.has(k.pid)) {
        seen.add(k.pid);
        users.see(k.pid);
      }
  };
  if (opts.pid !== undefined) users.see(opts.pid);
  const watcher = opts.user === false ? undefined : setInterval(see, SEE_EVERY_MS);
  try {
    await tracer.run({
      durationMs: opts.durationMs,
      signal: opts.signal,
      stopOnSignals: opts.stopOnSignals ?? false,
    });
  } finally {
    clearInterval(watcher);
  }
  tracer.stop();
  const durationMs = performance.now() - began;
  const keys = stackKeys(tracer, map);
  const joined = joinStacks(tracer, keys, users, opts);
  return new ProfileResult({
    samples: joined.samples,
    unit,
    lostStacks: joined.lostStacks,
    dropped: tracer.dropped(),
    durationMs,
    name,
  });
}

/** Samples on-CPU stacks `hz` times a second on every CPU, counted in the kernel. */
export function profile(opts: ProfileOptions): Promise<ProfileResult> {
  const hz = opts.hz ?? 99;
  if (!Number.isInteger(hz) || hz < 1 || hz > 100_000)
    return Promise.reject(new RangeError(`profile: hz ${hz} is not an integer in 1..100000`));
  return runProfile(opts, 'samples', 'samples', `CPU profile (${hz} Hz)`, (t, cgroup) => {
    t.probe(`profile:hz:${hz}`, (p) => {
      taskFilter(p, opts, cgroup);
      p.count('samples', [
        p.pid(),
        p.comm(),
        opts.kernel === false ? p.constant(EFAULT) : p.stack(),
        opts.user === false ? p.constant(EFAULT) : p.stack({ user: true }),
      ]);
    });
  });
}

/**
 * Off-CPU time per stack, as bcc's offcputime: when a task is switched out its time and stacks
 * are kept by thread id; when it is switched back in, the microseconds it was off are added to
 * its stacks' total (sched_switch as tp_btf: the switched-out task is the current one there).
 */
export function offCpu(opts: OffCpuOptions): Promise<ProfileResult> {
  const minUs = opts.minUs ?? 1;
  if (!Number.isInteger(minUs) || minUs < 0)
    return Promise.reject(new RangeError(`offCpu: minUs ${minUs} is not a non-negative integer`));
  return runProfile(opts, 'offcpu', 'microseconds', 'Off-CPU time (µs)', (t, cgroup) => {
    // Switch-in first: `next` was off since its switch-out; its stacks were kept then.
    t.probe('tp_btf:sched_switch', (p) => {
      const next = p.arg('next');
      const tid = (next.field('pid') as ReturnType<ProbeContext['arg']>).u32();
      const start = p.map('off_start').get([tid]);
      const kstack = p.map('off_kstack').get([tid]);
      const ustack = p.map('off_ustack').get([tid]);
      const pid = p.map('off_pid').get([tid]);
      p.map('off_start').delete([tid]);
      const us = p.ktime().sub(start).div(1000);
      p.filter(us.ge(minUs));
      p.sum('offcpu', us, [
        pid.u32(),
        (next.field('comm') as ReturnType<ProbeContext['arg']>).string(16),
        kstack.s64(),
        ustack.s64(),
      ]);
    });
    // Switch-out: the current task stops running here, in these stacks.
    t.probe('tp_btf:sched_switch', (p) => {
      taskFilter(p, opts, cgroup);
      const tid = p.tid();
      p.map('off_start').set([tid], p.ktime());
      p.map('off_kstack').set([tid], opts.kernel === false ? p.constant(EFAULT) : p.stack());
      p.map('off_ustack').set([tid], opts.user === false ? p.constant(EFAULT) : p.stack({ user: true }));
      p.map('off_pid').set([tid], p.pid());
    });
  });
}
