// bpf(2): the command table, one generic call (through the syscall funnel, ./funnel.ts) that turns
// failures into BpfError with a hint, and the commands every object kind shares (pin, get, ids,
// info). Attr layouts are in ./attr.ts, their encoders in ./attrs/.
import { release as osReleaseName } from 'node:os';
import {
  encodeGetFdById,
  encodeGetNextId,
  encodeInfoByFd,
  encodeObjGet,
  encodeObjPin,
  infoLenOf,
  nextIdOf,
} from './attrs/obj.js';
import { BpfError, Errno, PERMISSION_HINT } from './errno.js';
import { funnel } from './funnel.js';
import { NR_BPF } from './libc.js';

/** enum bpf_cmd. */
export const Cmd = Object.freeze({
  MAP_CREATE: 0,
  MAP_LOOKUP_ELEM: 1,
  MAP_UPDATE_ELEM: 2,
  MAP_DELETE_ELEM: 3,
  MAP_GET_NEXT_KEY: 4,
  PROG_LOAD: 5,
  OBJ_PIN: 6,
  OBJ_GET: 7,
  PROG_ATTACH: 8,
  PROG_DETACH: 9,
  PROG_TEST_RUN: 10,
  PROG_GET_NEXT_ID: 11,
  MAP_GET_NEXT_ID: 12,
  PROG_GET_FD_BY_ID: 13,
  MAP_GET_FD_BY_ID: 14,
  OBJ_GET_INFO_BY_FD: 15,
  PROG_QUERY: 16,
  RAW_TRACEPOINT_OPEN: 17,
  BTF_LOAD: 18,
  BTF_GET_FD_BY_ID: 19,
  TASK_FD_QUERY: 20,
  MAP_LOOKUP_AND_DELETE_ELEM: 21,
  MAP_FREEZE: 22,
  BTF_GET_NEXT_ID: 23,
  MAP_LOOKUP_BATCH: 24,
  MAP_LOOKUP_AND_DELETE_BATCH: 25,
  MAP_UPDATE_BATCH: 26,
  MAP_DELETE_BATCH: 27,
  LINK_CREATE: 28,
  LINK_UPDATE: 29,
  LINK_GET_FD_BY_ID: 30,
  LINK_GET_NEXT_ID: 31,
  ENABLE_STATS: 32,
  ITER_CREATE: 33,
  LINK_DETACH: 34,
  PROG_BIND_MAP: 35,
  TOKEN_CREATE: 36,
});
export type CmdName = keyof typeof Cmd;
const CMD_NAMES: string[] = [];
for (const [name, value] of Object.entries(Cmd)) CMD_NAMES[value] = `BPF_${name}`;

/** `BPF_MAP_CREATE` for 0. */
export function commandName(cmd: number): string {
  return CMD_NAMES[cmd] ?? `bpf command ${cmd}`;
}

/** Commands that create objects and are charged to RLIMIT_MEMLOCK on kernels before 5.11. */
const CHARGED = new Set<number>([Cmd.MAP_CREATE, Cmd.PROG_LOAD, Cmd.BTF_LOAD]);

/**
 * bpf(cmd, attr, size) without throwing, through the syscall funnel: the result (>= 0) or -errno.
 * For callers that treat some errnos (ENOENT) as ordinary answers.
 */
export function bpfTry(cmd: number, attr: Uint8Array, size: number): number {
  return funnel().bpf(cmd, attr, size);
}

/**
 * bpf(cmd, attr, size) through the syscall funnel: the result (an fd for creating commands, else
 * 0). Throws BpfError with a hint on failure; `what` names the object (`map 'counts'`).
 */
export function bpf(cmd: number, attr: Uint8Array, size: number, what?: string): number {
  const r = funnel().bpf(cmd, attr, size);
  if (r >= 0) return r;
  throw bpfError(cmd, -r, what);
}

/** The BpfError for `errno` from `cmd`, with its hint. */
export function bpfError(cmd: number, errno: number, what?: string): BpfError {
  if (errno === Errno.ENOSYS && NR_BPF < 0)
    return new BpfError(commandName(cmd), errno, `bpf(2) is not supported on ${process.arch}`, what);
  return new BpfError(commandName(cmd), errno, hintFor(cmd, errno), what);
}

