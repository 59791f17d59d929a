// Maps against the real kernel: every common type created and exercised.
import { mkdtempSync, rmSync } from 'node:fs';
import { BpfError, BpfMap, codecs, MapFlags, possibleCpus, UpdateFlags } from 'tsbpf';
import { bin } from 'typed-binary';
import { afterAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const { u32, u64, u64n, lpmKey } = codecs;

kernelDescribe('maps: hash and array', ['maps'], () => {
  it('hash: set/get/has/delete, NOEXIST/EXIST, iteration', () => {
    using m = BpfMap.create({ type: 'hash', key: u32, value: u64, maxEntries: 16, name: 'h1' });
    expect(m.get(1)).toBeUndefined();
    m.set(1, 10n).set(2, 20n).set(3, 30n);
    expect(m.get(2)).toBe(20n);
    expect(m.has(3)).toBe(true);
    expect(() => m.set(1, 11n, UpdateFlags.NOEXIST)).toThrow(/EEXIST/);
    expect(() => m.set(9, 90n, UpdateFlags.EXIST)).toThrow(/ENOENT/);
    expect(m.delete(2)).toBe(true);
    expect(m.delete(2)).toBe(false);
    expect([...m.keys()].sort()).toEqual([1, 3]);
    expect(new Map(m.entries())).toEqual(
      new Map([
        [1, 10n],
        [3, 30n],
      ]),
    );
    expect(m.lookupAndDelete(3)).toBe(30n);
    expect(m.get(3)).toBeUndefined();
  });

  it('hash full: E2BIG from the kernel as a BpfError naming the map', () => {
    using m = BpfMap.create({ type: 'hash', key: u32, value: u32, maxEntries: 2, name: 'tiny' });
    m.set(1, 1).set(2, 2);
    let err: unknown;
    try {
      m.set(3, 3);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).code).toBe('E2BIG');
    expect((err as BpfError).message).toContain("map 'tiny'");
  });

  it('array: zero-initialised, keys 0..max-1, delete is EINVAL', () => {
    using m = BpfMap.create({ type: 'array', key: u32, value: u64n, maxEntries: 4 });
    expect([...m.entries()]).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
      [3, 0],
    ]);
    m.set(2, 2 ** 40 + 5);
    expect(m.get(2)).toBe(2 ** 40 + 5);
    expect(m.get(4)).toBeUndefined();
    expect(() => m.delete(1)).toThrow(BpfError);
  });

  it('raw byte sizes and typed-binary schemas as key/value specs', () => {
    const Point = bin.object({ x: bin.u32, y: bin.i32 });
    using m = BpfMap.create({ type: 'hash', key: 4, value: Point, maxEntries: 4 });
    m.set(new Uint8Array([1, 2, 3, 4]), { x: 7, y: -9 });
    expect(m.get(new Uint8Array([1, 2, 3, 4]))).toEqual({ x: 7, y: -9 });
    expect([...m.keys()].map((k) => [...k])).toEqual([[1, 2, 3, 4]]);
    expect(() => m.set(new Uint8Array(3), { x: 0, y: 0 })).toThrow(RangeError);
  });

  it('lru hash evicts instead of failing', () => {
    using m = BpfMap.create({ type: 'lru_hash', key: u32, value: u32, maxEntries: 64 });
    for (let i = 0; i < 1000; i++) m.set(i, i);
    const n = [...m.keys()].length;
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThanOrEqual(64);
    expect(m.get(999)).toBe(999);
  });

  it('info() reports what the kernel holds; fromId reopens the same map', () => {
    using m = BpfMap.create({
      type: 'hash',
      key: u32,
      value: u64,
      maxEntries: 8,
      name: 'infotest',
      flags: MapFlags.NO_PREALLOC,
    });
    const info = m.info();
    expect(info).toMatchObject({
      typeName: 'hash',
      keySize: 4,
      valueSize: 8,
      maxEntries: 8,
      name: 'infotest',
      flags: MapFlags.NO_PREALLOC,
    });
    expect(info.id).toBeGreaterThan(0);
    expect([...BpfMap.ids()]).toContain(info.id);
    m.set(5, 55n);
    using again = BpfMap.fromId(info.id, { key: u32, value: u64 });
    expect(again.get(5)).toBe(55n);
    expect(again.fd).not.toBe(m.fd);
  });

  it('bad arguments: typed errors, not crashes', () => {
    expect(() => BpfMap.create({ type: 'nope' as 'hash', maxEntries: 1 })).toThrow(/unknown map type 'nope'/);
    expect(() => BpfMap.create({ type: 'hash', maxEntries: 1, name: 'way-too-long-name!' })).toThrow(
      /bad map name/,
    );
    let err: unknown;
    try {
      BpfMap.create({ type: 'hash', key: u32, value: u32, maxEntries: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).command).toBe('BPF_MAP_CREATE');
    expect((err as BpfError).code).toBe('EINVAL');
    expect((err as BpfError).hint).toMatch(/max_entries/);
  });

  it('close is idempotent; a closed map says so', () => {
    const m = BpfMap.create({ type: 'array', key: u32, value: u32, maxEntries: 1, name: 'closeme' });
    m.close();
    m.close();
    expect(m.closed).toBe(true);
    expect(() => m.get(0)).toThrow(/map 'closeme' is closed/);
  });
});

