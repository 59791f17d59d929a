// ELF64 reader against llvm-readobj-19 (JSON goldens of clang-19/llvm-mc-19 objects, both byte
// orders), the writer against llvm-objdump-19 (golden listing of our object), and malformed input.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { assemble, disassemble } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';
import {
  ELF,
  ElfError,
  programSections,
  readElf,
  writeElf,
  writeProgramObject,
} from '../../../src/format/elf/index.js';

const FIX = new URL('../../fixtures/isa/', import.meta.url);
const file = (name: string) => new Uint8Array(readFileSync(new URL(name, FIX)));

interface ReadobjJson {
  Sections: {
    Section: {
      Index: number;
      Name: { Name: string };
      Type: { Value: number };
      Flags: { Value: number };
      Offset: number;
      Size: number;
      Link: number;
      Info: number;
      AddressAlignment: number;
      EntrySize: number;
    };
  }[];
  Symbols: {
    Symbol: {
      Name: { Name: string };
      Value: number;
      Size: number;
      Binding: { Value: number };
      Type: { Value: number };
      Section: { Value: number };
    };
  }[];
  Relocations: {
    SectionIndex: number;
    Relocs: { Relocation: { Offset: number; Type: { Value: number }; Symbol: { Name: string } } }[];
  }[];
}

describe('ELF reader vs llvm-readobj-19', () => {
  for (const name of ['clang19-bpfel', 'clang19-bpfeb', 'llvm19-sample']) {
    it(`reads ${name}.o as llvm-readobj does`, () => {
      const golden = (JSON.parse(readFileSync(new URL(`${name}.json`, FIX), 'utf8')) as ReadobjJson[])[0];
      const elf = readElf(file(`${name}.o`));
      expect(elf.littleEndian).toBe(!name.endsWith('eb'));
      expect(elf.machine).toBe(ELF.EM_BPF);
      expect(elf.type).toBe(ELF.ET_REL);
      expect(
        elf.sections.map((s) => [
          s.index,
          s.name,
          s.type,
          Number(s.flags),
          s.offset,
          s.size,
          s.link,
          s.info,
          s.addralign,
          s.entsize,
        ]),
      ).toEqual(
        golden.Sections.map(({ Section: s }) => [
          s.Index,
          s.Name.Name,
          s.Type.Value,
          s.Flags.Value,
          s.Offset,
          s.Size,
          s.Link,
          s.Info,
          s.AddressAlignment,
          s.EntrySize,
        ]),
      );
      // readobj lists symbols without the null entry for JSON on some versions; compare by name.
      const ours = elf.symbols.filter((s, i) => i > 0 || s.name !== '');
      const theirs = golden.Symbols.map(({ Symbol: s }) => s).filter((s, i) => i > 0 || s.Name.Name !== '');
      // readobj shows a section symbol (empty name in the file) under its section's name.
      const shown = (s: (typeof ours)[number]) =>
        s.type === ELF.STT_SECTION && s.name === '' ? elf.sections[s.shndx].name : s.name;
      expect(ours.map((s) => [shown(s), Number(s.value), Number(s.size), s.bind, s.type, s.shndx])).toEqual(
        theirs.map((s) => [s.Name.Name, s.Value, s.Size, s.Binding.Value, s.Type.Value, s.Section.Value]),
      );
      const relocs = [...elf.relocations].flatMap(([target, list]) => {
        const relSection = elf.sections.find(
          (s) => (s.type === ELF.SHT_REL || s.type === ELF.SHT_RELA) && s.info === target,
        )!;
        return list.map((r) => {
          const sym = elf.symbols[r.symbol];
          return [
            relSection.index,
            Number(r.offset),
            r.type,
            sym.type === ELF.STT_SECTION && sym.name === '' ? elf.sections[sym.shndx].name : sym.name,
          ];
        });
      });
      expect(relocs).toEqual(
        golden.Relocations.flatMap((g) =>
          g.Relocs.map(({ Relocation: r }) => [g.SectionIndex, r.Offset, r.Type.Value, r.Symbol.Name]),
        ),
      );
      expect(relocs.length).toBeGreaterThan(0);
    });
  }

  it('finds the same code in both byte orders', () => {
    const le = programSections(readElf(file('clang19-bpfel.o')));
    const be = programSections(readElf(file('clang19-bpfeb.o')));
    expect(le.map((s) => s.name)).toEqual(['.text', 'xdp']);
    expect(disassemble(be[1].code, { littleEndian: false })).toEqual(disassemble(le[1].code));
  });
});

