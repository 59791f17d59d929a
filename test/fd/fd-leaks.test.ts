// No fd leaks: 10,000 create/close cycles and every error path leave /proc/self/fd unchanged, and
// an object dropped without close() is closed by the finalizer.
import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BpfError, BpfMap, codecs, Program, UnresolvedReferenceError, VerifierError } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const fdCount = () => readdirSync('/proc/self/fd').length;
const RET0 = new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
const BAD = new Uint8Array([0xbf, 0x20, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]); // r0 = r2; exit

/** A real gc(): --expose-gc set at run time takes effect in new contexts. */
function getGc(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

kernelDescribe('fd ownership', ['maps', 'prog_load'], () => {
  it('10,000 maps and 10,000 programs created and closed: fd count unchanged', () => {
    const before = fdCount();
    for (let i = 0; i < 10_000; i++) {
      const m = BpfMap.create({ type: 'array', key: codecs.u32, value: codecs.u32, maxEntries: 1 });
      m.close();
    }
    for (let i = 0; i < 10_000; i++) {
      using _p = Program.load({ type: 'socket_filter', instructions: RET0 });
    }
    expect(fdCount()).toBe(before);
  });

  it('error paths leak nothing: failed create, failed load, bad pin path, unknown id, wrong codecs', () => {
    using probe = BpfMap.create({ type: 'hash', key: codecs.u32, value: codecs.u64, maxEntries: 1 });
    const id = probe.info().id;
    const before = fdCount();
    for (let i = 0; i < 1000; i++) {
      expect(() => BpfMap.create({ type: 'hash', key: 4, value: 4, maxEntries: 0 })).toThrow(BpfError);
      expect(() => Program.load({ type: 'socket_filter', instructions: BAD })).toThrow(VerifierError);
      expect(() =>
        Program.load({
          type: 'socket_filter',
          instructions: [
            { code: 0x18, dst: 1, src: 0, off: 0, imm: 0, imm2: 0, ref: { kind: 'map', name: 'x' } },
          ],
        }),
      ).toThrow(UnresolvedReferenceError);
      expect(() => BpfMap.openPinned('/sys/fs/bpf/tsbpf-no-such-pin')).toThrow(BpfError);
      expect(() => BpfMap.fromId(0x7fffffff)).toThrow(BpfError);
      expect(() => BpfMap.fromId(id, { key: codecs.u32, value: codecs.u32 })).toThrow(TypeError);
    }
    expect(fdCount()).toBe(before);
  });

  it('a map dropped without close() is closed by the finalizer, with a warning', async (ctx) => {
    const gc = getGc();
    if (!gc) return ctx.skip('no way to force garbage collection here');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const before = fdCount();
      (() => {
        for (let i = 0; i < 50; i++) BpfMap.create({ type: 'array', key: 4, value: 4, maxEntries: 1 });
      })();
      expect(fdCount()).toBe(before + 50);
      for (let i = 0; i < 50 && fdCount() !== before; i++) {
        gc();
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(fdCount()).toBe(before);
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.includes('garbage-collected without close()'))).toHaveLength(1);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