kernelDescribe('maps: batch ops and freeze', ['maps'], () => {
  it('updateBatch / lookupBatch / deleteBatch / drainBatch on a hash of 10k', () => {
    using m = BpfMap.create({ type: 'hash', key: u32, value: u64n, maxEntries: 10_000 });
    const entries: [number, number][] = [];
    for (let i = 0; i < 10_000; i++) entries.push([i, i * 3]);
    expect(m.updateBatch(entries)).toBe(10_000);
    const seen = new Map(m.entriesBatch({ chunk: 777 }));
    expect(seen.size).toBe(10_000);
    for (const [k, v] of seen) expect(v).toBe(k * 3);
    let chunks = 0;
    expect(m.lookupBatchRaw(() => void chunks++, { chunk: 1024 })).toBe(10_000);
    expect(chunks).toBeGreaterThanOrEqual(10);
    expect(m.deleteBatch([1, 2, 3])).toBe(3);
    expect(m.get(2)).toBeUndefined();
    const drained = m.drainBatch({ chunk: 4096 });
    expect(drained.length).toBe(9_997);
    expect([...m.keys()]).toEqual([]);
  });

  it('array batch lookup returns every index in order', () => {
    using m = BpfMap.create({ type: 'array', key: u32, value: u32, maxEntries: 100 });
    m.updateBatch(Array.from({ length: 100 }, (_, i) => [i, 1000 + i] as [number, number]));
    expect([...m.entriesBatch({ chunk: 30 })]).toEqual(Array.from({ length: 100 }, (_, i) => [i, 1000 + i]));
  });

  it('freeze makes the map read-only from user space', () => {
    using m = BpfMap.create({ type: 'array', key: u32, value: u32, maxEntries: 2 });
    m.set(0, 42);
    m.freeze();
    expect(m.get(0)).toBe(42);
    expect(() => m.set(0, 1)).toThrow(/EPERM/);
  });
});

