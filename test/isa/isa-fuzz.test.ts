// Property tests: random text and random bytes never make the text tools throw anything but our
// typed error, and disassemble → assemble is byte-exact over random encodings.
import fc from 'fast-check';
import {
  AssemblerError,
  assemble,
  classify,
  decode,
  disassemble,
  encode,
  formatInstruction,
  type Instruction,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const onlyAssemblerErrors = (text: string, dialect: 'llvm' | 'ubpf') => {
  try {
    assemble(text, { dialect });
  } catch (e) {
    if (!(e instanceof AssemblerError)) throw e;
    for (const d of e.diagnostics) {
      expect(d.line).toBeGreaterThan(0);
      expect(d.col).toBeGreaterThan(0);
    }
  }
};

// Fragments of real syntax, so random text gets deep into the parser rather than failing at once.
const fragments = [
  'r1',
  'w2',
  '%r3',
  'r11',
  '=',
  '+=',
  's>>=',
  '*',
  '(',
  ')',
  '[',
  ']',
  'u32',
  's8',
  ',',
  '+',
  '-',
  '0x10',
  '-7',
  '99999999999',
  'goto',
  'if',
  '==',
  's<',
  'call',
  'lock',
  'll',
  'exit',
  'lab:',
  'lab',
  'pc',
  '#1',
  ';',
  '//',
  '.byte',
  '.8byte',
  'map_value',
  'ldxw',
  'jne',
  'mov32',
  'lddw',
  '\n',
  ' ',
  'atomic_fetch_add',
  'xchg_64',
  'skb',
  '(18)',
  '0:',
];

describe('fuzz: assembler', () => {
  it('random unicode text only ever raises AssemblerError', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200, unit: 'binary' }),
        fc.constantFrom('llvm', 'ubpf'),
        (text, dialect) => onlyAssemblerErrors(text, dialect as 'llvm' | 'ubpf'),
      ),
      { numRuns: 3000 },
    );
  });

  it('random sequences of syntax fragments only ever raise AssemblerError', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...fragments), { maxLength: 40 }),
        fc.constantFrom('llvm', 'ubpf'),
        (parts, dialect) => onlyAssemblerErrors(parts.join(' '), dialect as 'llvm' | 'ubpf'),
      ),
      { numRuns: 5000 },
    );
  });
});

const field = (bits: number, signed: boolean) =>
  signed
    ? fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 })
    : fc.integer({ min: 0, max: 2 ** bits - 1 });
const small = <T>(zero: T, arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(zero) }, { weight: 2, arbitrary: arb });
const rawInstruction: fc.Arbitrary<Instruction> = fc
  .record({
    code: field(8, false),
    dst: fc.oneof(fc.integer({ min: 0, max: 10 }), field(4, false)),
    src: small(0, field(4, false)),
    off: small(0, fc.oneof(field(16, true), fc.constantFrom(1, 8, 16, 32))),
    imm: small(0, fc.oneof(field(32, true), fc.constantFrom(16, 32, 64, 0x100, 0x110, 0xe1, 0xf1))),
    imm2: field(32, true),
  })
  .map((r) => {
    const { imm2, ...rest } = r;
    return r.code === 0x18 ? r : rest;
  });

describe('fuzz: disassembler', () => {
  it('never throws on random bytes, and its text assembles back to the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), fc.boolean(), (bytes, le) => {
        const lines = disassemble(bytes, { littleEndian: le });
        const back = encode(assemble(lines.join('\n')).instructions, le);
        // Whole slots come back exactly; a partial trailing slot comes back as its .byte data is not a slot.
        const whole = bytes.byteLength - (bytes.byteLength % 8);
        expect(Array.from(back)).toEqual(Array.from(bytes.subarray(0, whole)));
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips random valid encodings (random fields filtered by classify) byte-exactly', () => {
    let valid = 0;
    fc.assert(
      fc.property(rawInstruction, (ins) => {
        if (classify(ins).kind === 'invalid') return;
        valid++;
        const text = formatInstruction(ins);
        const back = assemble(text).instructions;
        expect(back.length, text).toBe(1);
        expect(Array.from(encode(back)), text).toEqual(Array.from(encode([ins])));
      }),
      { numRuns: 20000 },
    );
    expect(valid).toBeGreaterThan(2000);
  });

  it('round-trips whole random programs with labels', () => {
    fc.assert(
      fc.property(fc.array(rawInstruction, { maxLength: 30 }), (program) => {
        const bytes = encode(program);
        const text = disassemble(bytes, { labels: true, addresses: true }).join('\n');
        expect(Array.from(encode(assemble(text).instructions))).toEqual(Array.from(bytes));
        expect(decode(bytes).length).toBeLessThanOrEqual(program.length + 1);
      }),
      { numRuns: 1000 },
    );
  });
});
