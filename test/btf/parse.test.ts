// Parsing and `format raw`: goldens made by bpftool (scripts/btf-fixtures.sh), and vmlinux itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Btf, BtfError, formatRaw } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { bpftool, fixture, hasVmlinux, VMLINUX } from './support.js';

describe('BTF parsing, raw format', () => {
  it('a clang-made BTF with every kind prints exactly as bpftool prints it', () => {
    const btf = Btf.parse(fixture('types.btf'));
    expect(formatRaw(btf)).toBe(fixture('types.raw').toString());
  });

  it('split BTF on top of a base: ids and strings continue, as bpftool -B prints it', () => {
    const base = Btf.parse(fixture('types.btf'));
    const split = Btf.parse(fixture('split.btf'), { base });
    expect(split.firstId).toBe(base.typeCount);
    expect(formatRaw(split)).toBe(fixture('split.raw').toString());
    // Base types resolve through the split BTF, names look up across both.
    expect(split.find('node', 'struct')?.id).toBe(base.findId('node', 'struct'));
    expect(split.find('module_state', 'struct')?.kind).toBe('struct');
    expect(split.findAll('module_state_t').map((t) => t.id)).toEqual([split.firstId + 2]);
  });

  it('finds types by name and kind through the index, agreeing with a full scan', () => {
    const btf = Btf.parse(fixture('types.btf'));
    for (let id = 1; id < btf.typeCount; id++) {
      const t = btf.type(id);
      if (!t.name) continue;
      const scan = [];
      for (let j = 1; j < btf.typeCount; j++)
        if (btf.nameOf(j) === t.name && btf.type(j).kind === t.kind) scan.push(j);
      expect(btf.findAll(t.name, t.kind).map((x) => x.id)).toEqual(scan);
      expect(btf.findId(t.name, t.kind)).toBe(scan[0]);
    }
    expect(btf.find('no_such_type')).toBeUndefined();
  });

  it('decodes every kind into typed records', () => {
    const btf = Btf.parse(fixture('types.btf'));
    const big = btf.find('big', 'enum64');
    expect(big).toMatchObject({
      kind: 'enum64',
      size: 8,
      values: [
        { name: 'BIG_SMALL', value: 1n },
        { name: 'BIG_HUGE', value: 0xffffffffffffn },
      ],
    });
    const color = btf.find('color', 'enum');
    expect(color).toMatchObject({ signed: true, values: [{ value: 0 }, { value: 5 }, { value: -1 }] });
    const flags = btf.find('flags', 'struct');
    expect(
      flags?.kind === 'struct' && flags.members.map((m) => [m.name, m.bitOffset, m.bitfieldSize]),
    ).toEqual([
      ['a', 0, 3],
      ['b', 3, 5],
      ['c', 8, 12],
      ['d', 20, 40],
      ['tail', 64, 0],
    ]);
    expect(btf.find('walk', 'func')).toMatchObject({ linkage: 'global' });
    expect(btf.findAll('entry', 'decl_tag')[0]).toMatchObject({ componentIdx: -1 });
    expect(btf.find('user', 'type_tag')).toMatchObject({ kind: 'type_tag' });
    expect(btf.find('counter', 'var')).toMatchObject({ linkage: 'global' });
    expect(btf.find('double', 'float')).toMatchObject({ size: 8 });
  });

  it.runIf(hasVmlinux)('parses every type of the running kernel', () => {
    const btf = Btf.parse(readFileSync(VMLINUX));
    const kinds = new Map<string, number>();
    for (const id of btf.ids()) {
      const k = btf.type(id).kind;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    expect(btf.typeCount).toBeGreaterThan(10_000);
    for (const k of ['int', 'ptr', 'struct', 'union', 'enum', 'func', 'func_proto', 'var', 'datasec'])
      expect(kinds.get(k)).toBeGreaterThan(0);
    expect(btf.find('task_struct', 'struct')?.kind).toBe('struct');
  });

  it.runIf(hasVmlinux && bpftool !== undefined)(
    'vmlinux in raw format equals bpftool byte for byte (count included)',
    () => {
      const theirs = execFileSync(bpftool as string, ['btf', 'dump', 'file', VMLINUX, 'format', 'raw'], {
        maxBuffer: 1 << 30,
      }).toString();
      const btf = Btf.parse(readFileSync(VMLINUX));
      const ours = formatRaw(btf);
      expect(ours.match(/^\[/gm)?.length).toBe(theirs.match(/^\[/gm)?.length);
      expect(ours === theirs).toBe(true);
    },
  );
  it.skipIf(hasVmlinux && bpftool !== undefined)(
    'vmlinux raw vs bpftool: skipped, bpftool or /sys/kernel/btf/vmlinux absent (the fixture goldens above still run)',
    () => {},
  );

  it('rejects bad input with BtfError and a byte offset', () => {
    const good = new Uint8Array(fixture('types.btf'));
    const bad = (mutate: (b: Uint8Array) => Uint8Array, where: number, what: RegExp) => {
      const b = mutate(good.slice());
      let err: unknown;
      try {
        const btf = Btf.parse(b);
        for (const id of btf.ids()) btf.type(id);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BtfError);
      expect((err as BtfError).offset).toBe(where);
      expect((err as BtfError).message).toMatch(what);
    };
    bad((b) => b.subarray(0, 10), 0, /truncated header/);
    bad(
      (b) => {
        b[0] = 0;
        return b;
      },
      0,
      /bad magic/,
    );
    bad((b) => b.subarray(0, b.length - 100), 16, /past end/);
    // First type's kind byte (type section starts at 24): kind 31 does not exist.
    bad(
      (b) => {
        b[24 + 7] = 31;
        return b;
      },
      28,
      /bad kind 31/,
    );
    // First type's name offset beyond the string table.
    const setWord = (at: number, v: number) => (b: Uint8Array) => {
      new DataView(b.buffer).setUint32(at, v, true);
      return b;
    };
    bad(setWord(24, 0xfffffff), 24, /name offset .* out of range/);
    // First type is PTR -> 2; point it at a type that does not exist.
    bad(setWord(32, 99999), 32, /type id 99999, out of range/);
  });
});