kernelDescribe('maps: per-CPU', ['maps'], () => {
  it('percpu array: one value per possible CPU, 8-byte slots', () => {
    const n = possibleCpus();
    using m = BpfMap.create({ type: 'percpu_array', key: u32, value: u32, maxEntries: 2 });
    expect(m.get(0)).toEqual(new Array(n).fill(0));
    const vals = Array.from({ length: n }, (_, i) => 100 + i);
    m.set(1, vals);
    expect(m.get(1)).toEqual(vals);
    expect(() => m.set(0, [1])).toThrow(/possible CPUs/);
    expect(m.info().valueSize).toBe(4);
  });

  it('percpu hash and lru percpu hash, with batch lookup', () => {
    const n = possibleCpus();
    for (const type of ['percpu_hash', 'lru_percpu_hash'] as const) {
      using m = BpfMap.create({ type, key: u32, value: u64, maxEntries: 8 });
      m.set(
        7,
        Array.from({ length: n }, (_, i) => BigInt(i + 1)),
      );
      expect(m.get(7)).toEqual(Array.from({ length: n }, (_, i) => BigInt(i + 1)));
      expect([...m.entriesBatch()]).toEqual([[7, Array.from({ length: n }, (_, i) => BigInt(i + 1))]]);
    }
  });
});

