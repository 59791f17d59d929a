// User stacks on the real kernel: a uprobe in the innermost function of a C fixture (PIE, so the
// load bias matters) records its user stack, and the symbolizer names every frame in order. The
// process has exited before the stacks are symbolized: its maps were captured at first sight.
import { Tracer } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { nestedFixture, startNested } from './fixture.js';

kernelDescribe('user stacks', ['uprobes'], () => {
  it('a uprobe on the innermost function: inner, middle, outer, main, in order; the process gone', async () => {
    const bin = nestedFixture();
    using tracer = new Tracer();
    const probe = tracer.probe(`uprobe:${bin}:stack_inner_body`, (p) =>
      p.emit({ pid: p.pid(), stack: p.ustack() }),
    );
    const seen: { pid: number; stack: number }[] = [];
    probe.on((e) => {
      seen.push(e);
      tracer.symbolizer.forPid(e.pid); // first sight: the maps are captured now
    });
    await tracer.start();
    const t = await startNested(3);
    // The events arrive while the process waits; it exits right after the calls.
    tracer.symbolizer.forPid(t.pid);
    expect(await t.go()).not.toBe('');
    tracer.drain();
    expect(seen.length).toBe(3);
    for (const e of seen) {
      expect(e.pid).toBe(t.pid);
      const frames = tracer.frames(e.stack, { pid: e.pid });
      const names = frames.map((f) => f.symbol);
      expect(names.slice(0, 4)).toEqual(['stack_inner', 'stack_middle', 'stack_outer', 'main']);
      // The probe sits on stack_inner_body, a label just past stack_inner's prologue (4 bytes).
      expect(frames[0]?.offset).toBe(7n);
      for (const f of frames.slice(0, 4)) {
        expect(f.kind).toBe('native');
        expect(f.module).toBe(bin);
      }
      // Below main: libc's start-up code, named or shown as module+offset, never a bare address.
      for (const f of frames.slice(4)) expect(f.symbol ?? f.module).toMatch(/\S/);
    }
    expect(tracer.ustack(t.pid, seen[0]?.stack as number).slice(0, 4)).toEqual([
      'stack_inner+0x7',
      expect.stringMatching(/^stack_middle\+0x[0-9a-f]+$/),
      expect.stringMatching(/^stack_outer\+0x[0-9a-f]+$/),
      expect.stringMatching(/^main\+0x[0-9a-f]+$/),
    ]);
  });
});
