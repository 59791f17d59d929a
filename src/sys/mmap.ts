// Shared memory with the kernel (ring buffers), read-only file mappings (the kernel's BTF), and
// readiness on Node's own event loop.
// mmap/munmap are declared in ./libc.ts; the poll handle is koffi's libuv uv_poll_t, so a reader
// sleeps in the loop's epoll like any socket: no busy polling, no thread per reader.

import { closeSync, fstatSync, openSync } from 'node:fs';
import { SysError } from './errno.js';
import koffi from './koffi.js';
import { lastErrno, MAP_FAILED, mmap, munmap, viewOf } from './libc.js';

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 1;
export const MAP_PRIVATE = 2;

/** mmap(2)'s failure: MAP_FAILED, as koffi gives `void *` back (or -1 as a signed value). */
function mapFailed(address: bigint): boolean {
  return address === MAP_FAILED || address === -1n;
}

/** A mapped region: its address, length and an ArrayBuffer over it (no copy). */
export interface Mapping {
  readonly address: bigint;
  readonly length: number;
  readonly buffer: ArrayBuffer;
}

/** mmap(NULL, length, prot, MAP_SHARED, fd, offset); throws SysError naming `what`. */
export function mapShared(fd: number, length: number, prot: number, offset: number, what: string): Mapping {
  const address = mmap(null, length, prot, MAP_SHARED, fd, offset);
  if (mapFailed(address))
    throw new SysError(`mmap ${what}`, lastErrno(), `${length} bytes at offset ${offset}`);
  return { address, length, buffer: viewOf(address, length) };
}

export function unmap(m: Mapping): void {
  munmap(m.address, m.length);
}

/**
 * The whole of file `path` mapped read-only (MAP_PRIVATE, no copy), or undefined where it cannot
 * be mapped (empty, or a file without mmap: sysfs attributes mostly). Opening fails as
 * readFileSync would. The mapping is never unmapped, so only for a file read once per process
 * and kept (the running kernel's BTF); writing to the bytes is a SIGSEGV.
 */
export function mapWholeFile(path: string): Uint8Array | undefined {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return undefined;
    const address = mmap(null, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapFailed(address)) return undefined;
    return new Uint8Array(viewOf(address, size));
  } finally {
    closeSync(fd); // a mapping outlives its fd
  }
}

/** A readiness watch on an fd; `stop()` pauses it, `close()` ends it. */
export interface Readable {
  start(): void;
  stop(): void;
  close(): void;
  unref(): void;
}

/** Calls `onReadable` from the event loop whenever `fd` polls readable (level-triggered). */
export function watchReadable(fd: number, onReadable: () => void): Readable {
  let started = true;
  const handle = koffi.node.poll(fd, { readable: true }, onReadable);
  return {
    start() {
      if (!started) handle.start({ readable: true }, onReadable);
      started = true;
    },
    stop() {
      if (started) handle.stop();
      started = false;
    },
    close() {
      handle.close();
    },
    unref() {
      handle.unref();
    },
  };
}
