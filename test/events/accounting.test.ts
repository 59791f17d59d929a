// Exact accounting of the event readers: beside each reader, the producing program counts its
// hits and its refused outputs per CPU in the kernel; received + refused must equal hits exactly,
// with the producer pinned to each CPU in turn, at a ring size that holds the whole burst and at
// one where most is lost, for the ring buffer and for the perf buffer, read by drain() and by a
// subscription on the event loop's 1 ms clock.
import {
  attachTracepoint,
  type EventReader,
  onlineCpus,
  PerfBufReader,
  possibleCpus,
  RingBufReader,
} from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { onCpu } from '../support/affinity.js';
import { kernelDescribe } from '../support/kernel.js';
import { type AccountedProducer, accountedProducer } from './programs.js';

const BURST = 20_000;

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

type Kind = 'ringbuf' | 'perfbuf';

/** A producer for this process and its reader; `tight` makes the ring hold ~50 records. */
function setup(kind: Kind, tight: boolean): { p: AccountedProducer; reader: EventReader<DataView> } {
  const p = accountedProducer(kind, process.pid, {
    ringBytes: tight ? 4096 : 4 << 20, // 72 bytes a record: ~56, or all 20,000
    cpus: possibleCpus(),
  });
  try {
    // perf: 80 bytes a record: one 4 KiB page holds ~51; 512 pages hold all 20,000.
    const reader =
      kind === 'ringbuf' ? RingBufReader.open(p.out) : PerfBufReader.open(p.out, { pages: tight ? 1 : 512 });
    return { p, reader };
  } catch (err) {
    p.close();
    throw err;
  }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

kernelDescribe('event accounting: received + refused == hits', ['ringbuf', 'tracepoints'], () => {
  for (const kind of ['ringbuf', 'perfbuf'] as const)
    describe(kind, () => {
      for (const tight of [false, true])
        it(`${tight ? 'a ring where most is lost' : 'a ring that holds the burst'}: drain after detach, on every CPU`, () => {
          for (const cpu of onlineCpus()) {
            const { p, reader } = setup(kind, tight);
            try {
              const link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
              let received = 0;
              try {
                onCpu(cpu, () => getppid(BURST));
              } finally {
                link.close();
              }
              received += reader.settle(() => void 0);
              const hits = p.hits.perCpu();
              const failed = p.failed.perCpu();
              expect(hits[cpu], `CPU ${cpu}`).toBe(BURST);
              expect(received + p.failed.total(), `CPU ${cpu}`).toBe(p.hits.total());
              if (tight) {
                expect(failed[cpu], `CPU ${cpu}`).toBeGreaterThan(BURST / 2);
                expect(p.failed.total(), `CPU ${cpu}: refusals on its own CPU only`).toBe(failed[cpu]);
              } else expect(p.failed.total(), `CPU ${cpu}`).toBe(0);
              if (reader instanceof PerfBufReader) {
                // The kernel's own LOST records agree, once flushed: they are written before the
                // next record that fits, so one more call on that CPU brings the last count out.
                const l2 = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
                try {
                  onCpu(cpu, () => getppid(1));
                } finally {
                  l2.close();
                }
                received += reader.settle(() => void 0);
                expect(reader.lost, `CPU ${cpu}`).toBe(p.failed.total());
                expect(reader.lostPerCpu.find((r) => r.cpu === cpu)?.lost).toBe(reader.lost);
                expect(received + reader.lost).toBe(p.hits.total());
              }
            } finally {
              reader.close();
              p.close();
            }
          }
        });

      it('a subscription on the busy clock under a chunked burst, then stop: nothing unaccounted', async () => {
        for (const cpu of onlineCpus()) {
          const { p, reader } = setup(kind, false);
          try {
            const ac = new AbortController();
            let received = 0;
            const batches: number[] = [];
            reader.subscribe(() => void received++, {
              signal: ac.signal,
              batch: 4096,
              onBatch: (n) => void batches.push(n),
            });
            const link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
            try {
              // Chunks bigger than a batch, with the event loop free in between: the 1 ms clock
              // must keep reading past each cut at `batch` records.
              for (let i = 0; i < 10; i++) {
                onCpu(cpu, () => getppid(BURST / 2));
                await tick();
              }
            } finally {
              link.close();
            }
            ac.abort();
            received += reader.settle(() => void 0);
            expect(p.hits.total(), `CPU ${cpu}`).toBe(5 * BURST);
            expect(received + p.failed.total(), `CPU ${cpu}`).toBe(p.hits.total());
            expect(
              batches.some((n) => n === 4096),
              'batches were cut at 4096 and resumed',
            ).toBe(true);
          } finally {
            reader.close();
            p.close();
          }
        }
      });
    });
});
