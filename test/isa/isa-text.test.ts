// The assembler's and disassembler's own behaviour: syntax forms beyond what the LLVM goldens
// cover (verifier log, labels, map/helper references, directives), errors with positions, and
// disassembler options.

import { AssemblerError, assemble, classify, disassemble, encode, formatInstruction } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const bytesOf = (text: string, dialect: 'llvm' | 'ubpf' = 'llvm') =>
  Buffer.from(encode(assemble(text, { dialect }).instructions)).toString('hex');
const errorOf = (text: string, dialect: 'llvm' | 'ubpf' = 'llvm'): AssemblerError => {
  try {
    assemble(text, { dialect });
  } catch (e) {
    if (e instanceof AssemblerError) return e;
    throw e;
  }
  throw new Error('expected an AssemblerError');
};

describe('assembler: accepted forms', () => {
  it('reads verifier-log lines: addresses, (op) prefixes, name#id calls, unspaced offsets, pc-relative jumps', () => {
    const log = [
      '0: (b7) r0 = 0',
      '1: (79) r1 = *(u64 *)(r1 +8)',
      '2: (85) call bpf_map_lookup_elem#1',
      '3: (15) if r0 == 0x0 goto pc+1',
      '4: (18) r1 = 0xffff888100000000',
      '6: (95) exit',
    ].join('\n');
    const { instructions } = assemble(log);
    expect(instructions.map((i) => formatInstruction(i))).toEqual([
      'r0 = 0x0',
      'r1 = *(u64 *)(r1 + 0x8)',
      'call bpf_map_lookup_elem#1',
      'if r0 == 0x0 goto +0x1',
      'r1 = -0x777f00000000 ll',
      'exit',
    ]);
    expect(instructions[2]).toMatchObject({
      code: 0x85,
      imm: 1,
      ref: { kind: 'helper', name: 'bpf_map_lookup_elem' },
    });
  });

  it('reads llvm-objdump listings with addresses, raw bytes and symbolised targets', () => {
    const listing =
      '       0:\t15 01 02 00 05 00 00 00\tif r1 == 0x5 goto +0x2 <.text+0x18>\n       1:\t95 00 00 00 00 00 00 00\texit';
    expect(bytesOf(listing)).toBe('15010200050000009500000000000000');
  });

  it('resolves labels forwards and backwards, counting lddw as two slots', () => {
    const text = 'top:\n  r1 = 0x100000000 ll\n  if r1 > 3 goto done\n  goto top\ndone: exit';
    const { instructions, labels } = assemble(text);
    expect(labels).toEqual(
      new Map([
        ['top', 0],
        ['done', 4],
      ]),
    );
    expect(instructions[1].off).toBe(1);
    expect(instructions[2].off).toBe(-4);
  });

  it('makes `call label` a local call and `call name` a helper reference resolved by resolveHelper', () => {
    const text = 'call f\ncall bpf_ktime_get_ns\nexit\nf: r0 = 1\nexit';
    const plain = assemble(text).instructions;
    expect(plain[0]).toMatchObject({ src: 1, imm: 2 });
    expect(plain[1]).toMatchObject({ src: 0, imm: 0, ref: { kind: 'helper', name: 'bpf_ktime_get_ns' } });
    const resolved = assemble(text, {
      resolveHelper: (n) => (n === 'bpf_ktime_get_ns' ? 5 : undefined),
    }).instructions;
    expect(resolved[1].imm).toBe(5);
  });

  it('turns map names into MAP_FD / MAP_VALUE lddw with references', () => {
    const [a, b, c] = assemble(
      'r1 = events ll\nr2 = map_value(config) + 8 ll\nr3 = map_idx(2) ll',
    ).instructions;
    expect(a).toMatchObject({ code: 0x18, src: 1, imm: 0, imm2: 0, ref: { kind: 'map', name: 'events' } });
    expect(b).toMatchObject({ src: 2, imm2: 8, ref: { kind: 'map_value', name: 'config', offset: 8 } });
    expect(c).toMatchObject({ src: 5, imm: 2 });
    expect(formatInstruction(a)).toBe('r1 = events ll');
    expect(formatInstruction(b)).toBe('r2 = map_value(config) + 0x8 ll');
  });

  it('takes all three comment styles and raw .byte / .8byte slots', () => {
    const text =
      'r0 = 1 ; c1\nr0 = 2 # c2\nr0 = 3 // c3\n.byte 0x95, 0, 0, 0\n.byte 0, 0, 0, 0\n.8byte 0x0000000100000018';
    expect(bytesOf(text)).toBe(
      'b700000001000000' + 'b700000002000000' + 'b700000003000000' + '9500000000000000' + '1800000001000000',
    );
  });

  it('uses the LLVM 20 syntax for load-acquire and store-release', () => {
    const text =
      'w0 = load_acquire((u8 *)(r1 + 0x0))\nr0 = load_acquire((u64 *)(r1 - 0x8))\nstore_release((u16 *)(r1 + 0x2), w2)';
    const out = assemble(text).instructions;
    expect(out.map((i) => i.code)).toEqual([0xd3, 0xdb, 0xcb]);
    expect(out.map((i) => i.imm)).toEqual([0x100, 0x100, 0x110]);
    // The kernel's operand order: BPF_LOAD_ACQ loads [src + off] into dst; BPF_STORE_REL stores
    // src to [dst + off] (kernel/bpf/core.c, the interpreter's STX|ATOMIC cases).
    expect(out.map((i) => [i.dst, i.src])).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
    ]);
    expect(out.map((i) => formatInstruction(i))).toEqual(text.split('\n'));
  });

  it('ubpf: the first exit is the implicit label `exit`, and `call local` is a local call', () => {
    expect(bytesOf('jeq %r1, 0, exit\nmov %r0, 1\nexit', 'ubpf')).toBe(
      '1501010000000000b7000000010000009500000000000000',
    );
    expect(bytesOf('call local f\nexit\nf:\nexit', 'ubpf')).toBe(
      '8510000001000000' + '9500000000000000'.repeat(2),
    );
  });

  it('records source positions', () => {
    const [i] = assemble('\n   r0 = 1', { file: 'a.s' }).instructions;
    expect(i.source).toEqual({ line: 2, col: 4, text: '   r0 = 1', file: 'a.s' });
  });

  it('gives each instruction its own line, also after .byte runs, blank lines and CRLF', () => {
    const text = 'r0 = 1\r\n\n.byte 0xb7, 0, 0, 0\n.byte 2, 0, 0, 0\n  exit';
    const sources = assemble(text).instructions.map((i) => i.source);
    expect(sources).toEqual([
      { line: 1, col: 1, text: 'r0 = 1\r' },
      { line: 4, col: 1, text: '.byte 2, 0, 0, 0' },
      { line: 5, col: 3, text: '  exit' },
    ]);
  });

  it('is a plain result: spreads, JSON and structured clone carry instructions and bytes', () => {
    const r = assemble('r0 = 1\nexit');
    expect(Object.keys(r)).toEqual(['labels', 'slots', 'warnings', 'instructions', 'bytes', 'references']);
    expect({ ...r }.instructions).toHaveLength(2);
    expect(structuredClone(r).bytes).toEqual(r.bytes);
    expect(JSON.parse(JSON.stringify(r)).instructions[1].code).toBe(0x95);
  });
});

