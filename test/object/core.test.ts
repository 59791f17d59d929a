// CO-RE against a target whose layouts differ from the ones the program was compiled with
// (core_target.c: moved fields, a new field, a renamed flavour, a missing field, a changed enum).
// The oracle is the C compiler: offsets/sizes it computed for the target (the `expected` table)
// and target-layout images of the structs, which the relocated program must read correctly.
import { readFileSync } from 'node:fs';
import { BpfObject, ELF, readElf } from 'tsbpf';
import { applyCoreRelocations, Btf, BtfBuilder, CoreKind, computeRelocation } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { fixture } from '../support/object-fixtures.js';

const target = readElf(readFileSync(fixture('core_target.o')));
const section = (name: string) =>
  target.sections.find((s) => s.name === name) as (typeof target.sections)[number];
const targetBtf = Btf.parse(section('.BTF').data);
const symbolBytes = (name: string) => {
  const sym = target.symbols.find((s) => s.name === name && s.type === ELF.STT_OBJECT);
  if (!sym) throw new Error(`no symbol ${name}`);
  const data = (target.sections[sym.shndx] as { data: Uint8Array }).data;
  return data.slice(Number(sym.value), Number(sym.value + sym.size));
};
const exp = (() => {
  const b = symbolBytes('expected');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const [offY, offZ, sizeZ, offP, sizePoint, blue] = Array.from({ length: 6 }, (_, i) =>
    Number(v.getBigInt64(i * 8, true)),
  );
  return { offY, offZ, sizeZ, offP, sizePoint, blue };
})();

function outcome(obj: BpfObject) {
  const prog = obj.programs[0];
  if (!prog) throw new Error('no program');
  const local = obj.spec.btf as Btf;
  return prog.coreRelos.map((r) =>
    computeRelocation(
      {
        insn: r.insn,
        typeId: r.record.typeId,
        access: r.record.access,
        kind: r.record.kindId,
      },
      local,
      targetBtf,
    ),
  );
}

