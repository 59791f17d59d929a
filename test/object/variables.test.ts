// Global variables of a clang-built object, after load: read and written through the kernel's
// memory-mapped data maps (and by lookup/update where mmap is off), typed by the object's BTF,
// checked against what the programs compute and against bpftool's BTF-formatted map dump.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { attachBySection, BpfObject, type LoadedObject, ReadonlyVariableError, RingBufReader } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { bpftoolPath, fixture } from '../support/object-fixtures.js';

const OBJECT = fixture('globals.bpf.o');
const packet = (len: number) => new Uint8Array(len + 14); // skb->len: the packet less its Ethernet header

/** Shared mappings of BPF maps this process holds (`anon_inode:bpf-map` lines of /proc/self/maps). */
const bpfMappings = () =>
  readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.includes('bpf-map')).length;

/** count_packets' return value, as the C computes it. */
function expected(
  len: number,
  g: { scale: bigint; mode: number; lo: number; hi: number; offsets: number[] },
): number {
  let v = g.mode === 1 ? BigInt(len) * g.scale : BigInt(len);
  if (g.mode === 2) {
    if (v < BigInt(g.lo)) v = BigInt(g.lo);
    if (v > BigInt(g.hi)) v = BigInt(g.hi);
  }
  return Number(BigInt.asUintN(32, v + BigInt(g.offsets[len & 3] as number)));
}

type Globals = {
  packets: bigint;
  last_len: number;
  total: bigint;
  scale: bigint;
  window: { lo: number; hi: number };
  offsets: number[];
  label: string;
  step: number;
  mode: number;
  target_tgid: number;
  events_seen: bigint;
  events_dropped: bigint;
};