describe('assembler: errors', () => {
  it('names what was expected, where, and after what', () => {
    const e = errorOf('r0 = 1\nr1 += \n');
    expect(e.line).toBe(2);
    expect(e.col).toBe(7);
    expect(e.message).toBe("expected a register or immediate after '+=', found end of line at 2:7");
    const f = errorOf('r0 = *(u32 *)(foo + 4)');
    expect(f.message).toMatch(/^expected a register \(r0-r10\) after '\(', found 'foo' at 1:15/);
    expect(f.text).toBe('foo');
  });

  it('collects one error per bad line, in order', () => {
    const e = errorOf('r0 = 1\nbogus\nr11 = 1\ngoto nowhere\nexit');
    expect(e.diagnostics.map((d) => [d.line, d.col])).toEqual([
      [2, 1],
      [3, 1],
      [4, 6],
    ]);
    expect(e.diagnostics[1].message).toMatch(/register r11 does not exist/);
    expect(e.diagnostics[2].message).toMatch(/undefined label 'nowhere'/);
  });

  it('rejects out-of-range values instead of wrapping them', () => {
    expect(errorOf('r0 = 2147483648').message).toMatch(/does not fit in 32 bits/);
    expect(errorOf('r0 = 0x100000000').message).toMatch(/does not fit in 32 bits/);
    expect(errorOf('r0 = *(u8 *)(r1 + 32768)').message).toMatch(/does not fit in 16 bits/);
    expect(errorOf('goto +32768').message).toMatch(/does not fit in 16 bits/);
    expect(errorOf('r0 = 0x10000000000000000 ll').message).toMatch(/does not fit in 64 bits/);
    const far = `goto end\n${'r0 = 0\n'.repeat(40000)}end: exit`;
    expect(errorOf(far).message).toMatch(/beyond the 16-bit range/);
    expect(() => assemble(far.replace('goto end', 'gotol end'))).not.toThrow();
  });

  it('rejects width mismatches and unknown words', () => {
    expect(errorOf('w0 += r1').message).toMatch(/does not match the width/);
    expect(errorOf('r0 = frobnicate r1').message).toMatch(/ll/);
    expect(errorOf('.weird 1').message).toMatch(/unknown directive '.weird'/);
    expect(errorOf('dup:\ndup: exit').message).toMatch(/already defined/);
    expect(errorOf('r0 = 1 @').message).toMatch(/unexpected character '@'/);
  });

  it('names a non-ASCII character where it is, and reads past one in a comment', () => {
    // U+0141 and U+0130 end in the bytes of 'A' and '0': no part of them may pass for those.
    for (const [text, ch, col] of [
      ['r0 = \u0141', '\u0141', 6],
      ['r0 = 1\u0130', '\u0130', 7],
      ['exit \u{1F600}', '\u{1F600}', 6],
      // Glued to a word: the word is cut short, so the character is what is wrong.
      ['r\u00e9 = 1', '\u00e9', 2],
      ['r0 = 5\u00b5', '\u00b5', 7],
    ] as const) {
      const e = errorOf(`exit\n${text}`);
      expect(e.message).toContain(`'${ch}'`);
      expect(e).toMatchObject({ line: 2, col });
    }
    expect(errorOf('exit\nr\u00e9 = 1').message).toBe("unexpected character '\u00e9' at 2:2");
    const plain = assemble('r0 = 1\nexit').bytes;
    expect(assemble('r0 = 1 ; na\u00efve \u2014 \u{1F600}\nexit // \u0141').bytes).toEqual(plain);
  });
});