describe('CO-RE engine against a committed target BTF', () => {
  const obj = BpfObject.open(fixture('core_local.bpf.o'));
  const results = outcome(obj);
  const find = (kind: number, path: string) => {
    const r = results.find((x) => x.relocation.kind === kind && x.path === path);
    if (!r)
      throw new Error(`no ${kind} relocation for ${path}: ${results.map((x) => x.description).join('\n')}`);
    return r;
  };

  it('field offsets and sizes follow the target layout (moved fields, a flavoured struct)', () => {
    expect(find(CoreKind.FIELD_BYTE_OFFSET, 'struct point.y').target).toBe(BigInt(exp.offY));
    expect(find(CoreKind.FIELD_BYTE_OFFSET, 'struct point.y').local).toBe(4n);
    expect(find(CoreKind.FIELD_BYTE_OFFSET, 'struct point.z').target).toBe(BigInt(exp.offZ));
    expect(find(CoreKind.FIELD_BYTE_SIZE, 'struct point.z').target).toBe(BigInt(exp.sizeZ));
    // shape___local matches the target's `struct shape`: the flavour is stripped.
    expect(find(CoreKind.FIELD_BYTE_OFFSET, 'struct shape___local.p').target).toBe(BigInt(exp.offP));
    expect(find(CoreKind.TYPE_SIZE, 'struct point').target).toBe(BigInt(exp.sizePoint));
  });

  it('existence: a missing field or type is 0, present ones 1; nothing is poisoned for them', () => {
    const gone = find(CoreKind.FIELD_EXISTS, 'struct shape___local.gone');
    expect(gone.target).toBe(0n);
    expect(gone.poisoned).toBe(false);
    expect(gone.description).toMatch(/has no member 'gone'/);
    expect(find(CoreKind.FIELD_EXISTS, 'struct shape___local.p').target).toBe(1n);
    expect(find(CoreKind.TYPE_EXISTS, 'struct shape___local').target).toBe(1n);
    expect(find(CoreKind.TYPE_EXISTS, 'struct absent_type').target).toBe(0n);
    expect(find(CoreKind.TYPE_MATCHES, 'struct point').target).toBe(1n);
  });

  it("enums: a removed enumerator does not exist, a changed value is the target's", () => {
    expect(find(CoreKind.ENUMVAL_EXISTS, 'enum color::GREEN').target).toBe(0n);
    expect(find(CoreKind.ENUMVAL_VALUE, 'enum color::BLUE').target).toBe(BigInt(exp.blue));
  });

  it("type ids: local stays, target is the target BTF's struct point", () => {
    const local = obj.spec.btf as Btf;
    expect(find(CoreKind.TYPE_ID_LOCAL, 'struct point').target).toBe(
      BigInt(local.findId('point', 'struct') as number),
    );
    expect(find(CoreKind.TYPE_ID_TARGET, 'struct point').target).toBe(
      BigInt(targetBtf.findId('point', 'struct') as number),
    );
  });

  it('a field access into the missing member is poisoned, with the reason', () => {
    const off = find(CoreKind.FIELD_BYTE_OFFSET, 'struct shape___local.gone');
    expect(off.poisoned).toBe(true);
    expect(off.target).toBeUndefined();
    expect(off.description).toMatch(/struct shape has no member 'gone'/);
  });

  it("a load of a field whose size changed gets the target's access size (u32 to u64)", () => {
    // A target where point.y became a long at offset 16.
    const b = new BtfBuilder();
    const long = b.int('long', 8, { signed: true });
    b.struct('point', 24, [
      { name: 'x', type: long, bitOffset: 0, bitfieldSize: 0 },
      { name: 'z', type: long, bitOffset: 64, bitfieldSize: 0 },
      { name: 'y', type: long, bitOffset: 128, bitfieldSize: 0 },
    ]);
    const wide = Btf.parse(b.encode());
    const local = obj.spec.btf as Btf;
    const prog = obj.programs[0];
    const pointId = local.findId('point', 'struct');
    const loads = (prog?.coreRelos ?? []).filter(
      (r) => r.record.typeId === pointId && prog?.instructions[r.insn]?.code === 0x61,
    ); // ldxw
    expect(loads.length).toBeGreaterThan(0);
    const insns = (prog?.instructions ?? []).map((i) => ({ ...i }));
    const rel = loads.map((r) => ({
      insn: r.insn,
      typeId: r.record.typeId,
      access: r.record.access,
      kind: r.record.kindId,
    }));
    const [res] = applyCoreRelocations(insns, rel.slice(0, 1), local, wide);
    expect(res?.path).toBe('struct point.y');
    expect(insns[rel[0]?.insn ?? -1]).toMatchObject({ code: 0x79, off: 16 }); // ldxdw at the new offset
  });

  it("against the local BTF itself every relocation keeps the compiler's value", () => {
    const local = obj.spec.btf as Btf;
    for (const r of obj.programs[0]?.coreRelos ?? []) {
      const rel = {
        insn: r.insn,
        typeId: r.record.typeId,
        access: r.record.access,
        kind: r.record.kindId,
      };
      const res = computeRelocation(rel, local, local);
      if (rel.kind === CoreKind.TYPE_ID_TARGET) continue;
      expect(res.target, res.description).toBe(res.local);
    }
  });
});

kernelDescribe(
  'CO-RE end to end: the relocated program reads target-layout memory',
  ['prog_load', 'test_run'],
  () => {
    it('loads against the target BTF and reads fields and bitfields where the target puts them', () => {
      const obj = BpfObject.open(fixture('core_local.bpf.o'));
      // Target-layout images, as the C compiler laid them out, into the program's buffers.
      obj.set('shbuf', symbolBytes('target_shape'));
      obj.set('ptbuf', symbolBytes('target_point'));
      using l = obj.load({ targetBtf });
      expect(l.program('core_prog').testRun({ data: new Uint8Array(64) }).retval).toBe(0);
      const bss = l.map('.bss').get(new Uint8Array(4)) as Uint8Array;
      const outAt = obj.variables.get('out')?.offset ?? -1;
      const v = new DataView(bss.buffer, bss.byteOffset + outAt, 24 * 8);
      const out = (i: number) => v.getBigUint64(i * 8, true);
      expect([out(0), out(1), out(2)]).toEqual([BigInt(exp.offY), BigInt(exp.offZ), BigInt(exp.sizeZ)]);
      expect([out(3), out(4), out(5)]).toEqual([0n, 1n, BigInt(exp.offP)]);
      expect([out(9), out(10), out(11)]).toEqual([1n, 0n, BigInt(exp.sizePoint)]);
      expect([out(12), out(13)]).toEqual([0n, BigInt(exp.blue)]);
      // BPF_CORE_READ_BITFIELD with the target's shifts: small = 5, mode = -3 (sign-extended).
      expect(out(17)).toBe(5n);
      expect(BigInt.asIntN(64, out(18))).toBe(-3n);
      expect(out(19)).toBe(77n); // the guarded access took the "missing" branch
      expect(out(20)).toBe(1234n); // pt->y at the target's offset
      expect(out(21)).toBe(9n); // s->kind
    });
  },
);
