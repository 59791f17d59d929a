// Exact accounting through the Tracer: each probe counts its hits in the kernel (`p.count`)
// before it emits, so delivered + lost() must equal that count exactly — after run() ends, after
// stop(), after close() — with the producer (this thread) pinned to each CPU in turn, at the
// default ring size (which holds the burst: nothing may be lost) and at 4 KiB (most is lost).
import { onlineCpus, Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { onCpu } from '../support/affinity.js';
import { kernelDescribe } from '../support/kernel.js';

const TP = 'tracepoint:syscalls:sys_enter_getppid';
/** More than the 16,384 records run() used to read at its end; 40 bytes each fit in 8 MiB. */
const BURST = 50_000;

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

function tracer(ringbufBytes?: number) {
  const lostSeen: number[] = [];
  const t = new Tracer({ pid: process.pid, ringbufBytes, onLost: (n) => void lostSeen.push(n) });
  let delivered = 0;
  t.probe(TP, (p) => {
    p.count('hits');
    return p.emit({ pid: p.pid() });
  }).on(() => void delivered++);
  return { t, delivered: () => delivered, lostSeen, hits: () => t.aggregation('hits').total() };
}

kernelDescribe('Tracer accounting: delivered + lost == hits', ['tracepoints', 'ringbuf'], () => {
  it('the end of run() delivers every record committed before it, on every CPU', async () => {
    for (const cpu of onlineCpus()) {
      const x = tracer();
      try {
        await x.t.start();
        onCpu(cpu, () => getppid(BURST));
        await x.t.run({ signal: AbortSignal.abort() });
        expect(x.hits(), `CPU ${cpu}`).toBe(BURST);
        expect(x.t.lost(), `CPU ${cpu}`).toBe(0);
        expect(x.delivered(), `CPU ${cpu}`).toBe(BURST);
      } finally {
        x.t.close();
      }
    }
  });

  it('close() without stop() detaches first, then delivers what is left in the ring', async () => {
    const x = tracer();
    await x.t.start();
    getppid(BURST);
    const hits = x.hits();
    x.t.close();
    expect(hits).toBe(BURST);
    expect(x.delivered()).toBe(BURST);
  });

  it('a 4 KiB ring: most is lost, counted per CPU where it happened, and reported to onLost', async () => {
    for (const cpu of onlineCpus()) {
      const x = tracer(4096);
      try {
        await x.t.start();
        onCpu(cpu, () => getppid(BURST));
        await x.t.run({ signal: AbortSignal.abort() });
        onCpu(cpu, () => getppid(BURST)); // after run(): stop() must account for these too
        x.t.stop();
        const lost = x.t.lost();
        const perCpu = x.t.lostPerCpu();
        expect(x.hits(), `CPU ${cpu}`).toBe(2 * BURST);
        expect(x.delivered() + lost, `CPU ${cpu}`).toBe(2 * BURST);
        expect(lost, `CPU ${cpu}`).toBeGreaterThan(BURST);
        expect(perCpu[cpu], `CPU ${cpu}`).toBe(lost);
        expect(x.lostSeen.reduce((a, b) => a + b, 0)).toBe(lost);
        getppid(10); // detached: no more hits, nothing more delivered
        expect(x.hits()).toBe(2 * BURST);
      } finally {
        x.t.close();
      }
    }
  });
});

kernelDescribe('Tracer accounting: keyed maps', ['tracepoints'], () => {
  it('an update a full map refuses is counted in dropped(): counts + dropped == hits', async () => {
    using t = new Tracer({ pid: process.pid, maxEntries: 8 });
    t.probe(TP, (p) => {
      p.count('hits');
      p.count('by_time', [p.ktime()]); // a new key each call: the map fills after 8
      p.map('last').set(p.ktime(), p.pid()); // the same for a stored value
    });
    await t.start();
    getppid(100);
    t.stop();
    const hits = t.aggregation('hits').total();
    const counted = t.aggregation('by_time').total();
    expect(hits).toBe(100);
    expect(counted).toBe(8);
    // 92 refused counts, and 92 refused stores.
    expect(t.dropped()).toBe(2 * (hits - counted));
  });
});