describe('disassembler', () => {
  const program = assemble('r0 = 0\nloop: r0 += 1\nif r0 < 10 goto loop\ncall f\nexit\nf: exit').instructions;

  it('names jump targets with labels and numbers slots when asked', () => {
    expect(disassemble(program, { labels: true })).toEqual([
      'r0 = 0x0',
      'L0:',
      'r0 += 0x1',
      'if r0 < 0xa goto L0',
      'call L1',
      'exit',
      'L1:',
      'exit',
    ]);
    expect(disassemble(program, { addresses: true })[3]).toBe('     3:\tcall pc+0x1');
  });

  it('labelled and addressed output assembles back to the same bytes', () => {
    for (const opts of [{ labels: true }, { addresses: true }, { labels: true, addresses: true }]) {
      const text = disassemble(encode(program), opts).join('\n');
      expect(encode(assemble(text).instructions)).toEqual(encode(program));
    }
  });

  it('prints helper names from a table', () => {
    expect(
      formatInstruction(
        { code: 0x85, dst: 0, src: 0, off: 0, imm: 1 },
        { helperName: (id) => (id === 1 ? 'bpf_map_lookup_elem' : undefined) },
      ),
    ).toBe('call bpf_map_lookup_elem');
  });

  it('prints a lone lddw half as raw data that assembles back, and trailing bytes as a comment', () => {
    const bytes = Uint8Array.from([0x18, 0x01, 0, 0, 1, 0, 0, 0, 0x95, 0, 0]);
    const lines = disassemble(bytes);
    expect(lines[0]).toMatch(/^\.8byte 0x0000000100000118 ; invalid: lddw without its second slot$/);
    expect(lines[1]).toBe('; 3 trailing bytes that do not fill a slot: 95 00 00');
    expect(classify(assemble(lines[0]).instructions[0]).kind).toBe('invalid');
  });

  it('reads big-endian bytes when told', () => {
    expect(disassemble(Uint8Array.from([0xb7, 0x10, 0, 0, 0, 0, 0, 7]), { littleEndian: false })).toEqual([
      'r1 = 0x7',
    ]);
  });
});

describe('bpftool / kernel golden', () => {
  it("reads bpftool's dump of our program, loaded into the kernel, back to the same bytes", async () => {
    const { readFileSync } = await import('node:fs');
    const fix = new URL('../fixtures/isa/', import.meta.url);
    const ours = encode(assemble(readFileSync(new URL('bpftool-sample.s', fix), 'utf8')).instructions);
    const xlated = readFileSync(new URL('bpftool-xlated.txt', fix), 'utf8');
    expect(xlated).toContain('(db) lock *(u64 *)(r10 -8) += r1');
    expect(encode(assemble(xlated).instructions)).toEqual(ours);
  });
});
