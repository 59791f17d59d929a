// Corrupt BTF (random mutations and truncations of real blobs) must give BtfError with a byte
// offset from every entry point — parse, decode, queries, raw and C dumps — never another
// exception and never a hang.

import fc from 'fast-check';
import { alignOf, Btf, BtfError, dumpC, fieldPath, formatRaw, parseBtfExt, sizeOf } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { fixture } from './support.js';

/** Everything a user might do with a BTF; returns normally or throws. */
function exercise(bytes: Uint8Array): void {
  const btf = Btf.parse(bytes);
  for (const id of btf.ids()) {
    const t = btf.type(id);
    btf.findAll(t.name, t.kind);
    if (t.kind === 'struct' || t.kind === 'union') {
      for (const m of t.members.slice(0, 4)) if (m.name) tolerate(() => fieldPath(btf, m.name, id));
      tolerate(() => sizeOf(btf, id));
      tolerate(() => alignOf(btf, id));
    }
  }
  formatRaw(btf);
  dumpC(btf);
}

/** Runs `f`, allowing only BtfError (the queries may legitimately refuse a type). */
function tolerate(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BtfError)) throw e;
  }
}

function expectOnlyBtfError(bytes: Uint8Array): void {
  try {
    exercise(bytes);
  } catch (e) {
    if (!(e instanceof BtfError)) throw new Error(`not a BtfError: ${(e as Error)?.stack ?? e}`);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.byteLength);
  }
}

const blobs = {
  'types.btf': new Uint8Array(fixture('types.btf')),
  'core_prog.btf': new Uint8Array(fixture('core_prog.btf')),
};

describe('BTF fuzzing', () => {
  for (const [name, blob] of Object.entries(blobs)) {
    it(`${name}: random byte and word mutations`, () => {
      const mutation = fc.array(
        fc.tuple(fc.nat(blob.length - 1), fc.oneof(fc.nat(255), fc.constantFrom(0, 0xff, 0x80, 1))),
        { minLength: 1, maxLength: 8 },
      );
      fc.assert(
        fc.property(mutation, fc.boolean(), (edits, wordWise) => {
          const b = blob.slice();
          for (const [at, v] of edits) {
            if (wordWise) for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (v * (i + 1)) & 0xff;
            else b[at] = v;
          }
          expectOnlyBtfError(b);
        }),
        { numRuns: name === 'types.btf' ? 1500 : 150 },
      );
    });

    it(`${name}: every truncation point in the header and type section`, () => {
      const step = Math.max(1, Math.floor(blob.length / 400));
      for (let n = 0; n < blob.length; n += step) expectOnlyBtfError(blob.subarray(0, n));
    });
  }

  it('type id fields pointed anywhere (cycles, out of range) in the fixture', () => {
    const blob = blobs['types.btf'];
    const words = new DataView(blob.buffer, blob.byteOffset);
    fc.assert(
      fc.property(fc.nat((blob.length - 28) / 4), fc.nat(80), (w, id) => {
        const b = blob.slice();
        new DataView(b.buffer).setUint32(24 + w * 4, id, true);
        expectOnlyBtfError(b);
        return words !== undefined;
      }),
      { numRuns: 1500 },
    );
  });

  it('.BTF.ext mutations', () => {
    const btf = Btf.parse(fixture('core_prog.btf'));
    const ext = new Uint8Array(fixture('core_prog.btf.ext'));
    fc.assert(
      fc.property(fc.nat(ext.length - 1), fc.nat(255), (at, v) => {
        const b = ext.slice();
        b[at] = v;
        try {
          parseBtfExt(b, btf);
        } catch (e) {
          if (!(e instanceof BtfError)) throw e;
          expect(e.offset).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
