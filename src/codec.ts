// How map keys and values become bytes: a Codec writes a value into a Buffer at an offset and
// reads it back. A key/value spec is a byte size (raw bytes in, Buffer out), a typed-binary
// schema (measured once: it must have a fixed size), or a Codec of your own.
import { BufferReader, BufferWriter, MaxValue } from 'typed-binary';

export interface Codec<T> {
  /** Encoded size in bytes (fixed). */
  readonly size: number;
  encode(value: T, into: Buffer, offset: number): void;
  decode(from: Buffer, offset: number): T;
}

/**
 * A typed-binary schema, described by its shape rather than by typed-binary's own types: those
 * need lib ESNext (Float16Array), and the published declarations must compile in a project with
 * lib ES2022 and skipLibCheck off. (`never` parameters: any schema's methods fit.)
 */
export interface BinarySchema<T = unknown> {
  readonly __unwrapped: T;
  measure(value: never, measurer?: never): { readonly isUnbounded: boolean; readonly size: number };
  write(output: never, value: never): void;
  read(input: never): unknown;
}
type Schema<T> = BinarySchema<T>;

/** What a map accepts for its key or value: a byte size, a typed-binary schema or a Codec. */
export type ValueSpec<T = unknown> = number | Codec<T> | Schema<T>;

/** The TypeScript type a spec stands for. */
export type SpecType<S> = S extends number
  ? Uint8Array
  : S extends Codec<infer T>
    ? T
    : S extends { __unwrapped: infer U }
      ? U
      : never;

/** Raw bytes of a fixed size: Uint8Array in (length checked), a fresh Buffer out. */
export function bytes(size: number): Codec<Uint8Array> {
  return {
    size,
    encode(value, into, offset) {
      if (value.byteLength !== size) throw new RangeError(`expected ${size} bytes, got ${value.byteLength}`);
      into.set(value, offset);
    },
    decode(from, offset) {
      return Buffer.from(from.subarray(offset, offset + size));
    },
  };
}

export const u8: Codec<number> = {
  size: 1,
  encode: (v, b, o) => void b.writeUInt8(v, o),
  decode: (b, o) => b.readUInt8(o),
};
export const u16: Codec<number> = {
  size: 2,
  encode: (v, b, o) => void b.writeUInt16LE(v, o),
  decode: (b, o) => b.readUInt16LE(o),
};
export const u32: Codec<number> = {
  size: 4,
  encode: (v, b, o) => void b.writeUInt32LE(v, o),
  decode: (b, o) => b.readUInt32LE(o),
};
export const i32: Codec<number> = {
  size: 4,
  encode: (v, b, o) => void b.writeInt32LE(v, o),
  decode: (b, o) => b.readInt32LE(o),
};
export const u64: Codec<bigint> = {
  size: 8,
  encode: (v, b, o) => void b.writeBigUInt64LE(v, o),
  decode: (b, o) => b.readBigUInt64LE(o),
};
export const i64: Codec<bigint> = {
  size: 8,
  encode: (v, b, o) => void b.writeBigInt64LE(v, o),
  decode: (b, o) => b.readBigInt64LE(o),
};
/** A u64 as a JS number (exact below 2^53): cheaper than BigInt for counters. */
export const u64n: Codec<number> = {
  size: 8,
  encode(v, b, o) {
    b.writeUInt32LE(v % 0x1_0000_0000, o);
    b.writeUInt32LE(Math.floor(v / 0x1_0000_0000), o + 4);
  },
  decode: (b, o) => b.readUInt32LE(o) + b.readUInt32LE(o + 4) * 0x1_0000_0000,
};

/** An LPM trie key: a prefix length in bits and `dataSize` bytes of address. */
export interface LpmKey {
  prefixLen: number;
  data: Uint8Array;
}
export function lpmKey(dataSize: number): Codec<LpmKey> {
  return {
    size: 4 + dataSize,
    encode(value, into, offset) {
      if (value.data.byteLength !== dataSize) throw new RangeError(`LPM key data must be ${dataSize} bytes`);
      into.writeUInt32LE(value.prefixLen, offset);
      into.set(value.data, offset + 4);
    },
    decode(from, offset) {
      return {
        prefixLen: from.readUInt32LE(offset),
        data: Buffer.from(from.subarray(offset + 4, offset + 4 + dataSize)),
      };
    },
  };
}

function isCodec(spec: object): spec is Codec<unknown> {
  return 'encode' in spec && 'decode' in spec && typeof (spec as Codec<unknown>).size === 'number';
}

function fromSchema<T>(schema: Schema<T>): Codec<T> {
  const measured = schema.measure(MaxValue as never);
  if (measured.isUnbounded) throw new TypeError('a map key/value schema must have a fixed size');
  const size = measured.size;
  return {
    size,
    encode(value, into, offset) {
      const w = new BufferWriter(into.buffer, { endianness: 'little' });
      w.seekTo(into.byteOffset + offset);
      schema.write(w as never, value as never);
    },
    decode(from, offset) {
      const r = new BufferReader(from.buffer, { endianness: 'little' });
      r.seekTo(from.byteOffset + offset);
      return schema.read(r as never) as T;
    },
  };
}

/** Turns a spec into a Codec. */
export function codecOf<T>(spec: ValueSpec<T>): Codec<T> {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0) throw new TypeError(`bad size ${spec}`);
    return bytes(spec) as unknown as Codec<T>;
  }
  if (isCodec(spec)) return spec;
  if (typeof (spec as Schema<T>).measure === 'function') return fromSchema(spec as Schema<T>);
  throw new TypeError(
    'a key/value spec is a byte size, a typed-binary schema or a {size, encode, decode} codec',
  );
}

/**
 * Per-CPU values: one value per possible CPU, each slot rounded up to 8 bytes, as the kernel
 * lays them out for percpu maps.
 */
export function perCpu<T>(inner: Codec<T>, cpus: number): Codec<T[]> {
  const stride = Math.ceil(inner.size / 8) * 8;
  return {
    size: stride * cpus,
    encode(values, into, offset) {
      if (values.length !== cpus)
        throw new RangeError(`per-CPU value needs ${cpus} entries (possible CPUs), got ${values.length}`);
      into.fill(0, offset, offset + stride * cpus);
      for (let i = 0; i < cpus; i++) inner.encode(values[i] as T, into, offset + i * stride);
    },
    decode(from, offset) {
      const out = new Array<T>(cpus);
      for (let i = 0; i < cpus; i++) out[i] = inner.decode(from, offset + i * stride);
      return out;
    },
  };
}
