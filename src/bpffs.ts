// Pinning needs a bpffs mount; /sys/fs/bpf is the conventional one and may not be mounted yet.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SysError } from './sys/errno.js';
import { lastErrno, mount } from './sys/libc.js';

export const BPFFS_ROOT = '/sys/fs/bpf';
let mounted = false;

function isBpffsMounted(path: string): boolean {
  const mounts = readFileSync('/proc/self/mounts', 'latin1');
  return mounts.split('\n').some((line) => {
    const f = line.split(' ');
    return f[1] === path && f[2] === 'bpf';
  });
}

/** Mounts bpffs at /sys/fs/bpf if it is not mounted. Throws SysError (e.g. EPERM) on failure. */
export function ensureBpffs(): void {
  if (mounted || isBpffsMounted(BPFFS_ROOT)) {
    mounted = true;
    return;
  }
  if (mount('bpf', BPFFS_ROOT, 'bpf', 0, 'mode=0700') !== 0) {
    throw new SysError(`mount bpffs at ${BPFFS_ROOT}`, lastErrno());
  }
  mounted = true;
}

/** Prepares a pin path: bpffs mounted (for paths under /sys/fs/bpf) and parent directories made. */
export function preparePinPath(path: string): void {
  if (path === BPFFS_ROOT || path.startsWith(`${BPFFS_ROOT}/`)) ensureBpffs();
  mkdirSync(dirname(path), { recursive: true });
}
