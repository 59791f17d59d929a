// The one way an attr is written: a zeroed Buffer of the command's exact size, fields written by
// offset from ../attr.ts, pointers taken through the active syscall funnel. Buffers an attr points
// at are kept alive as long as the attr itself (the kernel reads them during the call).
import { OBJ_NAME_LEN } from '../attr.js';
import { funnel } from '../funnel.js';

const kept = new WeakMap<Uint8Array, Uint8Array[]>();

/** Keeps `target` alive while `attr` is (a pointer in attr is a number the GC cannot see). */
export function keepAlive(attr: Uint8Array, target: Uint8Array): void {
  const list = kept.get(attr);
  if (list) list.push(target);
  else kept.set(attr, [target]);
}

/** A zero-filled attr being written (or, given a Buffer, more fields of one); `done()` gives it. */
export class AttrWriter {
  readonly buf: Buffer;
  constructor(size: number | Buffer, into?: Buffer) {
    if (typeof size !== 'number') this.buf = size;
    else if (into && into.byteLength === size) {
      into.fill(0);
      kept.delete(into); // what it pointed at before is no longer read
      this.buf = into;
    } else this.buf = Buffer.alloc(size);
  }
  u32(offset: number, value: number | undefined): this {
    if (value !== undefined) this.buf.writeUInt32LE(value >>> 0, offset);
    return this;
  }
  i32(offset: number, value: number): this {
    this.buf.writeInt32LE(value, offset);
    return this;
  }
  /** A u64 written as two u32 halves (no BigInt unless the value is one). */
  u64(offset: number, value: number | bigint | undefined): this {
    if (value === undefined) return this;
    if (typeof value === 'bigint') this.buf.writeBigUInt64LE(BigInt.asUintN(64, value), offset);
    else {
      this.buf.writeUInt32LE((value % 0x1_0000_0000) >>> 0, offset);
      this.buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000) >>> 0, offset + 4);
    }
    return this;
  }
  /** A pointer to `target` (NULL for null or an empty buffer). */
  ptr(offset: number, target: Uint8Array | null | undefined): this {
    if (target && target.byteLength > 0) {
      this.buf.writeBigUInt64LE(funnel().addressOf(target), offset);
      keepAlive(this.buf, target);
    } else this.buf.writeBigUInt64LE(0n, offset);
    return this;
  }
  /** An object name: at most 15 bytes, NUL-terminated (the rest is already zero). */
  name(offset: number, text: string | undefined): this {
    if (text) this.buf.write(text, offset, OBJ_NAME_LEN - 1, 'latin1');
    return this;
  }
  done(): Buffer {
    return this.buf;
  }
}

/** A NUL-terminated C string in a Buffer. */
export function cString(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8');
}

const NAME_RE = /^[A-Za-z0-9_.]*$/;

/** Kernel object names are at most 15 characters of [A-Za-z0-9_.]; TypeError otherwise. */
export function checkObjectName(kind: string, name: string): void {
  if (name.length >= OBJ_NAME_LEN || !NAME_RE.test(name)) {
    throw new TypeError(`bad ${kind} name '${name}': at most 15 characters of [A-Za-z0-9_.]`);
  }
}

/** Reads a NUL-terminated name of at most `len` bytes. */
export function getName(buf: Buffer, offset: number, len: number): string {
  const end = buf.indexOf(0, offset);
  return buf.toString('latin1', offset, end < 0 || end > offset + len ? offset + len : end);
}
