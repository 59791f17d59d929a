// Symbols by name for uprobes and USDT (src/format/symbols/symbols-by-name.ts, through ElfImage's
// piecewise reads), against binutils' readelf on real binaries: node's own (a 100 MB file with a
// full .symtab) and libc (stripped: .dynsym only). Only the headers and the symbol and string
// tables are read; bad files are ElfErrors with the byte offset.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError } from '../../../src/format/elf/types.js';
import { ElfImage } from '../../../src/format/symbols/elf-image.js';
import type { SymbolsByName } from '../../../src/format/symbols/symbols-by-name.js';
import { resolveBinary } from '../../../src/link/uprobe-symbols.js';

/** Functions of a whole file in memory, counting the bytes read for them. */
function functionsOver(bytes: Uint8Array): { functions: SymbolsByName; read: () => number } {
  let read = 0;
  const image = new ElfImage((offset, length) => {
    const part = bytes.subarray(offset, offset + length);
    read += part.byteLength;
    return part;
  });
  return { functions: image.symbolsByName(), read: () => read };
}

interface ReadelfSymbol {
  value: number;
  name: string;
}

/** Defined symbols of `types` in each table of `readelf -sW` output, the first of a name kept. */
function readelfSymbols(
  file: string,
  types = 'FUNC|IFUNC',
): Record<'.symtab' | '.dynsym', Map<string, ReadelfSymbol>> {
  const entry = new RegExp(
    `^\\s*\\d+: ([0-9a-f]+)\\s+\\d+ (?:${types})\\s+\\w+\\s+\\w+\\s+(\\d+) ([^@\\s]+)`,
    'gm',
  );
  const text = execFileSync('readelf', ['-sW', file], { encoding: 'latin1', maxBuffer: 1 << 30 });
  const table = (name: string) => {
    const out = new Map<string, ReadelfSymbol>();
    const at = text.indexOf(`Symbol table '${name}'`);
    if (at < 0) return out;
    const next = text.indexOf("Symbol table '", at + 1);
    for (const m of text.slice(at, next < 0 ? undefined : next).matchAll(entry)) {
      const symbol = m[3] as string;
      if (!out.has(symbol)) out.set(symbol, { value: Number.parseInt(m[1] as string, 16), name: symbol });
    }
    return out;
  };
  return { '.symtab': table('.symtab'), '.dynsym': table('.dynsym') };
}

const hex = (text: string | undefined) => Number.parseInt(text as string, 16);

describe('ELF functions by name, read in parts', () => {
  it("find node's own functions at readelf's addresses and file offsets, reading a fraction of the file", () => {
    const node = process.execPath;
    const bytes = readFileSync(node);
    const { functions, read } = functionsOver(bytes);
    const { '.symtab': symtab, '.dynsym': dynsym } = readelfSymbols(node);
    expect(symtab.size).toBeGreaterThan(10_000);
    // Every 400th function of .symtab (each lookup is a scan), and every .dynsym one .symtab lacks.
    const sample = [...symtab.values()].filter((_, i) => i % 400 === 0);
    for (const s of dynsym.values()) if (!symtab.has(s.name)) sample.push(s);
    const wrong = sample.filter((s) => functions.findFunction(s.name)?.address !== s.value);
    expect(wrong).toEqual([]);
    // The file offset, through readelf's section table: the section holding uv_run.
    const uvRun = symtab.get('uv_run') as ReadelfSymbol;
    const sections = execFileSync('readelf', ['-SW', node], { encoding: 'latin1' });
    const holder = [
      ...sections.matchAll(/\]\s+\S+\s+PROGBITS\s+([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+)\s+\S+\s+\S*A\S*X/g),
    ]
      .map((m) => ({ addr: hex(m[1]), offset: hex(m[2]), size: hex(m[3]) }))
      .find((s) => s.addr <= uvRun.value && uvRun.value < s.addr + s.size);
    expect(holder).toBeDefined();
    const { addr, offset } = holder as { addr: number; offset: number };
    expect(functions.findFunction('uv_run')?.fileOffset).toBe(uvRun.value - addr + offset);
    expect(read()).toBeLessThan(bytes.byteLength / 4);
    // A name that is only the start of others is not found in them.
    expect(functions.findFunction('uv_ru')).toBeUndefined();
  });

  it("list libc's functions as readelf does (.dynsym only: libc is stripped)", () => {
    const libc = resolveBinary('libc.so.6');
    const { functions } = functionsOver(readFileSync(libc));
    const { '.symtab': symtab, '.dynsym': dynsym } = readelfSymbols(libc);
    expect(symtab.size).toBe(0);
    expect(dynsym.size).toBeGreaterThan(1000);
    expect([...functions.functionNames()].sort()).toEqual([...dynsym.keys()].sort());
  });

  it("find libc's variables as well as its functions where any defined symbol will do (USDT)", () => {
    const libc = resolveBinary('libc.so.6');
    const { functions: symbols } = functionsOver(readFileSync(libc));
    const { '.dynsym': objects } = readelfSymbols(libc, 'OBJECT');
    expect(objects.size).toBeGreaterThan(20);
    const wrong = [...objects.values()].filter((s) => symbols.findDefined(s.name)?.address !== s.value);
    expect(wrong).toEqual([]);
    // A variable is no function; an imported (undefined) symbol is not defined here.
    expect(symbols.findFunction('environ')).toBeUndefined();
    expect(symbols.findDefined('environ')?.address).toBe(objects.get('environ')?.value);
    expect(symbols.findDefined('_dl_argv')).toBeUndefined();
  });

  it('refuse a bad file with an ElfError that says where', () => {
    const node = readFileSync(process.execPath);
    const fail = (bytes: Uint8Array) => {
      try {
        functionsOver(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(ElfError);
        return err as ElfError;
      }
      throw new Error('no error');
    };
    expect(
      fail(Buffer.from('#!/bin/sh\necho not an ELF file, but long enough to hold a header of 64\n')).message,
    ).toMatch(/bad magic/);
    const elf32 = Buffer.from(node.subarray(0, 4096));
    elf32[4] = 1;
    expect(fail(elf32)).toMatchObject({ offset: 4 });
    // Cut before the section header table: the table runs past the end, at its own offset.
    const shoff = Number(new DataView(node.buffer, node.byteOffset).getBigUint64(0x28, true));
    const cut = fail(node.subarray(0, shoff + 10));
    expect(cut.offset).toBe(shoff);
    expect(cut.message).toMatch(/section header table .* runs past the end of the file/);
    expect(fail(node.subarray(0, 20)).message).toMatch(/too short/);
  });
});
