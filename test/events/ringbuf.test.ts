// The ringbuf reader against the real kernel: a tracepoint program emits one record per getppid
// of this process; every form of reading (drain, subscribe, for await) must see each one, in
// order, and the consumer position must move only after a record was handed over.
import { attachTracepoint, type EventCodec, RingBufReader } from 'tsbpf';
import { object, u32 } from 'typed-binary';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { openatPathProducer, ringbufProducer } from './programs.js';

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

interface Rec {
  tgid: number;
  ktime: bigint;
  seq: number;
}
const rec: EventCodec<Rec> = {
  decode: (v, o) => ({
    tgid: v.getUint32(o + 4, true),
    ktime: v.getBigUint64(o + 8, true),
    seq: Number(v.getBigUint64(o + 16, true)),
  }),
};

kernelDescribe('ringbuf reader', ['ringbuf', 'tracepoints'], () => {
  it('drains every record, in order, zero-copy', () => {
    const p = ringbufProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      using reader = RingBufReader.open(p.ring);
      getppid(1000);
      expect(reader.pending).toBe(1000 * 72); // 64 bytes + 8-byte header each
      const seen: number[] = [];
      const n = reader.drain((view) => {
        expect(view.byteLength).toBe(64);
        expect(view.getUint32(4, true)).toBe(process.pid);
        seen.push(Number(view.getBigUint64(16, true)));
      });
      expect(n).toBe(1000);
      expect(seen).toEqual(Array.from({ length: 1000 }, (_, i) => i));
      expect(reader.pending).toBe(0);
      expect(reader.drain(() => {})).toBe(0);
    } finally {
      p.close();
    }
  });

  it('a record that wraps the ring end arrives intact (the data area is mapped once)', () => {
    for (const mode of ['view', 'codec', 'raw'] as const) {
      // 72 bytes a record in a 4 KiB ring: every lap ends in a record split across the end.
      const p = ringbufProducer(process.pid, 4096);
      try {
        using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
        using plain = RingBufReader.open(p.ring);
        using decoded = RingBufReader.open(p.ring, { decode: rec });
        const seen: number[] = [];
        for (let round = 0; round < 30; round++) {
          getppid(25);
          if (mode === 'codec')
            decoded.drain((r) => {
              expect(r.tgid).toBe(process.pid);
              seen.push(r.seq);
            });
          else if (mode === 'raw')
            plain.drainRaw((view, offset, length) => {
              expect(length).toBe(64);
              expect(view.getUint32(offset + 4, true)).toBe(process.pid);
              seen.push(Number(view.getBigUint64(offset + 16, true)));
            });
          else
            plain.drain((view) => {
              expect(view.byteLength).toBe(64);
              expect(view.getUint32(4, true)).toBe(process.pid);
              seen.push(Number(view.getBigUint64(16, true)));
            });
        }
        expect(seen).toEqual(Array.from({ length: 750 }, (_, i) => i));
        expect((mode === 'codec' ? decoded : plain).copied).toBeGreaterThan(0);
      } finally {
        p.close();
      }
    }
  });

  it('decodes with a codec or a typed-binary schema; a callback can stop a drain', () => {
    const p = ringbufProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      getppid(10);
      using a = RingBufReader.open(p.ring, { decode: rec });
      const first: Rec[] = [];
      expect(a.drain((r) => void first.push(r), 3)).toBe(3);
      expect(
        a.drain((r) => {
          first.push(r);
          return false; // stop after one
        }),
      ).toBe(1);
      expect(first.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
      expect(first.every((r) => r.tgid === process.pid)).toBe(true);
      a.close();
      // A second reader continues where the consumer position is (the kernel keeps it).
      const schema = object({ pid: u32, tgid: u32, ktimeLo: u32, ktimeHi: u32, seq: u32 });
      using b = RingBufReader.open(p.ring, { decode: schema });
      const rest: number[] = [];
      b.drain((r) => {
        expect(r.tgid).toBe(process.pid);
        rest.push(r.seq);
      });
      expect(rest).toEqual([4, 5, 6, 7, 8, 9]);
    } finally {
      p.close();
    }
  });

  it('wakes a subscriber from the event loop, and stops on abort', async () => {
    const p = ringbufProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      using reader = RingBufReader.open(p.ring, { decode: rec });
      const got: number[] = [];
      const ac = new AbortController();
      const done = new Promise<void>((resolve) => {
        reader.subscribe(
          (r) => {
            got.push(r.seq);
            if (got.length === 300) resolve();
          },
          { signal: ac.signal },
        );
      });
      setTimeout(() => getppid(100), 5);
      setTimeout(() => getppid(200), 20);
      await done;
      ac.abort();
      expect(got).toEqual(Array.from({ length: 300 }, (_, i) => i));
      getppid(5);
      await new Promise((r) => setTimeout(r, 20));
      expect(got).toHaveLength(300); // aborted: nothing more delivered
      expect(reader.pending).toBe(5 * 72);
    } finally {
      p.close();
    }
  });

  it('a busy stream is read on a clock, then a lone record wakes the subscriber again', async () => {
    const p = ringbufProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      using reader = RingBufReader.open(p.ring, { decode: rec });
      const got: number[] = [];
      let waiting: { n: number; resolve: () => void } | undefined;
      const until = (n: number) => new Promise<void>((resolve) => (waiting = { n, resolve }));
      const ac = new AbortController();
      reader.subscribe(
        (r) => {
          got.push(r.seq);
          if (waiting && got.length >= waiting.n) waiting.resolve();
        },
        { signal: ac.signal },
      );
      // Bursts well above the busy threshold, spread over several timer ticks.
      const bursts = until(3000);
      for (const at of [1, 3, 6]) setTimeout(() => getppid(1000), at);
      await bursts;
      // Quiet for a while, then one record: it must arrive by wake-up, not sit in the ring.
      await new Promise((r) => setTimeout(r, 30));
      const lone = until(3001);
      getppid(1);
      // A hang detector, not a timing test: without the wake-up the record would never come.
      await Promise.race([
        lone,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('the lone record never arrived')), 5000),
        ),
      ]);
      ac.abort();
      expect(got).toEqual(Array.from({ length: 3001 }, (_, i) => i));
    } finally {
      p.close();
    }
  });

  it('for await over a busy stream: every record in order, and a lone one after it still arrives', async () => {
    const p = ringbufProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      using reader = RingBufReader.open(p.ring, { decode: rec });
      const ac = new AbortController();
      const got: number[] = [];
      for (const at of [1, 3, 6]) setTimeout(() => getppid(1000), at);
      const hang = setTimeout(() => ac.abort(), 5000); // ends the loop if a wake-up is lost
      for await (const r of reader.records({ signal: ac.signal })) {
        got.push(r.seq);
        if (got.length === 3000) setTimeout(() => getppid(1), 30); // after a quiet spell
        if (got.length === 3001) break;
      }
      clearTimeout(hang);
      expect(got).toEqual(Array.from({ length: 3001 }, (_, i) => i));
    } finally {
      p.close();
    }
  });

  it('for await: the consumer moves on only when the next record is asked for', async () => {
    const p = ringbufProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      using reader = RingBufReader.open(p.ring, { decode: rec });
      const ac = new AbortController();
      setTimeout(() => getppid(50), 5);
      const seqs: number[] = [];
      for await (const r of reader.records({ signal: ac.signal })) {
        // While we hold record k, it and everything after it are still pending in the kernel.
        expect(reader.pending).toBe((50 - r.seq) * 72);
        seqs.push(r.seq);
        if (seqs.length === 50) ac.abort();
      }
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(reader.pending).toBe(0);
    } finally {
      p.close();
    }
  });

  it('delivers a tracepoint argument read by its field name (openat filename)', async () => {
    const p = openatPathProducer(process.pid);
    try {
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_openat');
      using reader = RingBufReader.open(p.ring);
      const names = ['/tmp/tsbpf-none-a', '/tmp/tsbpf-none-bb', '/tmp/tsbpf-none-ccc'];
      const { openSync } = await import('node:fs');
      for (const n of names) expect(() => openSync(n, 'r')).toThrow(/ENOENT/);
      const got: string[] = [];
      reader.drain((v) => {
        const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
        got.push(Buffer.from(bytes.subarray(0, bytes.indexOf(0))).toString());
      });
      expect(got.filter((g) => g.startsWith('/tmp/tsbpf-none-'))).toEqual(names);
    } finally {
      p.close();
    }
  });

  it('refuses a size that is not a power of two, and use after close', () => {
    expect(() => RingBufReader.open({ fd: 0, maxEntries: 3000 })).toThrow(
      /ringbuf size 3000 is not a power of two/,
    );
    expect(() => RingBufReader.open({ fd: 0, maxEntries: 2 ** 31 })).toThrow(
      /ringbuf size 2147483648 is over 1073741824 \(1 GiB\)/,
    );
    const p = ringbufProducer(process.pid);
    try {
      const r = RingBufReader.open(p.ring);
      r.close();
      r.close();
      expect(() => r.drain(() => {})).toThrow(/closed/);
    } finally {
      p.close();
    }
  });
});