kernelDescribe('maps: queue, stack, bloom filter, LPM trie', ['maps'], () => {
  it('queue is FIFO, stack is LIFO; peek does not remove', () => {
    using q = BpfMap.create({ type: 'queue', value: u32, maxEntries: 8 });
    using s = BpfMap.create({ type: 'stack', value: u32, maxEntries: 8 });
    for (const v of [1, 2, 3]) {
      q.push(v);
      s.push(v);
    }
    expect(q.peek()).toBe(1);
    expect([q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([1, 2, 3, undefined]);
    expect(s.peek()).toBe(3);
    expect([s.pop(), s.pop(), s.pop(), s.pop()]).toEqual([3, 2, 1, undefined]);
  });

  it('bloom filter: members always found, most non-members not', () => {
    using b = BpfMap.create({ type: 'bloom_filter', value: u32, maxEntries: 1000, mapExtra: 3 });
    for (let i = 0; i < 100; i++) b.push(i * 7);
    for (let i = 0; i < 100; i++) expect(b.mayContain(i * 7)).toBe(true);
    let falsePositives = 0;
    for (let i = 0; i < 1000; i++) if (b.mayContain(1_000_000 + i)) falsePositives++;
    expect(falsePositives).toBeLessThan(100);
  });

  it('LPM trie: longest prefix wins', () => {
    using t = BpfMap.create({
      type: 'lpm_trie',
      key: lpmKey(4),
      value: u32,
      maxEntries: 16,
      flags: MapFlags.NO_PREALLOC,
    });
    const ip = (s: string) => new Uint8Array(s.split('.').map(Number));
    t.set({ prefixLen: 8, data: ip('10.0.0.0') }, 8);
    t.set({ prefixLen: 16, data: ip('10.1.0.0') }, 16);
    t.set({ prefixLen: 24, data: ip('10.1.2.0') }, 24);
    expect(t.get({ prefixLen: 32, data: ip('10.1.2.3') })).toBe(24);
    expect(t.get({ prefixLen: 32, data: ip('10.1.9.9') })).toBe(16);
    expect(t.get({ prefixLen: 32, data: ip('10.9.9.9') })).toBe(8);
    expect(t.get({ prefixLen: 32, data: ip('11.0.0.1') })).toBeUndefined();
    const keys = [...t.keys()].map((k) => k.prefixLen).sort((a, b) => a - b);
    expect(keys).toEqual([8, 16, 24]);
  });
});

kernelDescribe(
  'maps: map-in-map, prog array, perf event array, ringbuf, stack trace',
  ['maps', 'ringbuf'],
  () => {
    it('array of maps and hash of maps hold maps; lookups return inner map ids', () => {
      using inner = BpfMap.create({ type: 'array', key: u32, value: u32, maxEntries: 4, name: 'inner' });
      using other = BpfMap.create({ type: 'array', key: u32, value: u32, maxEntries: 4, name: 'other' });
      using outer = BpfMap.create({ type: 'array_of_maps', key: u32, maxEntries: 2, innerMap: inner });
      using hom = BpfMap.create({ type: 'hash_of_maps', key: u32, maxEntries: 2, innerMap: inner });
      outer.set(0, inner);
      outer.set(1, other.fd);
      hom.set(42, other);
      expect(outer.get(0)).toBe(inner.info().id);
      expect(outer.get(1)).toBe(other.info().id);
      expect(hom.get(42)).toBe(other.info().id);
      other.set(3, 33);
      using reopened = BpfMap.fromId(hom.get(42) as number, { key: u32, value: u32 });
      expect(reopened.get(3)).toBe(33);
      using wrongShape = BpfMap.create({ type: 'hash', key: u32, value: u32, maxEntries: 4 });
      expect(() => outer.set(0, wrongShape)).toThrow(BpfError);
    });

    it('perf event array, prog array, cgroup array, stack trace, ringbuf: created with the right shape', () => {
      using pea = BpfMap.create({ type: 'perf_event_array', maxEntries: possibleCpus() });
      expect(pea.info()).toMatchObject({ typeName: 'perf_event_array', keySize: 4, valueSize: 4 });
      using pa = BpfMap.create({ type: 'prog_array', maxEntries: 4 });
      expect(pa.get(0)).toBeUndefined();
      using st = BpfMap.create({ type: 'stack_trace', key: u32, value: 8 * 16, maxEntries: 16 });
      expect(st.get(1)).toBeUndefined();
      using rb = BpfMap.create({ type: 'ringbuf', maxEntries: 4096 * 4, name: 'events' });
      expect(rb.info()).toMatchObject({ typeName: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 16384 });
      expect(() => BpfMap.create({ type: 'ringbuf', maxEntries: 1000 })).toThrow(/EINVAL/);
    });

    it('the rest of the enum by name (types this kernel can make without BTF)', () => {
      const made: string[] = [];
      for (const [type, key, value, max, flags] of [
        ['devmap', 4, 4, 1, 0],
        ['devmap_hash', 4, 4, 1, 0],
        ['sockmap', 4, 4, 1, 0],
        ['sockhash', 4, 4, 1, 0],
        ['cpumap', 4, 4, 1, 0],
        ['xskmap', 4, 4, 1, 0],
        ['cgroup_array', 4, 4, 1, 0],
        ['reuseport_sockarray', 4, 4, 1, 0],
        ['cgroup_storage', 16, 8, 0, 0],
        ['user_ringbuf', 0, 0, 4096, 0],
      ] as const) {
        using m = BpfMap.create({ type, key, value, maxEntries: max, flags });
        expect(m.info().typeName).toBe(type);
        made.push(type);
      }
      expect(made.length).toBe(10);
    });
  },
);

const pinDir = `/sys/fs/bpf/tsbpf-test-${process.pid}`;
kernelDescribe('maps: pin and openPinned', ['maps', 'bpffs'], () => {
  afterAll(() => rmSync(pinDir, { recursive: true, force: true }));
  it('pins under /sys/fs/bpf (mounting it if needed) and reopens', () => {
    const path = `${pinDir}/sub/counts`;
    {
      using m = BpfMap.create({ type: 'hash', key: u32, value: u64, maxEntries: 4, name: 'pinned' });
      m.set(1, 100n);
      m.pin(path);
    }
    using again = BpfMap.openPinned(path, { key: u32, value: u64 });
    expect(again.name).toBe('pinned');
    expect(again.get(1)).toBe(100n);
    expect(() => BpfMap.openPinned(path, { key: u32, value: u32 })).toThrow(/sizes 4\/8/);
    expect(() => BpfMap.openPinned(`${pinDir}/missing`)).toThrow(/ENOENT.*no pinned object/);
  });

  it('pinning outside bpffs is a BpfError with a hint', () => {
    const dir = mkdtempSync('/tmp/tsbpf-pin-');
    using m = BpfMap.create({ type: 'array', key: u32, value: u32, maxEntries: 1 });
    try {
      expect(() => m.pin(`${dir}/x`)).toThrow(/bpffs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
