// Mutated and truncated objects: parsing must end in a typed error that names a byte offset (or
// succeed), never crash with a TypeError/RangeError from deep inside, never hang.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { BpfObject, ElfError } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { fixture } from '../../support/object-fixtures.js';

const NAMES = [
  'subprogs.bpf.o',
  'tp_unlinkat.bpf.o',
  'unlink.bpf.o',
  'core_local.bpf.o',
  'legacy_maps.bpf.o',
];
const objects = NAMES.map((n) => readFileSync(fixture(n)));

function parseOrTypedError(bytes: Uint8Array): void {
  try {
    const obj = BpfObject.fromBytes(bytes, 'fuzz');
    // A successfully parsed object must be internally consistent enough to enumerate.
    for (const p of obj.programs) expect(p.instructions.length).toBeGreaterThan(0);
  } catch (err) {
    if (!(err instanceof ElfError)) throw new Error(`untyped failure: ${(err as Error)?.stack ?? err}`);
    expect(err.offset).toBeGreaterThanOrEqual(0);
    expect(err.message).toMatch(/byte offset \d+/);
  }
}

describe('objects: fuzzing', () => {
  it('every fixture parses cleanly', () => {
    for (const o of objects) expect(() => BpfObject.fromBytes(o)).not.toThrow();
  });

  it('found by the fuzzer: a .bss whose size says 4 GiB is an ElfError, not a RangeError', () => {
    // Counterexample of the property below (seed -1012077455): object 1, two flips.
    const bytes = Uint8Array.from(objects[1] as Uint8Array);
    for (const [at, value] of [
      [918048628, 1],
      [9450, 0],
    ] as const)
      bytes[at % bytes.length] = value;
    parseOrTypedError(bytes);
  });

  it('random byte flips anywhere give a typed error or a valid object', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: objects.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (which, flips) => {
          const bytes = Uint8Array.from(objects[which] as Uint8Array);
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          parseOrTypedError(bytes);
        },
      ),
      { numRuns: 600 },
    );
  });

  it('flips inside .BTF, .BTF.ext, relocations and the symbol table (the dense parts)', () => {
    const base = objects[0] as Uint8Array;
    const elf = BpfObject.fromBytes(base).spec;
    expect(elf.btfOffset).toBeGreaterThan(0);
    const ranges: [number, number][] = [];
    // Sections by name through the ELF reader, so the fuzzer hits structure, not padding.
    const sections = readElfSections(base);
    for (const name of ['.BTF', '.BTF.ext', '.relsocket', '.rel.text', '.symtab', '.maps', '.rel.maps']) {
      const s = sections.get(name);
      if (s) ranges.push(s);
    }
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: ranges.length - 1 }),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        (r, at, v) => {
          const [start, size] = ranges[r] as [number, number];
          const bytes = Uint8Array.from(base);
          bytes[start + (at % size)] = v;
          parseOrTypedError(bytes);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('every truncation gives a typed error', () => {
    const base = objects[2] as Uint8Array;
    for (let len = 0; len < base.length; len += 97) parseOrTypedError(base.subarray(0, len));
  });
});

import { readElf } from 'tsbpf';

function readElfSections(bytes: Uint8Array): Map<string, [number, number]> {
  return new Map(readElf(bytes).sections.map((s) => [s.name, [s.offset, Math.max(1, s.size)]]));
}
