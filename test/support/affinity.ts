// Pin the calling thread (node's main thread, the one that makes the syscalls a test traces) to
// one CPU for the length of a callback. Per-CPU kernel state (a perf ring's pending LOST count)
// is only observable from the CPU that holds it, so tests that count it must not migrate.
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const MASK_BYTES = 128; // cpu_set_t: 1024 CPUs
const getAffinity: (pid: number, size: number, mask: Uint8Array) => number = libc.func(
  'int sched_getaffinity(int pid, size_t size, void *mask)',
);
const setAffinity: (pid: number, size: number, mask: Uint8Array) => number = libc.func(
  'int sched_setaffinity(int pid, size_t size, void *mask)',
);

/** Runs `fn` with this thread allowed on `cpu` only, then restores the previous mask. */
export function onCpu<T>(cpu: number, fn: () => T): T {
  const saved = new Uint8Array(MASK_BYTES);
  if (getAffinity(0, MASK_BYTES, saved) !== 0) throw new Error('sched_getaffinity failed');
  const only = new Uint8Array(MASK_BYTES);
  only[cpu >> 3] = 1 << (cpu & 7);
  if (setAffinity(0, MASK_BYTES, only) !== 0) throw new Error(`sched_setaffinity to CPU ${cpu} failed`);
  try {
    return fn();
  } finally {
    setAffinity(0, MASK_BYTES, saved);
  }
}
