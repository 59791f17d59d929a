// USDT notes and argument specs against binutils: every probe `readelf -n` shows in libstdc++,
// python3.11 and the sdt fixture — provider, name, location, semaphore, argument text — equals
// what parseUsdtNotes reads, site file offsets equal readelf -S's section mapping, a prelinked
// (moved) image is adjusted through .stapsdt.base, and each argument form parses to the
// location it names. The notes are read through ElfImage, which reads only the sections asked for.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ElfError, readElf } from '../../src/format/elf/index.js';
import { ElfImage } from '../../src/format/symbols/elf-image.js';
import { parseUsdtArg, parseUsdtArgs, parseUsdtNotes } from '../../src/format/usdt.js';
import { usdtFixtures, usdtFixturesMissing } from '../support/usdt-fixture.js';

/** The notes of a file in memory, read as the attach path reads a file: by parts. */
const notesOf = (bytes: Uint8Array) => parseUsdtNotes(new ElfImage((at, n) => bytes.subarray(at, at + n)));

describe('USDT argument specs', () => {
  it.each([
    [
      '-4@%eax',
      { size: 4, signed: true, location: { kind: 'register', register: { reg: 'rax', bits: 32, shift: 0 } } },
    ],
    [
      '8@%rdi',
      {
        size: 8,
        signed: false,
        location: { kind: 'register', register: { reg: 'rdi', bits: 64, shift: 0 } },
      },
    ],
    [
      '-1@%ah',
      { size: 1, signed: true, location: { kind: 'register', register: { reg: 'rax', bits: 8, shift: 8 } } },
    ],
    [
      '1@%sil',
      { size: 1, signed: false, location: { kind: 'register', register: { reg: 'rsi', bits: 8, shift: 0 } } },
    ],
    [
      '2@%r9w',
      { size: 2, signed: false, location: { kind: 'register', register: { reg: 'r9', bits: 16, shift: 0 } } },
    ],
    [
      '-4@%r12d',
      { size: 4, signed: true, location: { kind: 'register', register: { reg: 'r12', bits: 32, shift: 0 } } },
    ],
    [
      '8@-16(%rbp)',
      { size: 8, signed: false, location: { kind: 'memory', base: 'rbp', scale: 1, offset: -16n } },
    ],
    [
      '-4@112(%rsp)',
      { size: 4, signed: true, location: { kind: 'memory', base: 'rsp', scale: 1, offset: 112n } },
    ],
    ['8@(%rax)', { size: 8, signed: false, location: { kind: 'memory', base: 'rax', scale: 1, offset: 0n } }],
    [
      '8@0x10(%rax,%rdx,8)',
      {
        size: 8,
        signed: false,
        location: { kind: 'memory', base: 'rax', index: 'rdx', scale: 8, offset: 16n },
      },
    ],
    [
      '4@-8(,%rcx,4)',
      { size: 4, signed: false, location: { kind: 'memory', index: 'rcx', scale: 4, offset: -8n } },
    ],
    ['4@$5', { size: 4, signed: false, location: { kind: 'constant', value: 5n } }],
    ['-8@$-123456789012', { size: 8, signed: true, location: { kind: 'constant', value: -123456789012n } }],
    ['-8@sym(%rip)', { size: 8, signed: true, location: { kind: 'symbol', symbol: 'sym', offset: 0n } }],
    [
      '4@counts+8(%rip)',
      { size: 4, signed: false, location: { kind: 'symbol', symbol: 'counts', offset: 8n } },
    ],
    [
      '%rbx',
      { size: 8, signed: true, location: { kind: 'register', register: { reg: 'rbx', bits: 64, shift: 0 } } },
    ],
  ])('%s', (text, want) => {
    expect(parseUsdtArg(text)).toEqual({ ...want, text });
  });

  it.each([
    ['3@%eax', 'size 3 is not ±1, 2, 4 or 8'],
    ['8@%xmm0', "'%xmm0' is not an x86-64 register"],
    ['8@%fs:0x28', "segment-relative operand '%fs:0x28'"],
    ['8@8(%eax)', "'%eax' is not a 64-bit register (base)"],
    ['8@8(%rax,%rdx,3)', "scale '3' is not 1, 2, 4 or 8"],
    ['4@$x', "constant '$x' is not an integer"],
    ['8@16(%rip)', "'16(%rip)' is relative to the next instruction"],
  ])('%s is kept with the reason it cannot be read', (text, why) => {
    expect(parseUsdtArg(text).location).toEqual({ kind: 'unsupported', why });
  });

  it('splits a probe argument text into its specs, base-index operands included', () => {
    expect(parseUsdtArgs('8@%rdx 8@-80(%rbx)').map((a) => a.text)).toEqual(['8@%rdx', '8@-80(%rbx)']);
    expect(parseUsdtArgs('8@(%rax, %rdx, 8) -4@$1').map((a) => a.text)).toEqual([
      '8@(%rax, %rdx, 8)',
      '-4@$1',
    ]);
    expect(parseUsdtArgs('')).toEqual([]);
  });
});

/** `readelf -n`'s stapsdt entries: provider, name, location, base, semaphore, argument text. */
function readelfNotes(path: string) {
  const text = execFileSync('readelf', ['-nW', path], { encoding: 'latin1' });
  const re =
    /Provider: (\S+)\s+Name: (\S+)\s+Location: 0x([0-9a-f]+), Base: 0x([0-9a-f]+), Semaphore: 0x([0-9a-f]+)\s+Arguments:(.*)/g;
  return [...text.matchAll(re)].map((m) => ({
    provider: m[1],
    name: m[2],
    address: BigInt(`0x${m[3]}`),
    semaphore: BigInt(`0x${m[5]}`),
    argText: (m[6] as string).trim(),
  }));
}

