// BpfMap's logic through a fake kernel (no root): errno mapping, key/value size checks when
// opening, iteration, batch updates, pin/openPinned and fromId/ids flows, fd ownership.
// The real-kernel behaviour is tested in test/kernel/maps.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as codecs from '../../src/codec.js';
import { BpfMap } from '../../src/map.js';
import { Cmd } from '../../src/sys/bpf.js';
import { BpfError, Errno } from '../../src/sys/errno.js';
import { withSyscallFunnel } from '../../src/sys/funnel.js';
import { MapType, UpdateFlags } from '../../src/sys/types.js';
import { FakeKernel } from '../support/fake-kernel.js';

let fake = new FakeKernel();
afterEach(() => {
  expect([...fake.fds.keys()], 'fds left open').toEqual([]);
  fake = new FakeKernel();
});

/** A test whose every bpf() call goes to the fake (objects made under a funnel are used under it). */
const fit = (name: string, body: () => void) => it(name, () => withSyscallFunnel(fake, body));
const hash = (name = 'counts') =>
  BpfMap.create({ type: 'hash', key: codecs.u32, value: codecs.u64n, maxEntries: 3, name });

describe('BpfMap logic (fake kernel)', () => {
  fit('get/set/has/delete: ENOENT is an answer, not an error', () => {
    using m = hash();
    expect(m.get(1)).toBeUndefined();
    expect(m.has(1)).toBe(false);
    m.set(1, 10).set(2, 20);
    expect(m.get(2)).toBe(20);
    expect(m.delete(2)).toBe(true);
    expect(m.delete(2)).toBe(false);
    expect(m.lookupAndDelete(1)).toBe(10);
    expect(m.lookupAndDelete(1)).toBeUndefined();
  });

  fit('maps an update errno to BpfError naming the command, the map and a hint', () => {
    using m = hash();
    m.set(1, 1);
    const err = (() => {
      try {
        m.set(1, 2, UpdateFlags.NOEXIST);
      } catch (e) {
        return e;
      }
    })() as BpfError;
    expect(err).toBeInstanceOf(BpfError);
    expect(err.errno).toBe(Errno.EEXIST);
    expect(err.message).toContain('BPF_MAP_UPDATE_ELEM');
    expect(err.message).toContain("map 'counts'");
    fake.fail(Cmd.MAP_UPDATE_ELEM, Errno.EINVAL);
    expect(() => m.set(3, 3, UpdateFlags.F_LOCK)).toThrow(/bad flags for this map type/);
    fake.fail(Cmd.MAP_LOOKUP_ELEM, Errno.EBADF);
    expect(() => m.get(1)).toThrow(/EBADF.*closed or not a BPF object/);
    expect(m.get(1)).toBe(1); // the failure was one call, the map still works
  });

  fit('passes the update flags through the prepared attr and back to 0', () => {
    using m = hash();
    m.set(1, 1);
    expect(() => m.set(2, 2, UpdateFlags.EXIST)).toThrow(BpfError);
    m.set(2, 2); // ANY again: the prepared attr's flags were reset
    expect(m.get(2)).toBe(2);
  });

  fit('a full map reports E2BIG with the map named', () => {
    using m = hash('full');
    m.set(1, 1).set(2, 2).set(3, 3);
    expect(() => m.set(4, 4)).toThrow(/E2BIG.*map 'full'|map 'full'.*E2BIG/);
  });

  fit('keys() walks GET_NEXT_KEY from the first key and survives deleting the current key', () => {
    using m = hash();
    m.set(5, 50).set(6, 60).set(7, 70);
    expect([...m.keys()]).toEqual([5, 6, 7]);
    expect([...m.entries()]).toEqual([
      [5, 50],
      [6, 60],
      [7, 70],
    ]);
    const seen: number[] = [];
    for (const k of m.keys()) {
      seen.push(k);
      m.delete(k);
    }
    expect(seen).toEqual([5, 6, 7]);
    expect([...m.keys()]).toEqual([]);
  });

  fit('keys() turns a failing GET_NEXT_KEY into BpfError', () => {
    using m = hash();
    m.set(1, 1);
    fake.fail(Cmd.MAP_GET_NEXT_KEY, Errno.EPERM);
    expect(() => [...m.keys()]).toThrow(/BPF_MAP_GET_NEXT_KEY/);
  });

  fit('updateBatch encodes every entry; the kernel count comes back', () => {
    using m = hash();
    expect(
      m.updateBatch([
        [1, 11],
        [2, 22],
      ]),
    ).toBe(2);
    expect(m.get(2)).toBe(22);
    expect(m.updateBatch([])).toBe(0);
  });

  fit('rejects a bad name before any syscall', () => {
    expect(() => BpfMap.create({ type: 'hash', maxEntries: 1, name: 'has space' })).toThrow(TypeError);
    expect(() => BpfMap.create({ type: 'hash', maxEntries: 1, name: 'x'.repeat(16) })).toThrow(
      /at most 15 characters/,
    );
    expect(fake.calls).toEqual([]);
  });

  fit('a failing MAP_CREATE names the map type and leaves no fd', () => {
    fake.fail(Cmd.MAP_CREATE, Errno.EINVAL);
    expect(() => hash()).toThrow(/BPF_MAP_CREATE.*hash map 'counts'|hash map 'counts'.*BPF_MAP_CREATE/);
  });

  fit('pin + openPinned: the same map, sizes checked against the codecs, fd closed on a mismatch', () => {
    const dir = mkdtempSync(join(tmpdir(), `tsbpf-fake-pin-${process.pid}-`));
    try {
      const path = join(dir, 'counts');
      using m = hash();
      m.set(1, 42);
      m.pin(path);
      using again = BpfMap.openPinned(path, { key: codecs.u32, value: codecs.u64n });
      expect(again.get(1)).toBe(42);
      expect(again.name).toBe('counts');
      expect(() => BpfMap.openPinned(path, { key: codecs.u32, value: codecs.u32 })).toThrow(
        /key\/value sizes 4\/8, the codecs given have 4\/4/,
      );
      expect(() => BpfMap.openPinned(path, { perCpu: true })).toThrow(/not a per-CPU map/);
      expect(() => BpfMap.openPinned(join(dir, 'none'))).toThrow(/no pinned object at that path/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  fit('fromId and ids: every map id, a per-CPU map must be opened as one', () => {
    const id = fake.addMap({
      type: MapType.percpu_array,
      keySize: 4,
      valueSize: 8,
      maxEntries: 4,
      flags: 0,
      name: 'pc',
    });
    using m = hash();
    const ids = [...BpfMap.ids()];
    expect(ids).toEqual([id, m.info().id]);
    expect(() => BpfMap.fromId(id)).toThrow(/open it with \{ perCpu: true \}/);
    using pc = BpfMap.fromId(id, { perCpu: true, value: codecs.u64n });
    expect(pc.perCpu).toBe(true);
    expect(pc.info()).toMatchObject({ typeName: 'percpu_array', keySize: 4, valueSize: 8, name: 'pc' });
    expect(() => BpfMap.fromId(999)).toThrow(/BPF_MAP_GET_FD_BY_ID/);
  });

  fit('a closed map says so instead of calling the kernel', () => {
    const m = hash();
    m.close();
    const before = fake.calls.length;
    expect(() => m.get(1)).toThrow(/map 'counts' is closed/);
    expect(fake.calls.length).toBe(before);
  });
});
