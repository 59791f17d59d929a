// The encoder: our bytes parse back to the same types, match clang's BTF, and the kernel takes them.

import fc from 'fast-check';
import { BpfMap, BtfLoadError, KernelBtf } from 'tsbpf';
import { Btf, BtfBuilder, type BtfType, formatRaw, type TypeSpec } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { fixture } from './support.js';

const withoutId = (t: BtfType): TypeSpec => {
  const { id: _id, ...spec } = t;
  return spec as TypeSpec;
};

describe('BTF builder', () => {
  it('re-encodes every type of a clang-made BTF: same raw dump, smaller or equal strings', () => {
    const original = Btf.parse(fixture('types.btf'));
    const b = new BtfBuilder();
    for (const id of original.ids()) expect(b.add(withoutId(original.type(id)))).toBe(id);
    const again = Btf.parse(b.encode());
    expect(formatRaw(again)).toBe(formatRaw(original));
    expect(again.stringsLength).toBeLessThanOrEqual(original.stringsLength);
  });

  it('deduplicates names', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    for (let i = 0; i < 10; i++) b.typedef('same_name', int);
    expect(Btf.parse(b.encode()).stringsLength).toBe(1 + 'int\0'.length + 'same_name\0'.length);
  });

  it('round-trips arbitrary type tables (property)', () => {
    const name = fc.constantFrom('', 'a', 'b', 'node', 'x_y', 'ünï');
    // Each spec may refer to any id below its own (0 = void), so tables are always well formed.
    const spec = (maxRef: number): fc.Arbitrary<TypeSpec> => {
      const ref = fc.nat(maxRef);
      const u32 = fc.nat(0xffffffff);
      return fc.oneof(
        fc.record({
          kind: fc.constant('int' as const),
          name,
          size: fc.constantFrom(1, 2, 4, 8, 16),
          bitsOffset: fc.constant(0),
          bits: fc.constant(8),
          signed: fc.boolean(),
          char: fc.constant(false),
          bool: fc.constant(false),
        }),
        fc.record({
          kind: fc.constantFrom(
            'ptr' as const,
            'typedef' as const,
            'const' as const,
            'volatile' as const,
            'restrict' as const,
          ),
          name,
          type: ref,
        }),
        fc.record({ kind: fc.constant('type_tag' as const), name, type: ref, attribute: fc.boolean() }),
        fc.record({ kind: fc.constant('array' as const), name, type: ref, indexType: ref, nelems: u32 }),
        fc.record({
          kind: fc.constantFrom('struct' as const, 'union' as const),
          name,
          size: u32,
          // Without bitfields any 32-bit offset; with them (kflag) offsets must fit 24 bits.
          members: fc.oneof(
            fc.array(fc.record({ name, type: ref, bitOffset: u32, bitfieldSize: fc.constant(0) }), {
              maxLength: 5,
            }),
            fc.array(fc.record({ name, type: ref, bitOffset: fc.nat(0xffffff), bitfieldSize: fc.nat(255) }), {
              maxLength: 5,
            }),
          ),
        }),
        fc.record({
          kind: fc.constant('enum' as const),
          name,
          size: fc.constant(4),
          signed: fc.boolean(),
          values: fc.array(fc.record({ name, value: fc.nat(0x7fffffff) }), { maxLength: 4 }),
        }),
        fc.record({
          kind: fc.constant('enum64' as const),
          name,
          size: fc.constant(8),
          signed: fc.constant(false),
          values: fc.array(fc.record({ name, value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }), {
            maxLength: 4,
          }),
        }),
        fc.record({
          kind: fc.constant('fwd' as const),
          name,
          fwdKind: fc.constantFrom('struct' as const, 'union' as const),
        }),
        fc.record({
          kind: fc.constantFrom('func' as const, 'var' as const),
          name,
          type: ref,
          linkage: fc.constantFrom('static' as const, 'global' as const, 'extern' as const),
        }),
        fc.record({
          kind: fc.constant('func_proto' as const),
          name,
          returnType: ref,
          params: fc.array(fc.record({ name, type: ref }), { maxLength: 4 }),
        }),
        fc.record({
          kind: fc.constant('datasec' as const),
          name,
          size: u32,
          vars: fc.array(fc.record({ type: ref, offset: u32, size: u32 }), { maxLength: 3 }),
        }),
        fc.record({ kind: fc.constant('float' as const), name, size: fc.constantFrom(4, 8, 16) }),
        fc.record({
          kind: fc.constant('decl_tag' as const),
          name,
          type: ref,
          componentIdx: fc.integer({ min: -1, max: 10 }),
          attribute: fc.boolean(),
        }),
      ) as fc.Arbitrary<TypeSpec>;
    };
    const table = fc
      .integer({ min: 1, max: 30 })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => spec(i))));
    fc.assert(
      fc.property(table, (specs) => {
        const b = new BtfBuilder();
        for (const s of specs) b.add(s);
        const btf = Btf.parse(b.encode());
        expect(btf.typeCount).toBe(specs.length + 1);
        for (let i = 0; i < specs.length; i++) expect(btf.type(i + 1)).toEqual({ ...specs[i], id: i + 1 });
      }),
      { numRuns: 300 },
    );
  });

  it('rejects what BTF cannot encode', () => {
    const b = new BtfBuilder();
    expect(() =>
      b.add({
        kind: 'int',
        name: 'x',
        size: 1,
        bitsOffset: 0,
        bits: 9,
        signed: false,
        char: false,
        bool: false,
      }),
    ).toThrow(/do not fit/);
    expect(() =>
      b.add({
        kind: 'struct',
        name: 's',
        size: 4,
        members: [{ name: 'f', type: 0, bitOffset: 1 << 24, bitfieldSize: 1 }],
      }),
    ).toThrow(/does not fit/);
  });
});