/** A vaddr → file offset through readelf -S's section table (the oracle's view of the mapping). */
function readelfFileOffset(path: string, address: bigint): number {
  const text = execFileSync('readelf', ['-SW', path], { encoding: 'latin1' });
  for (const m of text.matchAll(
    /\]\s+\S+\s+(PROGBITS|NOBITS)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+\S+\s+(\S*A\S*)/g,
  )) {
    if (m[1] !== 'PROGBITS') continue;
    const addr = BigInt(`0x${m[2]}`);
    const size = BigInt(`0x${m[4]}`);
    if (addr <= address && address < addr + size)
      return Number(address - addr) + Number.parseInt(m[3] as string, 16);
  }
  throw new Error(`readelf: 0x${address.toString(16)} is in no PROGBITS section of ${path}`);
}

const LIBSTDCXX = ['/usr/lib/x86_64-linux-gnu/libstdc++.so.6', '/lib/x86_64-linux-gnu/libstdc++.so.6'].find(
  (p) => existsSync(p),
);
const PYTHON = existsSync('/usr/bin/python3.11') ? '/usr/bin/python3.11' : undefined;

describe('USDT notes against readelf -n', () => {
  const files: [string, () => string | undefined][] = [
    ['libstdc++', () => LIBSTDCXX],
    ['python3.11', () => PYTHON],
    ['the sdt fixture', () => (usdtFixturesMissing() ? undefined : usdtFixtures().fixture)],
  ];
  for (const [what, path] of files) {
    it(`reads every probe of ${what} as readelf -n shows it, at the file offsets readelf -S gives`, (ctx) => {
      const file = path();
      if (!file) {
        if (process.env.CI) expect.fail(`${what} is missing`);
        return ctx.skip();
      }
      const probes = notesOf(readFileSync(file));
      const oracle = readelfNotes(file);
      expect(oracle.length).toBeGreaterThan(0);
      expect(
        probes.map((p) => ({
          provider: p.provider,
          name: p.name,
          address: p.address,
          semaphore: p.semaphore,
          argText: p.argText,
        })),
      ).toEqual(oracle);
      for (const p of probes) {
        expect(p.error).toBeUndefined();
        expect(p.fileOffset).toBe(readelfFileOffset(file, p.address));
        if (p.semaphore !== 0n) expect(p.semaphoreOffset).toBe(readelfFileOffset(file, p.semaphore));
        else expect(p.semaphoreOffset).toBeUndefined();
        for (const a of p.args) expect(a.location.kind).not.toBe('unsupported');
      }
    });
  }

  it('moves sites and semaphores with .stapsdt.base in a prelinked image', (ctx) => {
    if (usdtFixturesMissing()) return process.env.CI ? expect.fail(usdtFixturesMissing()) : ctx.skip();
    const bytes = new Uint8Array(readFileSync(usdtFixtures().fixture));
    const before = notesOf(bytes);
    // Prelink moves the whole image: every allocated section's sh_addr, while the notes keep the
    // link-time addresses. Do that by hand, 0x200000 up.
    const elf = readElf(bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const shoff = Number(view.getBigUint64(0x28, true));
    const delta = 0x200000n;
    for (const s of elf.sections) {
      if ((s.flags & 2n) === 0n) continue;
      const at = shoff + s.index * 64 + 0x10;
      view.setBigUint64(at, view.getBigUint64(at, true) + delta, true);
    }
    const after = notesOf(bytes);
    expect(after.map((p) => p.address)).toEqual(before.map((p) => p.address + delta));
    expect(after.map((p) => p.semaphore)).toEqual(
      before.map((p) => (p.semaphore === 0n ? 0n : p.semaphore + delta)),
    );
    expect(after.map((p) => [p.fileOffset, p.semaphoreOffset])).toEqual(
      before.map((p) => [p.fileOffset, p.semaphoreOffset]),
    );
  });

  it('reads the headers and the notes of a library, not the whole file', (ctx) => {
    if (!LIBSTDCXX) return process.env.CI ? expect.fail('no libstdc++') : ctx.skip();
    const bytes = readFileSync(LIBSTDCXX);
    let read = 0;
    const probes = parseUsdtNotes(
      new ElfImage((at, n) => {
        const part = bytes.subarray(at, at + n);
        read += part.byteLength;
        return part;
      }),
    );
    expect(probes.length).toBeGreaterThan(0);
    expect(read).toBeLessThan(bytes.byteLength / 20);
  });

  it('a truncated note is an ElfError with its offset, not a crash', (ctx) => {
    if (!LIBSTDCXX) return process.env.CI ? expect.fail('no libstdc++') : ctx.skip();
    const bytes = new Uint8Array(readFileSync(LIBSTDCXX));
    const note = readElf(bytes).sections.find((s) => s.name === '.note.stapsdt');
    if (!note) throw new Error('libstdc++ has no .note.stapsdt');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const sizeAt = Number(view.getBigUint64(0x28, true)) + note.index * 64 + 0x20;
    for (const cut of [5, 20, note.size - 3]) {
      // The section header says the note section is shorter than its notes.
      const short = new Uint8Array(bytes);
      new DataView(short.buffer).setBigUint64(sizeAt, BigInt(cut), true);
      let error: unknown;
      try {
        notesOf(short);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ElfError);
      expect((error as ElfError).offset).toBeGreaterThanOrEqual(note.offset);
      expect((error as ElfError).offset).toBeLessThan(note.offset + cut);
    }
  });
});
