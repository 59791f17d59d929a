// Properties: the wire form round-trips for every valid encoding, and random jump graphs built
// with the builder resolve every jump to the slot its label names.
import fc from 'fast-check';
import {
  classify,
  decode,
  encode,
  type Instruction,
  LDDW,
  program,
  R0,
  R1,
  reg,
  sameEncoding,
  slotCount,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const s16 = fc.integer({ min: -0x8000, max: 0x7fff });
const s32 = fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff });

/** Any field values; classify() keeps the valid ones (most random opcodes are not). */
const rawInstruction: fc.Arbitrary<Instruction> = fc
  .record({
    code: fc.integer({ min: 0, max: 255 }),
    dst: fc.integer({ min: 0, max: 10 }),
    src: fc.integer({ min: 0, max: 10 }),
    off: fc.oneof(fc.constant(0), fc.constant(1), fc.constantFrom(8, 16, 32), s16),
    imm: fc.oneof(fc.constant(0), fc.constantFrom(16, 32, 64, 0x100, 0x110, 0xe1, 0xf1, 0x01, 0x41), s32),
    imm2: s32,
  })
  .map(({ imm2, ...ins }) => (ins.code === LDDW ? { ...ins, imm2 } : ins))
  .filter((ins) => classify(ins).kind !== 'invalid');

describe('wire form', () => {
  it('decode(encode(program)) gives back every valid instruction field for field', () => {
    fc.assert(
      fc.property(fc.array(rawInstruction, { minLength: 1, maxLength: 40 }), (program) => {
        const back = decode(encode(program));
        expect(back.length).toBe(program.length);
        for (const [i, ins] of program.entries())
          expect(sameEncoding(back[i] as Instruction, ins)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

type Step =
  | { kind: 'plain' }
  | { kind: 'wide' }
  | { kind: 'label' }
  | { kind: 'jump'; how: 'ja' | 'gotol' | 'jeq' | 'jset32' | 'mayGoto'; target: number };

const step = (labels: number): fc.Arbitrary<Step> =>
  fc.oneof(
    fc.constant<Step>({ kind: 'plain' }),
    fc.constant<Step>({ kind: 'wide' }),
    fc.constant<Step>({ kind: 'label' }),
    fc.record({
      kind: fc.constant('jump' as const),
      how: fc.constantFrom('ja', 'gotol', 'jeq', 'jset32', 'mayGoto'),
      target: fc.integer({ min: 0, max: labels - 1 }),
    }),
  );

describe('label resolution', () => {
  it('every jump lands on the slot of its label (lddw counts two slots), forward and backward', () => {
    const LABELS = 6;
    fc.assert(
      fc.property(
        fc.array(step(LABELS), { maxLength: 80 }),
        fc.integer({ min: 0, max: 9 }),
        (steps, padReg) => {
          const b = program({ sourcePositions: false });
          // Our own slot count, independent of the builder: where each label and jump sits.
          const expectedLabel = new Map<string, number>();
          const jumps: { slot: number; label: string }[] = [];
          let slot = 0;
          let next = 0;
          const define = () => {
            const name = `L${next++}`;
            b.label(name);
            expectedLabel.set(name, slot);
          };
          for (const s of steps) {
            if (s.kind === 'plain') {
              b.mov(reg(padReg), slot);
              slot += 1;
            } else if (s.kind === 'wide') {
              b.loadImm64(reg(padReg), BigInt(slot) << 33n);
              slot += 2;
            } else if (s.kind === 'label') {
              if (next < LABELS) define();
            } else {
              const label = `L${s.target}`;
              if (s.how === 'ja') b.ja(label);
              else if (s.how === 'gotol') b.gotol(label);
              else if (s.how === 'jeq') b.jeq(R1, R0, label);
              else if (s.how === 'jset32') b.jset(R1.w, 0xff, label);
              else b.mayGoto(label);
              jumps.push({ slot, label });
              slot += 1;
            }
          }
          while (next < LABELS) define(); // labels nobody placed yet go at the end, before exit
          b.exit();
          const { instructions, labels } = b.build();
          expect(labels).toEqual(expectedLabel);
          const atSlot = new Map<number, Instruction>();
          let s = 0;
          for (const ins of instructions) {
            atSlot.set(s, ins);
            s += slotCount(ins);
          }
          for (const j of jumps) {
            const ins = atSlot.get(j.slot) as Instruction;
            const delta = ins.code === 0x06 ? ins.imm : ins.off;
            expect(j.slot + 1 + delta).toBe(expectedLabel.get(j.label));
            expect(classify(ins).kind).not.toBe('invalid');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
