// What maps, programs and links share as kernel objects: open one pinned at a bpffs path or by
// its kernel id (closing the fd if wrapping it fails), list the ids of a kind, pin one.
import { preparePinPath } from './bpffs.js';
import { closeRawFd } from './fd.js';
import { Cmd, fdById, nextId, objGet, objPin } from './sys/bpf.js';

/** The *_GET_FD_BY_ID and *_GET_NEXT_ID commands of one object kind. */
export interface ObjectKind {
  readonly getFdById: number;
  readonly getNextId: number;
}

export const MAP_OBJECTS: ObjectKind = { getFdById: Cmd.MAP_GET_FD_BY_ID, getNextId: Cmd.MAP_GET_NEXT_ID };
export const PROGRAM_OBJECTS: ObjectKind = {
  getFdById: Cmd.PROG_GET_FD_BY_ID,
  getNextId: Cmd.PROG_GET_NEXT_ID,
};
export const BTF_OBJECTS: ObjectKind = { getFdById: Cmd.BTF_GET_FD_BY_ID, getNextId: Cmd.BTF_GET_NEXT_ID };
export const LINK_OBJECTS: ObjectKind = { getFdById: Cmd.LINK_GET_FD_BY_ID, getNextId: Cmd.LINK_GET_NEXT_ID };

/** Hands an fd we own to `wrap`; closes it if `wrap` throws (no leaked fd on a bad open). */
export function adoptFd<T>(fd: number, wrap: (fd: number) => T): T {
  try {
    return wrap(fd);
  } catch (err) {
    closeRawFd(fd);
    throw err;
  }
}

/** Opens the object pinned at `path` (BPF_OBJ_GET) and wraps it. */
export function openPinnedObject<T>(path: string, wrap: (fd: number) => T): T {
  return adoptFd(objGet(path), wrap);
}

/** Opens the object of `kind` with kernel id `id` and wraps it. */
export function openObjectById<T>(kind: ObjectKind, id: number, wrap: (fd: number) => T): T {
  return adoptFd(fdById(kind.getFdById, id), wrap);
}

/** Ids of all objects of `kind` in the kernel. */
export function* objectIds(kind: ObjectKind): Generator<number> {
  for (let id = nextId(kind.getNextId, 0); id !== undefined; id = nextId(kind.getNextId, id)) yield id;
}

/** Pins `fd` at a bpffs path (mounting /sys/fs/bpf and making directories as needed). */
export function pinObject(fd: number, path: string): void {
  preparePinPath(path);
  objPin(fd, path);
}
