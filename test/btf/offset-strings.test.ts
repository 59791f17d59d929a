// The string-by-offset table the parser interns names in: it answers as a Map would, through
// every growth, for offsets that collide in its hash as well as for sparse ones.
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { OffsetStrings } from '../../btf/offset-strings.js';

it('gives back what was added and nothing else, as a Map does, across growth', () => {
  fc.assert(
    fc.property(fc.array(fc.nat(1 << 26), { maxLength: 3000 }), fc.nat(50), (offsets, expected) => {
      const table = new OffsetStrings(expected);
      const model = new Map<number, string>();
      for (const off of offsets) {
        if (model.has(off)) continue;
        expect(table.get(off)).toBeUndefined();
        table.add(off, `s${off}`);
        model.set(off, `s${off}`);
      }
      for (const [off, s] of model) expect(table.get(off)).toBe(s);
      for (const off of offsets) expect(table.get(off + (1 << 27))).toBeUndefined();
    }),
    { numRuns: 60 },
  );
});

it('holds a vmlinux-sized table of consecutive offsets', () => {
  const table = new OffsetStrings(16);
  for (let off = 0; off < 200_000; off += 3) table.add(off, String(off));
  for (let off = 0; off < 200_000; off += 3) expect(table.get(off)).toBe(String(off));
  expect(table.get(1)).toBeUndefined();
});
