// The code probes compile to: as tight as the hand-written C floor where the job is the same
// (../shared/baselines/attach_bench.c's counter), and checked by the kernel's verifier for the
// shapes that are easy to get wrong (strings into ring buffer records, keys with padding).
import { compileProbe, disassemble, encode } from 'tsbpf';
import { describe, expect, it } from 'vitest';

// attach_bench.c's program: *(u32 *)(r10 - 4) = 0; lookup; if null exit; +1; store; return 0.
const C_FLOOR = [
  '*(u32 *)(r10 - 0x4) = 0x0',
  'r2 = r10',
  'r2 += -0x4',
  'r1 = 0x0 ll',
  'call 0x1',
  'if r0 == 0x0 goto +0x3',
  'r1 = *(u64 *)(r0 + 0x0)',
  'r1 += 0x1',
  '*(u64 *)(r0 + 0x0) = r1',
  'r0 = 0x0',
  'exit',
];

describe('probe code generation', () => {
  it('a keyless count is the C floor plus saving the context (one mov)', () => {
    const insns = compileProbe({
      actions: [{ op: 'add', map: 'count', key: [], value: 1 }],
      filters: [],
      keyless: () => true,
    });
    // The map reference is bound at load time; print it as the C program's placeholder fd 0.
    const plain = insns.map((i) => (i.ref ? { ...i, ref: undefined, src: 0, imm: 0, imm2: 0 } : i));
    const text = disassemble(encode(plain));
    expect(text[0]).toBe('r6 = r1');
    // The same instructions as the C program (the lookup's argument setup in another order).
    const normal = (l: string) => l.replace(/goto \+0x\w+/, 'goto');
    expect(text.slice(1).map(normal).sort()).toEqual(C_FLOOR.map(normal).sort());
  });
});