/** The likely cause of a bpf(2) failure, in words a user can act on. */
export function hintFor(cmd: number, errno: number): string {
  const link = linkHint(cmd, errno);
  if (link !== undefined) return link;
  switch (errno) {
    case Errno.EPERM:
    case Errno.EACCES:
      if (cmd === Cmd.PROG_LOAD && errno === Errno.EACCES) return 'the verifier rejected the program';
      if ((cmd === Cmd.OBJ_PIN || cmd === Cmd.OBJ_GET) && process.getuid?.() === 0) {
        return 'the path must be inside a bpffs mount (e.g. /sys/fs/bpf)';
      }
      if (process.getuid?.() === 0) {
        return CHARGED.has(cmd) && memlockCharged()
          ? 'RLIMIT_MEMLOCK too low for this kernel (raise it: ulimit -l unlimited)'
          : 'denied although running as root: lockdown, a security module, or this attach type is not allowed here';
      }
      return PERMISSION_HINT;
    case Errno.E2BIG:
      return 'attr too big for this kernel: a field this kernel does not know is set (or a value exceeds a limit)';
    case Errno.EINVAL:
      switch (cmd) {
        case Cmd.MAP_CREATE:
          return 'unknown map type for this kernel, or bad key/value size, max_entries or flags for this type';
        case Cmd.PROG_LOAD:
          return 'unknown program type, bad expected attach type/attach btf id, or bad flags for this kernel';
        case Cmd.MAP_UPDATE_ELEM:
        case Cmd.MAP_UPDATE_BATCH:
          return 'bad flags for this map type (or F_LOCK on a value without a bpf_spin_lock)';
        case Cmd.OBJ_PIN:
        case Cmd.OBJ_GET:
          return 'the path must be inside a bpffs mount (e.g. /sys/fs/bpf)';
        default:
          return 'a field or flag this kernel does not accept for this command';
      }
    case Errno.ENOENT:
      return cmd === Cmd.OBJ_GET ? 'no pinned object at that path' : '';
    case Errno.EBADF:
      return 'the file descriptor is closed or not a BPF object of the right kind';
    case Errno.ENOMEM:
      return 'out of memory: max_entries or value size too large';
    case Errno.ENOSYS:
      return 'bpf(2) is not available (kernel built without CONFIG_BPF_SYSCALL)';
    case Errno.EOPNOTSUPP:
    case 524:
      return 'not supported for this map or program type';
    default:
      return '';
  }
}

/** What LINK_UPDATE and LINK_DETACH failures mean (their errnos say other things than usual). */
function linkHint(cmd: number, errno: number): string | undefined {
  if (cmd !== Cmd.LINK_UPDATE && cmd !== Cmd.LINK_DETACH) return undefined;
  const verb = cmd === Cmd.LINK_UPDATE ? 'updated' : 'detached';
  if (errno === Errno.EOPNOTSUPP || errno === 524) return `this link type cannot be ${verb}`;
  if (cmd === Cmd.LINK_UPDATE && errno === Errno.EPERM && process.getuid?.() === 0)
    return 'the old program given is not the one attached';
  if (cmd === Cmd.LINK_UPDATE && errno === Errno.EINVAL)
    return "the new program's type or expected attach type is not the link's (or this link type cannot be updated)";
  if (errno === Errno.ENOLINK) return 'the link is already detached';
  return undefined;
}

function memlockCharged(): boolean {
  return kernelBefore(5, 11);
}

/** True if the running kernel is older than major.minor. */
export function kernelBefore(major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(osRelease());
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a < major || (a === major && b < minor);
}

let release: string | undefined;
function osRelease(): string {
  release ??= osReleaseName();
  return release;
}

export { cString, getName } from './attrs/writer.js';

/** BPF_OBJ_PIN: pins any BPF object fd at a bpffs path. */
export function objPin(fd: number, path: string): void {
  const attr = encodeObjPin({ fd, path });
  bpf(Cmd.OBJ_PIN, attr, attr.byteLength, `'${path}'`);
}

/** BPF_OBJ_GET: opens a pinned object; returns a new fd. */
export function objGet(path: string, fileFlags = 0): number {
  const attr = encodeObjGet({ path, fileFlags });
  return bpf(Cmd.OBJ_GET, attr, attr.byteLength, `'${path}'`);
}

/** *_GET_FD_BY_ID (MAP, PROG, BTF, LINK): a new fd for a kernel object id. */
export function fdById(cmd: number, id: number, openFlags = 0): number {
  const attr = encodeGetFdById({ id, openFlags });
  return bpf(cmd, attr, attr.byteLength, `id ${id}`);
}

/** *_GET_NEXT_ID: the id after `start` (0 for the first), or undefined at the end. */
export function nextId(cmd: number, start: number): number | undefined {
  const attr = encodeGetNextId(start);
  const r = bpfTry(cmd, attr, attr.byteLength);
  if (r === -Errno.ENOENT) return undefined;
  if (r < 0) throw bpfError(cmd, -r);
  return nextIdOf(attr);
}

/** BPF_OBJ_GET_INFO_BY_FD into `info` (zeroed by the caller); returns the length the kernel filled. */
export function infoByFd(fd: number, info: Buffer): number {
  const attr = encodeInfoByFd({ fd, info });
  bpf(Cmd.OBJ_GET_INFO_BY_FD, attr, attr.byteLength, `fd ${fd}`);
  return infoLenOf(attr);
}
