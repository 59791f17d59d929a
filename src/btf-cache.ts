// A saved index of the running kernel's BTF: opening /sys/kernel/btf/vmlinux with it skips the
// pass over every type record and the hashing of every name (most of a cold open). One file per
// kernel build under $XDG_CACHE_HOME/tsbpf (~/.cache/tsbpf), named by the kernel's build id and the
// blob's size; a sample of the blob is hashed into it and checked, and the parser checks the
// index's shape. Safe to delete at any time; TSBPF_BTF_CACHE=0 neither reads nor writes it.
// Here rather than in ./btf-file.ts, which maps the blob through the FFI: `tsbpf btf` opens the
// kernel's BTF with its saved index too, and does without the FFI.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BtfError } from '../btf/error.js';
import { Btf, type BtfIndex } from '../btf/parse.js';

export const VMLINUX_BTF_PATH = '/sys/kernel/btf/vmlinux';

const MAGIC = 0x49425354; // 'TSBI' read as a little-endian u32: another byte order fails it
const VERSION = 1;
const HEADER_WORDS = 6; // magic, version, blob length, sample hash, records, name slots
const NT_GNU_BUILD_ID = 3;

/** Whether the saved index is used (TSBPF_BTF_CACHE=0 turns it off). */
export function btfCacheEnabled(): boolean {
  return process.env.TSBPF_BTF_CACHE !== '0';
}

/** The cache folder: $XDG_CACHE_HOME/tsbpf, else ~/.cache/tsbpf. */
export function btfCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg?.startsWith('/') ? xdg : join(homedir(), '.cache'), 'tsbpf');
}

/** The running kernel's GNU build id (hex), from /sys/kernel/notes; undefined if none. */
export function kernelBuildId(notes = '/sys/kernel/notes'): string | undefined {
  let b: Buffer;
  try {
    b = readFileSync(notes);
  } catch {
    return undefined;
  }
  // ELF notes: namesz, descsz, type, name (padded to 4), desc (padded to 4).
  for (let at = 0; at + 12 <= b.length; ) {
    const namesz = b.readUInt32LE(at);
    const descsz = b.readUInt32LE(at + 4);
    const type = b.readUInt32LE(at + 8);
    const name = at + 12;
    const desc = name + ((namesz + 3) & ~3);
    if (desc + descsz > b.length) return undefined;
    if (type === NT_GNU_BUILD_ID && b.toString('latin1', name, name + namesz) === 'GNU\0')
      return b.toString('hex', desc, desc + descsz);
    at = desc + ((descsz + 3) & ~3);
  }
  return undefined;
}

/** FNV-1a over the header and 64 windows of 64 bytes spread over the blob: cheap, and catches a different blob of the same size. */
function sampleHash(blob: Uint8Array): number {
  let h = 0x811c9dc5;
  const mix = (from: number, to: number) => {
    for (let i = from; i < to; i++) h = Math.imul(h ^ blob[i], 0x01000193);
  };
  mix(0, Math.min(blob.length, 32));
  const windows = 64;
  for (let k = 0; k < windows; k++) {
    const at = Math.floor((blob.length * k) / windows);
    mix(at, Math.min(blob.length, at + 64));
  }
  mix(Math.max(0, blob.length - 64), blob.length);
  return h >>> 0;
}

function cacheFile(blob: Uint8Array): string | undefined {
  const id = kernelBuildId();
  return id ? join(btfCacheDir(), `vmlinux-${id}-${blob.length}.btfidx`) : undefined;
}

/** The saved index for this vmlinux blob, or undefined (none, off, or not this blob's). */
export function loadBtfIndex(blob: Uint8Array): BtfIndex | undefined {
  if (!btfCacheEnabled()) return undefined;
  const path = cacheFile(blob);
  if (!path) return undefined;
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch {
    return undefined;
  }
  if (file.length < HEADER_WORDS * 4 || file.length % 4 !== 0) return undefined;
  // Typed arrays need 4-byte alignment; a fresh read is aligned, copy when not.
  const words =
    file.byteOffset % 4 === 0
      ? new Uint32Array(file.buffer, file.byteOffset, file.length / 4)
      : new Uint32Array(new Uint8Array(file).buffer);
  const [magic, version, length, hash, records, slots] = words;
  if (magic !== MAGIC || version !== VERSION || length !== blob.length) return undefined;
  if (HEADER_WORDS + records + slots !== words.length || hash !== sampleHash(blob)) return undefined;
  return {
    offsets: words.subarray(HEADER_WORDS, HEADER_WORDS + records),
    names: words.subarray(HEADER_WORDS + records),
  };
}

/** Saves `index` for this vmlinux blob; a cache that cannot be written is skipped silently. */
export function saveBtfIndex(blob: Uint8Array, index: BtfIndex): void {
  if (!btfCacheEnabled()) return;
  const path = cacheFile(blob);
  if (!path) return;
  const head = Uint32Array.of(
    MAGIC,
    VERSION,
    blob.length,
    sampleHash(blob),
    index.offsets.length,
    index.names.length,
  );
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(btfCacheDir(), { recursive: true, mode: 0o700 });
    const out = Buffer.concat([
      new Uint8Array(head.buffer),
      new Uint8Array(index.offsets.buffer, index.offsets.byteOffset, index.offsets.byteLength),
      new Uint8Array(index.names.buffer, index.names.byteOffset, index.names.byteLength),
    ]);
    // Written aside and renamed: a reader never sees half a file.
    writeFileSync(tmp, out, { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // A read-only or full disk: the next open indexes again.
  }
}

/** Opens the kernel's BTF with its saved index when there is a fitting one. */
export function openKernelBtf(bytes: Uint8Array): Btf {
  const index = loadBtfIndex(bytes);
  if (index) {
    try {
      return Btf.parse(bytes, { index });
    } catch (err) {
      if (!(err instanceof BtfError)) throw err;
      // Not this blob's after all: index it again and save over it.
    }
  }
  const btf = Btf.parse(bytes);
  saveBtfIndex(bytes, btf.savedIndex());
  return btf;
}
