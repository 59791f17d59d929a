// Open file descriptors of this process, to prove attach/close leaves none behind.
import { readdirSync, readlinkSync } from 'node:fs';

export function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

/**
 * The kernel objects this process holds fds for — BPF maps, programs, links, BTF and perf
 * events — as `fd target` lines: what a leak of ours adds. Unlike a bare count, pipes and sockets
 * of unrelated work finishing in the background (child processes, keep-alive connections) do not
 * move it.
 */
export function kernelObjectFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/^anon_inode:(bpf|btf|\[perf_event\])/.test(target)) out.push(`${fd} ${target}`);
    } catch {
      // closed between the listing and the readlink: the listing's own fd
    }
  }
  return out.sort();
}