kernelDescribe(
  'objects: global variables after load',
  ['prog_load', 'test_run', 'btf', 'tracepoints', 'ringbuf'],
  () => {
    for (const mmap of [true, false]) {
      describe(mmap ? 'through mmap' : 'through map lookup/update (mmap: false)', () => {
        it('a program counts in .bss; user space reads the counter; a .data write changes what the program computes', () => {
          const before = bpfMappings();
          const loaded = BpfObject.open(OBJECT).load<Globals>({ mmap });
          try {
            const v = loaded.variables;
            expect(v.packets.mapped).toBe(mmap);
            // .bss, .data and .rodata are each mapped once (or not at all).
            expect(bpfMappings() - before).toBe(mmap ? 3 : 0);
            expect((loaded.map('.bss').flags & (1 << 10)) !== 0).toBe(mmap); // BPF_F_MMAPABLE
            const prog = loaded.program('count_packets');
            const g = { scale: 3n, mode: 1, lo: 10, hi: 1000, offsets: [-1, 2, -3, 4] };
            expect(v.scale.get()).toBe(3n);
            expect(v.window.get()).toEqual({ lo: 10, hi: 1000 });
            expect(v.offsets.get()).toEqual([-1, 2, -3, 4]);
            expect(v.label.get()).toBe('globals');
            let total = 0n;
            for (const [i, len] of [50, 61, 7].entries()) {
              expect(prog.testRun({ data: packet(len) }).retval).toBe(expected(len, g));
              total += BigInt(len) * g.scale;
              expect(v.packets.get()).toBe(BigInt(i + 1));
              expect(v.last_len.get()).toBe(len);
            }
            expect(v.total.value).toBe(total);
            // User space writes .data; the next run sees it.
            v.scale.set(7n);
            v.offsets.value = [10, 20, 30, 40];
            Object.assign(g, { scale: 7n, offsets: [10, 20, 30, 40] });
            for (const len of [50, 61])
              expect(prog.testRun({ data: packet(len) }).retval).toBe(expected(len, g));
            // A counter written from user space and bumped by the program.
            v.packets.value = 1000n;
            prog.testRun({ data: packet(20) });
            expect(v.packets.get()).toBe(1001n);
            // Numbers for 32-bit and narrower, bigint for 64-bit.
            expect(typeof v.last_len.get()).toBe('number');
            expect(typeof v.total.get()).toBe('bigint');
          } finally {
            loaded.close();
          }
          expect(bpfMappings()).toBe(before); // close() unmapped everything
        });

        it('.rodata set before load changes the program; after load it is read-only (typed error, value kept)', () => {
          const obj = BpfObject.open(OBJECT).set('step', 5).set('mode', 'MODE_CLAMP');
          using loaded = obj.load<Globals>({ mmap });
          const v = loaded.variables;
          expect(v.step.get()).toBe(5);
          expect(v.mode.get()).toBe(2);
          expect(v.step.readonly).toBe(true);
          const prog = loaded.program('count_packets');
          const g = { scale: 3n, mode: 2, lo: 10, hi: 1000, offsets: [-1, 2, -3, 4] };
          for (const len of [3, 50, 2000])
            expect(prog.testRun({ data: packet(len) }).retval).toBe(expected(len, g));
          expect(v.packets.get()).toBe(15n); // three runs, each adding step = 5
          // Clamping reads .data's window: narrow it from user space.
          v.window.set({ hi: 40 });
          expect(v.window.get()).toEqual({ lo: 10, hi: 40 });
          expect(prog.testRun({ data: packet(50) }).retval).toBe(expected(50, { ...g, hi: 40 }));
          expect(() => v.step.set(9)).toThrow(ReadonlyVariableError);
          expect(() => v.step.set(9)).toThrow(/'step' is in \.rodata, frozen at load: set it before load/);
          expect(v.step.get()).toBe(5);
        });
      });
    }

    it('unknown names and values that do not fit are typed errors, and nothing is half-written', () => {
      using loaded = BpfObject.open(OBJECT).load();
      const v = loaded.variables;
      expect(() => v.pakets).toThrow(/no global variable 'pakets' \(did you mean 'packets'\?\)/);
      expect(() => loaded.variable('scael')).toThrow(/did you mean 'scale'/);
      expect(() => BpfObject.open(OBJECT).set('stpe', 1)).toThrow(/did you mean 'step'/);
      const w = loaded.variable('window');
      expect(() => w.set({ lo: 1, hii: 3 })).toThrow(
        /window: struct limits has no member 'hii' \(did you mean 'hi'\?\)/,
      );
      // lo is valid, hi is not: neither is written.
      expect(() => w.set({ lo: 1, hi: -1 })).toThrow(RangeError);
      expect(() => w.set({ lo: 1, hi: -1 })).toThrow(/window\.hi: -1 does not fit __u32/);
      expect(w.get()).toEqual({ lo: 10, hi: 1000 });
      expect(() => loaded.variable('offsets').set([1, 2, 3])).toThrow(
        /__s16\[4\] has 4 elements; got an array of 3/,
      );
      expect(() => loaded.variable('offsets').set([1, 2, 3, 40000])).toThrow(
        /offsets\[3\]: 40000 does not fit __s16/,
      );
      expect(() => loaded.variable('label').set('much too long')).toThrow(/char\[8\] holds 8/);
      expect(() => loaded.variable('bits').set({ b: -17 })).toThrow(
        /bits\.b: -17 does not fit a 5-bit field \(-16\.\.15\)/,
      );
      expect(() => loaded.variable('bits').set({ pairs: [{ lo: 1 }, { hi: 2, low: 3 }] })).toThrow(
        /bits\.pairs\[1\]: struct limits has no member 'low' \(did you mean 'lo'\?\)/,
      );
      expect(() => loaded.variable('scale').set('3' as never)).toThrow(TypeError);
      expect(() => BpfObject.open(OBJECT).set('mode', 'MODE_CLAMPED')).toThrow(
        /no value 'MODE_CLAMPED' \(did you mean 'MODE_CLAMP'\?\)/,
      );
      // Raw bytes of the right size are accepted too.
      loaded.variable('label').set(new TextEncoder().encode('raw\0\0\0\0\0'));
      expect(loaded.variable('label').get()).toBe('raw');
      // Iterating the record gives every variable.
      expect(Object.keys(v)).toEqual(expect.arrayContaining(['packets', 'scale', 'window', 'step', 'label']));
      loaded.close();
      expect(() => v.packets.get()).toThrow(/variable 'packets': its object is closed/);
    });

    it('a tracepoint program counts in .bss what it sends to the ringbuf; the counter and the records agree', async () => {
      using loaded = BpfObject.open(OBJECT).set('target_tgid', process.pid).load<Globals>();
      using link = await attachBySection(
        loaded.program('on_getppid'),
        loaded.specs.get('on_getppid')?.def as never,
      );
      using ring = RingBufReader.open(loaded.map('events'));
      const calls = 25;
      for (let i = 0; i < calls; i++) expect(process.ppid).toBeGreaterThan(0); // getppid(2)
      link.close();
      const seqs: bigint[] = [];
      ring.drain((rec) => {
        seqs.push(rec.getBigUint64(8, true));
      });
      const seen = loaded.variables.events_seen.get();
      expect(seen).toBeGreaterThanOrEqual(BigInt(calls));
      expect(loaded.variables.events_dropped.get()).toBe(0n);
      expect(BigInt(seqs.length)).toBe(seen);
      expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
    });

    it.skipIf(!bpftoolPath())(
      'every variable reads as bpftool prints the data maps through the same BTF',
      () => {
        const tool = bpftoolPath() as string;
        using loaded = BpfObject.open(OBJECT).set('mode', 'MODE_CLAMP').set('step', -3).load();
        loaded.program('count_packets').testRun({ data: packet(77) });
        loaded.variable('window').set({ lo: 7, hi: 70000 });
        loaded.variable('label').set('xyz'); // bpftool prints printable ASCII as a string, other bytes as numbers
        loaded.variable('bits').set({ b: 11, bytes: [9, 8, 7, 6] });
        const names: Record<string, string> = { 1: 'MODE_SCALE', 2: 'MODE_CLAMP' };
        // bpftool prints a bitfield's raw bits in hex and an anonymous member under the key "".
        const widths: Record<string, number> = { a: 3, b: 5, c: 24 };
        const asBpftool = (value: Record<string, unknown>) => {
          const out: Record<string, unknown> = {};
          const union: Record<string, unknown> = {};
          for (const [k, x] of Object.entries(value)) {
            if (k in widths)
              out[k] = `0x${BigInt.asUintN(widths[k] as number, BigInt(x as number)).toString(16)}`;
            else if (k === 'whole' || k === 'bytes') union[k] = x;
            else out[k] = x;
          }
          return { ...out, '': union };
        };
        let compared = 0;
        for (const section of ['.bss', '.data', '.rodata']) {
          const id = loaded.map(section).info().id;
          const dump = JSON.parse(
            execFileSync(tool, ['-j', 'map', 'dump', 'id', String(id)], { encoding: 'utf8' }),
          ) as {
            formatted: { value: Record<string, Record<string, unknown>[]> };
          }[];
          for (const entry of dump[0]?.formatted.value[section] ?? []) {
            for (const [name, theirs] of Object.entries(entry)) {
              const ours = loaded.variable(name).get();
              const json = JSON.parse(
                JSON.stringify(ours, (_, x) => (typeof x === 'bigint' ? Number(x) : x)),
              );
              const plain = name === 'mode' ? names[String(ours)] : name === 'bits' ? asBpftool(json) : json;
              expect(plain, `${section} ${name}`).toEqual(theirs);
              compared++;
            }
          }
        }
        expect(compared).toBe(15); // 7 in .bss, 5 in .data, 3 in .rodata
      },
    );
  },
);

/** Keeps the type-level API honest: these lines only need to compile. */
export function typed(loaded: LoadedObject<Globals>): void {
  const n: bigint = loaded.variables.packets.get();
  const w: { lo: number; hi: number } = loaded.variables.window.value;
  loaded.variables.window.set({ lo: 1, hi: 2 });
  const s: string = loaded.variable<string>('label').get();
  void [n, w, s];
}
