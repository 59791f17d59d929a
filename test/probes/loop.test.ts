// p.loop(n, body): a bounded loop, unrolled so every verifier (this kernel's, and 6.1's in the VM
// suite) accepts it. Checked against argv.strings() and against what the test itself ran.
import { Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { loopArgv } from '../support/loop-argv.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

kernelDescribe('p.loop()', ['tracepoints', 'ringbuf', 'btf'], () => {
  it("breakIf at argv's NULL: one record per argument, the same strings as argv.strings()", async () => {
    const marker = `tsbpf-loop-${process.pid}`;
    const r = await loopArgv(marker, ['two words', '-x', '']);
    expect(r.listed).toEqual(['/bin/echo', marker, 'two words', '-x', '']);
    expect(r.looped).toEqual(r.listed.map((s, i) => ({ i, s })));
  });

  it('continueIf skips the rest of an iteration: unlinkat(AT_FDCWD, path, 0) counts args 0 and 1, never 2', async () => {
    using t = new Tracer({ comm: RM_COMM });
    t.probe('tracepoint:raw_syscalls:sys_enter', (p) => {
      p.filter(p.arg('id').eq(263)); // __NR_unlinkat on x86-64
      const args = p.arg('args');
      p.loop(3, (i, loop) => {
        loop.continueIf(args.at(i).eq(0));
        p.count('nonzero', p.constant(i));
      });
    });
    await t.start();
    removeFiles(5);
    t.drain();
    const counts = new Map(
      t
        .aggregation('nonzero')
        .entries()
        .map((e) => [Number(e.key), Number(e.value)]),
    );
    expect(counts).toEqual(
      new Map([
        [0, 5],
        [1, 5],
      ]),
    );
  });

  it('nested loops: a break leaves its own loop only', async () => {
    using t = new Tracer({ comm: RM_COMM });
    t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => {
      p.loop(3, (i) => {
        p.loop(4, (j, inner) => {
          inner.breakIf(p.constant(j).ge(i + 1)); // inner runs j = 0..i
          p.count('pairs', p.constant(i * 10 + j));
        });
      });
    });
    await t.start();
    removeFiles(2);
    t.drain();
    const keys = t
      .aggregation('pairs')
      .entries()
      .map((e) => [Number(e.key), Number(e.value)])
      .sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(keys).toEqual([0, 10, 11, 20, 21, 22].map((k) => [k, 2]));
  });

  it('bad loops are refused with what is wrong', async () => {
    const cases: [(p: Parameters<Parameters<Tracer['probe']>[1]>[0]) => unknown, RegExp][] = [
      [(p) => p.loop(0, () => {}), /loop\(0\): the count must be an integer in 1\.\.256/],
      [(p) => p.loop(257, () => {}), /loop\(257\)/],
      [
        (p) => {
          let saved: { breakIf(c: unknown): void } | undefined;
          p.loop(2, (_i, l) => {
            saved = l;
          });
          saved?.breakIf(p.pid().eq(1));
        },
        /breakIf\(\) called after its loop ended/,
      ],
    ];
    for (const [body, re] of cases) {
      using t = new Tracer();
      await expect(
        (async () => {
          t.probe('tracepoint:syscalls:sys_enter_getppid', body as never);
          await t.start();
        })(),
      ).rejects.toThrow(re);
    }
  });
});
