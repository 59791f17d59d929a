// The pre-link attach core: BPF_PROG_ATTACH and BPF_PROG_DETACH of a program on a target fd (a
// cgroup, and the map or netns targets of the socket kinds). The attachment has no fd of its own:
// it lasts until detached or until the target goes away, so whoever attaches must detach.
import { encodeProgAttach } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';

/** BPF_PROG_ATTACH of `progFd` on `targetFd`: 0, or -errno. */
export function progAttachTry(targetFd: number, progFd: number, attachType: number, flags = 0): number {
  const attr = encodeProgAttach({ targetFd, progFd, attachType, flags });
  return bpfTry(Cmd.PROG_ATTACH, attr, attr.byteLength);
}

/** BPF_PROG_DETACH of `progFd` from `targetFd`: 0, or -errno (ENOENT: it was not attached). */
export function progDetachTry(targetFd: number, progFd: number, attachType: number): number {
  const attr = encodeProgAttach({ targetFd, progFd, attachType });
  return bpfTry(Cmd.PROG_DETACH, attr, attr.byteLength);
}
