// The perf buffer reader against the real kernel: bpf_perf_event_output per getppid of this
// process; every record arrives (per-CPU rings), overflow is reported as lost records that add
// up with the received ones to exactly the number of calls, and wrapped records stay intact.
import { attachTracepoint, onlineCpus, PerfBufReader, possibleCpus } from 'tsbpf';
import { expect, it } from 'vitest';
import { openFds } from '../link/fds.js';
import { onCpu } from '../support/affinity.js';
import { kernelDescribe } from '../support/kernel.js';
import { perfbufProducer } from './programs.js';

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

const decode = {
  decode: (v: DataView, o: number, len: number) => ({
    tgid: v.getUint32(o + 4, true),
    ktime: v.getBigUint64(o + 8, true),
    len,
  }),
};

kernelDescribe('perf buffer reader', ['tracepoints'], () => {
  it('receives one sample per call, with the raw bytes the program wrote', () => {
    const before = openFds();
    const p = perfbufProducer(process.pid, possibleCpus());
    try {
      using reader = PerfBufReader.open(p.events, { decode });
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      getppid(500);
      const got: { tgid: number; ktime: bigint; len: number }[] = [];
      reader.drain((r) => void got.push(r));
      expect(got).toHaveLength(500);
      expect(reader.lost).toBe(0);
      // 16 bytes of data; the raw size is padded so header + u32 size + data is 8-byte aligned.
      expect(got.every((r) => r.tgid === process.pid && r.len === 20)).toBe(true);
      expect(onlineCpus()).toContain(reader.cpu);
    } finally {
      p.close();
    }
    expect(openFds()).toBe(before);
  });

  it('counts what overflows a small ring as lost, and handles records that wrap', () => {
    const p = perfbufProducer(process.pid, possibleCpus());
    try {
      // One 4 KiB page per CPU: 32-byte records (8 header + 4 size + 20 raw), ~128 fit.
      using reader = PerfBufReader.open(p.events, { decode, pages: 1 });
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      let received = 0;
      let total = 0;
      // Pinned to one CPU: a LOST count stays pending in the ring of the CPU that dropped the
      // records, so a thread that migrates could leave a count where the flush below cannot reach.
      onCpu(onlineCpus()[0] ?? 0, () => {
        // Fill, drain part, fill again: the second round's records wrap around the ring's end.
        for (const batch of [100, 3000, 77, 129, 1000]) {
          getppid(batch);
          total += batch;
          reader.drain((r) => {
            expect(r.tgid).toBe(process.pid);
            received++;
          });
        }
        // The kernel reports a loss in a LOST record written before the next record that fits:
        // one more call, once the ring has room, flushes the last count.
        getppid(1);
        total += 1;
        reader.drain(() => void received++);
      });
      expect(reader.lost).toBeGreaterThan(0);
      expect(received + reader.lost).toBe(total);
      expect(reader.copied).toBeGreaterThan(0); // some records did wrap, and decoded intact
    } finally {
      p.close();
    }
  });

  it('wakes a for-await loop and ends it on abort', async () => {
    const p = perfbufProducer(process.pid, possibleCpus());
    try {
      using reader = PerfBufReader.open(p.events, { decode });
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      const ac = new AbortController();
      setTimeout(() => getppid(40), 5);
      let n = 0;
      let last = 0n;
      for await (const r of reader.records({ signal: ac.signal })) {
        expect(r.tgid).toBe(process.pid);
        if (reader.cpu === 0 || reader.cpu > 0) last = r.ktime > last ? r.ktime : last;
        if (++n === 40) ac.abort();
      }
      expect(n).toBe(40);
      expect(last).toBeGreaterThan(0n);
    } finally {
      p.close();
    }
  });

  it('records that arrive before the wait is registered still end the wait', async () => {
    // Registering a perf fd with epoll polls it, which takes the pending wake-up: records
    // written between the reader's last look and that registration used to wait forever.
    const p = perfbufProducer(process.pid, possibleCpus());
    try {
      using reader = PerfBufReader.open(p.events, { decode });
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      const ac = new AbortController();
      const it = reader.records({ signal: ac.signal });
      const first = it.next(); // finds nothing, starts waiting (epoll registration still to come)
      getppid(40);
      let timer: NodeJS.Timeout | undefined;
      const stuck = new Promise<'stuck'>((resolve) => {
        timer = setTimeout(() => resolve('stuck'), 5000);
      });
      const r = await Promise.race([first, stuck]);
      clearTimeout(timer);
      expect(r).not.toBe('stuck');
      let n = 1;
      while (n < 40 && !(await it.next()).done) n++;
      expect(n).toBe(40);
      ac.abort();
      await it.return(undefined);
    } finally {
      p.close();
    }
  });

  it('rejects a page count that is not a power of two', () => {
    expect(() => PerfBufReader.open({ fd: 0, maxEntries: 2 }, { pages: 3 })).toThrow(
      /pages 3 is not a power of two/,
    );
  });
});
