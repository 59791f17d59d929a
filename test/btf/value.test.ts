// BTF-typed values: the kinds the kernel-backed tests (test/object/variables.test.ts, against
// bpftool) do not reach — 128-bit and 64-bit enums, floats, the CHAR encoding, unions, bools —
// read from bytes written independently with DataView, and written back byte for byte.
import { Btf, BtfBuilder, btfValueCodec } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';

function types() {
  const b = new BtfBuilder();
  const u8 = b.add({
    kind: 'int',
    name: 'unsigned char',
    size: 1,
    bitsOffset: 0,
    bits: 8,
    signed: false,
    char: true,
    bool: false,
  });
  const i128 = b.add({
    kind: 'int',
    name: '__int128',
    size: 16,
    bitsOffset: 0,
    bits: 128,
    signed: true,
    char: false,
    bool: false,
  });
  const bool = b.add({
    kind: 'int',
    name: '_Bool',
    size: 1,
    bitsOffset: 0,
    bits: 8,
    signed: false,
    char: false,
    bool: true,
  });
  const dbl = b.add({ kind: 'float', name: 'double', size: 8 });
  const flt = b.add({ kind: 'float', name: 'float', size: 4 });
  const e64 = b.add({
    kind: 'enum64',
    name: 'big',
    size: 8,
    signed: false,
    values: [{ name: 'HUGE', value: 1n << 40n }],
  });
  const idx = b.add({
    kind: 'int',
    name: 'int',
    size: 4,
    bitsOffset: 0,
    bits: 32,
    signed: true,
    char: false,
    bool: false,
  });
  const name = b.add({ kind: 'array', name: '', type: u8, indexType: idx, nelems: 6 });
  const un = b.add({
    kind: 'union',
    name: 'either',
    size: 8,
    members: [
      { name: 'd', type: dbl, bitOffset: 0, bitfieldSize: 0 },
      { name: 'f', type: flt, bitOffset: 0, bitfieldSize: 0 },
    ],
  });
  const st = b.add({
    kind: 'struct',
    name: 'mixed',
    size: 48,
    members: [
      { name: 'wide', type: i128, bitOffset: 0, bitfieldSize: 0 },
      { name: 'e', type: e64, bitOffset: 128, bitfieldSize: 0 },
      { name: 'u', type: un, bitOffset: 192, bitfieldSize: 0 },
      { name: 'name', type: name, bitOffset: 256, bitfieldSize: 0 },
      { name: 'ok', type: bool, bitOffset: 304, bitfieldSize: 0 },
    ],
  });
  return { btf: Btf.parse(b.encode()), st };
}

describe('BTF value codecs', () => {
  it('reads what DataView wrote; writes the same bytes back', () => {
    const { btf, st } = types();
    const codec = btfValueCodec(btf, st);
    expect(codec.size).toBe(48);
    const bytes = new Uint8Array(48);
    const v = new DataView(bytes.buffer);
    v.setBigInt64(0, -2n, true); // low half of -2 as an int128
    v.setBigInt64(8, -1n, true);
    v.setBigUint64(16, 1n << 40n, true);
    v.setFloat64(24, 2.5, true);
    bytes.set(new TextEncoder().encode('bpf'), 32);
    bytes[38] = 1;
    expect(codec.decode(v, 0)).toEqual({
      wide: -2n,
      e: 1n << 40n,
      u: { d: 2.5, f: v.getFloat32(24, true) },
      name: 'bpf',
      ok: true,
    });
    expect(codec.format(v, 0)).toBe(
      `wide=-2 e=HUGE u={d=2.5 f=${v.getFloat32(24, true)}} name="bpf" ok=true`,
    );
    // Writing the decoded value into zeroed bytes gives the same bytes (the union: its last member wins,
    // so write only d).
    const again = new Uint8Array(48);
    codec.encode(
      { wide: -2n, e: 'HUGE', u: { d: 2.5 }, name: 'bpf', ok: true },
      new DataView(again.buffer),
      0,
      'x',
    );
    expect(Buffer.from(again).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
  });

  it('range and kind errors name the member path', () => {
    const { btf, st } = types();
    const codec = btfValueCodec(btf, st);
    const v = new DataView(new ArrayBuffer(48));
    expect(() => codec.encode({ wide: 1n << 127n }, v, 0, 'm')).toThrow(/m\.wide: \d+ does not fit __int128/);
    expect(() => codec.encode({ e: 'HUG' }, v, 0, 'm')).toThrow(
      /m\.e: enum big has no value 'HUG' \(did you mean 'HUGE'\?\)/,
    );
    expect(() => codec.encode({ ok: 'yes' }, v, 0, 'm')).toThrow(
      /m\.ok: expected a boolean for _Bool, got string yes/,
    );
    expect(() => codec.encode({ u: { d: 1n } }, v, 0, 'm')).toThrow(/m\.u\.d: expected a number for double/);
    expect(() => codec.encode([1], v, 0, 'm')).toThrow(
      /m: expected an object for struct mixed, got an array of 1/,
    );
    expect(() => codec.encode({ name: 'toolong' }, v, 0, 'm')).toThrow(
      /m\.name: 'toolong' is 7 bytes; unsigned char\[6\] holds 6/,
    );
  });
});
