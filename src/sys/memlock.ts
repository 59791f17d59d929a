// Kernels before 5.11 charge BPF maps and programs to RLIMIT_MEMLOCK (64 KiB by default), so
// a creation fails with EPERM even as root. Like libbpf, raise the limit once on those kernels;
// newer kernels charge memory cgroups instead and the limit is left alone.
import { release } from 'node:os';
import { prlimit } from './libc.js';

const RLIMIT_MEMLOCK = 8;
let done = false;

function oldKernel(): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release());
  return m !== null && (Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 11));
}

/** Raises RLIMIT_MEMLOCK to infinity once, if this kernel charges BPF memory to it. Never throws. */
export function raiseMemlockOnce(): void {
  if (done) return;
  done = true;
  if (!oldKernel()) return;
  const unlimited = Buffer.alloc(16, 0xff); // rlim_cur = rlim_max = RLIM_INFINITY
  prlimit(0, RLIMIT_MEMLOCK, unlimited, null); // failure (non-root) surfaces later as EPERM with a hint
}