describe('ELF writer', () => {
  const sample = readFileSync(new URL('elf-sample.s', FIX), 'utf8');

  it('writes the object llvm-objdump-19 listed in the golden, byte for byte', () => {
    const { instructions, labels } = assemble(sample);
    expect(writeProgramObject(instructions, { labels })).toEqual(file('tsbpf-sample.o'));
    // The same object from the assembly's bytes and references, as `tsbpf asm` writes it, and
    // without building the instruction objects (the property is still the first-read getter).
    const fresh = assemble(sample);
    expect(writeProgramObject(fresh, { labels })).toEqual(file('tsbpf-sample.o'));
    expect(Object.getOwnPropertyDescriptor(fresh, 'instructions')?.get).toBeTypeOf('function');
    // Big-endian output encodes the instructions: the same as from the instruction list.
    expect(writeProgramObject(fresh, { labels, littleEndian: false })).toEqual(
      writeProgramObject(instructions, { labels, littleEndian: false }),
    );
    const listing = readFileSync(new URL('llvm19-elf.txt', FIX), 'utf8');
    // LLVM saw our symbols and relocation: `<entry>:`, `<out>:`, `R_BPF_64_64 counters`.
    expect(listing).toContain('0000000000000000 <entry>:');
    expect(listing).toContain('0000000000000050 <out>:');
    expect(listing).toMatch(/R_BPF_64_64\tcounters/);
    // … and the same instructions we print (objdump's symbolised targets aside).
    const theirs = [...listing.matchAll(/^\s+\d+:\t[0-9a-f ]+\t(.*)$/gm)].map((m) =>
      m[1].replace(/ <[^<>]*>$/, ''),
    );
    const ours = disassemble(instructions.map((i) => ({ ...i, ref: undefined })));
    expect(ours).toEqual(theirs);
  });

  it('round-trips through the reader: sections, symbols, relocations', () => {
    const { instructions, labels } = assemble(sample);
    const elf = readElf(writeProgramObject(instructions, { labels, section: 'xdp', license: 'GPL' }));
    expect(elf.sections.map((s) => s.name)).toEqual([
      '',
      'xdp',
      'license',
      '.relxdp',
      '.symtab',
      '.strtab',
      '.shstrtab',
    ]);
    expect(new TextDecoder().decode(elf.sections[2].data)).toBe('GPL\0');
    expect(elf.symbols.map((s) => [s.name, s.bind, s.type, Number(s.value)])).toEqual([
      ['', 0, 0, 0],
      ['out', ELF.STB_LOCAL, ELF.STT_NOTYPE, 80],
      ['entry', ELF.STB_GLOBAL, ELF.STT_FUNC, 0],
      ['counters', ELF.STB_GLOBAL, ELF.STT_NOTYPE, 0],
    ]);
    expect(elf.sections[4].info).toBe(2); // first non-local symbol
    expect(elf.relocations.get(1)).toEqual([{ offset: 32n, type: ELF.R_BPF_64_64, symbol: 3 }]);
  });

  it('writes big-endian objects the reader reads back', () => {
    const bytes = writeElf({
      littleEndian: false,
      sections: [{ name: '.text', flags: 6, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), addralign: 8 }],
      symbols: [{ name: 'f', section: '.text', type: ELF.STT_FUNC, size: 8 }],
    });
    const elf = readElf(bytes);
    expect(elf.littleEndian).toBe(false);
    expect(Array.from(elf.sections[1].data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(elf.symbols[1]).toMatchObject({ name: 'f', size: 8n, shndx: 1 });
  });

  it('rejects inconsistent writer input', () => {
    expect(() =>
      writeElf({ sections: [], relocations: [{ section: '.text', offset: 0, symbol: 'x', type: 1 }] }),
    ).toThrow(/unknown section/);
    expect(() =>
      writeElf({ sections: [{ name: 'a', data: new Uint8Array() }], symbols: [{ name: 's', section: 'b' }] }),
    ).toThrow(/unknown section 'b'/);
  });
});

describe('ELF reader: malformed input', () => {
  const good = file('clang19-bpfel.o');
  const mutate = (at: number, bytes: number[]) => {
    const copy = good.slice();
    copy.set(bytes, at);
    return copy;
  };
  const offsetOf = (f: () => unknown): number => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ElfError);
      return (e as ElfError).offset;
    }
    throw new Error('expected an ElfError');
  };

  it('says what is wrong and where', () => {
    expect(offsetOf(() => readElf(new Uint8Array(3)))).toBe(0);
    expect(offsetOf(() => readElf(mutate(0, [0x7f, 0x45, 0x4c, 0x47])))).toBe(0);
    expect(offsetOf(() => readElf(mutate(4, [1])))).toBe(4);
    expect(offsetOf(() => readElf(mutate(5, [3])))).toBe(5);
    expect(offsetOf(() => readElf(good.subarray(0, 40)))).toBe(0);
    expect(offsetOf(() => readElf(good.subarray(0, good.byteLength - 8)))).toBeGreaterThan(0);
    expect(() => readElf(mutate(0x3e, [0x40, 0]))).toThrow(/section name table index 64/);
  });

  it('random corruption yields a result or an ElfError, never another exception', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.byteLength - 1), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.nat(good.byteLength),
        (edits, cut) => {
          const copy = good.slice(0, Math.max(cut, 64));
          for (const [at, v] of edits) if (at < copy.byteLength) copy[at] = v;
          try {
            readElf(copy);
          } catch (e) {
            if (!(e instanceof ElfError)) throw e;
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
