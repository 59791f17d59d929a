// A jump may land inside an lddw (the verifier rejects it, the disassembler must still print it):
// such a target is not an instruction start, so it keeps its numeric offset instead of a label.

import { assemble, disassemble, encode } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

describe('disassembler labels', () => {
  it('prints a jump into the middle of an lddw as an offset and round-trips', () => {
    const program = [
      { code: 0xa5, dst: 0, src: 0, off: 1, imm: 0 }, // if r0 < 0 goto +1 (slot 2: lddw's 2nd half)
      { code: 0x18, dst: 0, src: 0, off: 0, imm: 0, imm2: 0 },
    ];
    const lines = disassemble(encode(program), { labels: true });
    expect(lines[0]).toBe('if r0 < 0x0 goto +0x1');
    expect(lines.some((l) => /^L\d+:/.test(l))).toBe(false);
    expect(Array.from(encode(assemble(lines.join('\n')).instructions))).toEqual(Array.from(encode(program)));
  });
});
