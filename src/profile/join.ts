// Joins what the kernel counted into named stacks: each key of a profile's map is {pid, comm,
// kernel stack id, user stack id}; the ids index the tracer's stack map. One line per key, root
// first: the process name, its user frames (outermost first), then its kernel frames marked `_[k]`
// (JavaScript frames `_[j]`), as flamegraph.pl's inputs mark them.
import type { StackSample } from '../format/profile/stacks.js';
import { symbolize } from '../kallsyms.js';
import type { Tracer } from '../probes/tracer.js';

/** One key of a profile map and its count (samples, or microseconds off-CPU). */
export interface StackKey {
  pid: number;
  comm: string;
  kstack: number;
  ustack: number;
  value: number;
}

/** What names user frames: the address of `pid` as a frame name (and whether it is JavaScript). */
export interface UserFrameNamer {
  /** Called as soon as a pid shows up, so an exiting process's mappings are kept. */
  see(pid: number): void;
  names(pid: number, addresses: readonly bigint[]): { name: string; js: boolean }[];
}

/** Which halves of each stack go into the output (default both). */
export interface StackHalves {
  kernel?: boolean;
  user?: boolean;
}

const EFAULT = -14;
const EEXIST = -17;

/** The frame a failed stack id stands for, or undefined when there is simply no such stack. */
function failedStack(id: number, half: 'kernel' | 'user'): string | undefined {
  // EFAULT: a sample in user mode has no kernel stack, a kernel thread no user stack.
  if (id === EFAULT) return undefined;
  // EEXIST: another stack held the bucket (the stack map is too small for this profile).
  if (id === EEXIST) return `[${half} stack lost: stack map collision]`;
  return `[${half} stack error ${id}]`;
}

/** The tracing machinery a program sees at the top of a kernel stack (its own frames, not the task's). */
const TRACING_FRAME = /^(bpf_prog_|bpf_trace_run|__traceiter_|__bpf_trace_|perf_trace_|trace_call_bpf)/;

/** Kernel frame names without their offsets (flame graphs group by function). */
function kernelName(ip: bigint): string {
  return symbolize(ip).replace(/\+0x[0-9a-f]+$/, '');
}

export interface JoinedStacks {
  samples: StackSample[];
  /** Stacks the kernel could not record (collisions in a full stack map): their samples are kept, marked. */
  lostStacks: number;
}

/** The keys as named stacks, root first. */
export function joinStacks(
  tracer: Tracer,
  keys: readonly StackKey[],
  users: UserFrameNamer,
  halves: StackHalves = {},
): JoinedStacks {
  const stacks = tracer.aggregation('stacks');
  const kernelCache = new Map<number, string[]>();
  const userCache = new Map<string, string[]>();
  let lostStacks = 0;
  const samples: StackSample[] = [];
  for (const k of keys) {
    const stack: string[] = [k.comm || `pid ${k.pid}`];
    if (halves.user !== false) {
      if (k.ustack < 0) {
        const f = failedStack(k.ustack, 'user');
        if (f) stack.push(f);
        if (k.ustack === EEXIST) lostStacks += k.value;
      } else {
        const at = `${k.pid}:${k.ustack}`;
        let names = userCache.get(at);
        if (!names) {
          const addrs = stacks.frames(k.ustack);
          names = users
            .names(k.pid, addrs)
            .map((f) => (f.js ? `${f.name}_[j]` : f.name))
            .reverse();
          userCache.set(at, names);
        }
        stack.push(...names);
      }
    }
    if (halves.kernel !== false) {
      if (k.kstack < 0) {
        const f = failedStack(k.kstack, 'kernel');
        if (f) stack.push(f);
        if (k.kstack === EEXIST) lostStacks += k.value;
      } else {
        let names = kernelCache.get(k.kstack);
        if (!names) {
          const all = stacks.frames(k.kstack).map(kernelName);
          let leaf = 0;
          while (leaf < all.length && TRACING_FRAME.test(all[leaf] as string)) leaf++;
          names = all
            .slice(leaf)
            .map((n) => `${n}_[k]`)
            .reverse();
          kernelCache.set(k.kstack, names);
        }
        stack.push(...names);
      }
    }
    samples.push({ stack, value: k.value });
  }
  return { samples, lostStacks };
}

/** Reads a profile map's keys ([pid, comm, kstack, ustack] → value). */
export function stackKeys(tracer: Tracer, map: string): StackKey[] {
  return tracer
    .aggregation<[number, string, number, number]>(map)
    .rawEntries({ batch: true })
    .map((e) => {
      const [pid, comm, kstack, ustack] = e.key as [number, string, number | bigint, number | bigint];
      return {
        pid,
        comm,
        kstack: Number(BigInt.asIntN(64, BigInt(kstack))),
        ustack: Number(BigInt.asIntN(64, BigInt(ustack))),
        value: e.value,
      };
    });
}