kernelDescribe('BTF in the kernel', ['btf', 'maps'], () => {
  it('loads our BTF and a map takes its key/value types', () => {
    const b = new BtfBuilder();
    const u32 = b.int('unsigned int', 4);
    const u64 = b.int('long long unsigned int', 8);
    const value = b.struct('stats', 16, [
      { name: 'packets', type: u64, bitOffset: 0, bitfieldSize: 0 },
      { name: 'proto', type: u32, bitOffset: 64, bitfieldSize: 8 },
      { name: 'flags', type: u32, bitOffset: 72, bitfieldSize: 24 },
      { name: 'ifindex', type: u32, bitOffset: 96, bitfieldSize: 0 },
    ]);
    const proto = b.add({
      kind: 'func_proto',
      name: '',
      returnType: u32,
      params: [{ name: 'ctx', type: b.pointer(0) }],
    });
    b.add({ kind: 'func', name: 'prog', type: proto, linkage: 'global' });
    using btf = KernelBtf.load(b.encode());
    expect(btf.fd).toBeGreaterThan(2);
    using map = BpfMap.create({
      type: 'hash',
      key: 4,
      value: 16,
      maxEntries: 4,
      btf: { fd: btf.fd, keyTypeId: u32, valueTypeId: value },
    });
    const info = map.info();
    expect(info.btfKeyTypeId).toBe(u32);
    expect(info.btfValueTypeId).toBe(value);
    // The kernel checks sizes against the types: a 16-byte value cannot be described by a u32.
    expect(() =>
      BpfMap.create({
        type: 'hash',
        key: 4,
        value: 16,
        maxEntries: 4,
        btf: { fd: btf.fd, keyTypeId: u32, valueTypeId: u32 },
      }),
    ).toThrow();
  });

  it('a rejected load reports the kernel BTF verifier log', () => {
    const b = new BtfBuilder();
    const int = b.int('int', 4, { signed: true });
    b.struct('broken', 4, [{ name: 'past_end', type: int, bitOffset: 64, bitfieldSize: 0 }]);
    let err: unknown;
    try {
      KernelBtf.load(b.encode()).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BtfLoadError);
    expect((err as BtfLoadError).log).toMatch(/broken/);
    expect((err as BtfLoadError).message).toMatch(/Member exceeds struct_size|size/i);
  });
});
