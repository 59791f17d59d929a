// A Btf opened with the index another Btf of the same blob saved answers exactly as one that
// indexed the blob itself; an index that does not fit the blob is refused with BtfError.
import { existsSync, readFileSync } from 'node:fs';
import { Btf, BtfError, dumpC, Kind } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';

const VMLINUX = '/sys/kernel/btf/vmlinux';

describe.skipIf(!existsSync(VMLINUX))('Btf.parse with a saved index (vmlinux)', () => {
  const bytes = readFileSync(VMLINUX);
  const fresh = Btf.parse(bytes);
  const saved = fresh.savedIndex();

  it('finds the same ids and decodes the same types', () => {
    const again = Btf.parse(bytes, { index: { offsets: saved.offsets.slice(), names: saved.names.slice() } });
    expect(again.typeCount).toBe(fresh.typeCount);
    // Every 97th type: same record, same name lookups (first of its kind and all of them).
    for (let id = 1; id < fresh.typeCount; id += 97) {
      expect(again.type(id)).toEqual(fresh.type(id));
      const name = fresh.nameOf(id);
      if (!name) continue;
      expect(again.findAll(name).map((t) => t.id)).toEqual(fresh.findAll(name).map((t) => t.id));
    }
    for (const n of ['task_struct', 'sk_buff', 'bpf_prog', 'do_unlinkat', 'no_such_type_here'])
      expect(again.findId(n)).toBe(fresh.findId(n));
  });

  it('refuses offsets that do not chain, or a name table of the wrong size', () => {
    const shifted = saved.offsets.slice();
    shifted[shifted.length - 1] += 1;
    expect(() => Btf.parse(bytes, { index: { offsets: shifted, names: saved.names } })).toThrow(BtfError);
    const notFirst = saved.offsets.slice();
    notFirst[0] = 3;
    expect(() => Btf.parse(bytes, { index: { offsets: notFirst, names: saved.names } })).toThrow(BtfError);
    const short = saved.offsets.subarray(0, saved.offsets.length - 1);
    expect(() => Btf.parse(bytes, { index: { offsets: short, names: saved.names } })).toThrow(BtfError);
    const half = saved.names.subarray(0, saved.names.length / 2);
    expect(() => Btf.parse(bytes, { index: { offsets: saved.offsets, names: half } })).toThrow(BtfError);
  });

  it('a record the index did not sample, with a bad kind, stops the C dump with a BtfError at that record', () => {
    // The index checks a sample of records; the raw readers (the C printer) check every kind.
    const step = Math.floor(saved.offsets.length / 2048);
    expect(step).toBeGreaterThan(1);
    const i = Math.floor(step / 2); // between the first two samples
    const infoAt = bytes.readUInt32LE(4) + bytes.readUInt32LE(8) + saved.offsets[i] * 4 + 4;
    const bad = Buffer.from(bytes);
    bad[infoAt + 3] = (bad[infoAt + 3] & 0xe0) | 0x1f; // kind 31
    const odd = Btf.parse(bad, { index: { offsets: saved.offsets, names: saved.names } });
    let thrown: unknown;
    try {
      dumpC(odd);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(BtfError);
    expect((thrown as BtfError).message).toBe(`type [${i + 1}] has bad kind 31 (at byte ${infoAt})`);
    expect((thrown as BtfError).offset).toBe(infoAt);
  });

  it('a name table with wrong entries can miss but never gives a wrong type', () => {
    const scrambled = saved.names.slice().reverse();
    const odd = Btf.parse(bytes, { index: { offsets: saved.offsets, names: scrambled } });
    for (const n of ['task_struct', 'sk_buff', 'file', 'inode']) {
      const id = odd.findId(n, 'struct');
      if (id !== undefined) {
        expect(odd.nameOf(id)).toBe(n);
        expect(odd.kindOf(id)).toBe(Kind.STRUCT);
      }
    }
  });
});
