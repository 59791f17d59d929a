// Runs inside the qemu guest (Debian's 6.1 kernel): exact event accounting under a burst on an
// older kernel, through a real kprobe as well as the syscall tracepoint. Each probe counts its
// hits in the kernel before it emits: delivered + lost must equal that count, with the burst
// pinned to each CPU in turn, at the default ring (it holds the burst: 0 lost) and at 4 KiB
// (most lost, all of it on the burst's CPU).
import { onlineCpus, Tracer } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { onCpu } from '../support/affinity.js';

/** Small: the guest is emulated (TCG), a getppid costs microseconds. */
const BURST = 5000;

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

describe('event accounting on the 6.1 kernel', () => {
  for (const spec of ['tracepoint:syscalls:sys_enter_getppid', 'kprobe:__x64_sys_getppid'])
    for (const ringbufBytes of [undefined, 4096])
      it(`${spec}, ${ringbufBytes ? '4 KiB ring' : 'default ring'}: delivered + lost == hits on every CPU`, async () => {
        for (const cpu of onlineCpus()) {
          let delivered = 0;
          let reported = 0;
          const t = new Tracer({
            pid: process.pid,
            ringbufBytes,
            fallback: false,
            onLost: (n) => {
              reported += n;
            },
          });
          try {
            t.probe(spec, (p) => {
              p.count('hits');
              return p.emit({ pid: p.pid() });
            }).on(() => void delivered++);
            await t.start();
            onCpu(cpu, () => getppid(BURST));
            await t.run({ signal: AbortSignal.abort() });
            t.stop();
            const hits = t.aggregation('hits').total();
            const lost = t.lost();
            expect(hits, `CPU ${cpu}`).toBe(BURST);
            expect(delivered + lost, `CPU ${cpu}`).toBe(hits);
            expect(reported, `CPU ${cpu}`).toBe(lost);
            if (ringbufBytes) {
              expect(lost, `CPU ${cpu}`).toBeGreaterThan(BURST / 2);
              expect(t.lostPerCpu()[cpu], `CPU ${cpu}`).toBe(lost);
            } else expect(lost, `CPU ${cpu}`).toBe(0);
          } finally {
            t.close();
          }
        }
      });
});
