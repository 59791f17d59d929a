// `tsbpf asm` / `tsbpf disasm`: formats, error reporting, exit codes, and a lean import graph.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as asm } from '../../src/cli/asm.js';
import { run as disasm } from '../../src/cli/disasm.js';
import { UsageError } from '../../src/cli/usage.js';
import { readElf } from '../../src/format/elf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cli-'));
const path = (name: string) => join(dir, name);

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  return { out: () => out, err: () => err };
}
afterEach(() => vi.restoreAllMocks());

describe('tsbpf asm', () => {
  writeFileSync(path('prog.s'), 'r0 = 1\nif r0 == 1 goto +1\nr0 = 2\nexit\n');

  it('writes raw slots, hex lines and ELF', async () => {
    expect(await asm([path('prog.s'), '-o', path('prog.bin')])).toBe(0);
    expect(readFileSync(path('prog.bin')).toString('hex')).toBe(
      'b7000000010000001500010001000000b7000000020000009500000000000000',
    );
    expect(await asm([path('prog.s'), '--format', 'hex', '-o', path('prog.hex')])).toBe(0);
    expect(readFileSync(path('prog.hex'), 'utf8').split('\n')[0]).toBe('b7 00 00 00 01 00 00 00');
    expect(await asm([path('prog.s'), '--format', 'elf', '--section', 'xdp', '-o', path('prog.o')])).toBe(0);
    expect(readElf(readFileSync(path('prog.o'))).sections[1].name).toBe('xdp');
  });

  it('reads the ubpf dialect', async () => {
    writeFileSync(path('u.s'), 'mov %r0, 1\nexit\n');
    expect(await asm([path('u.s'), '--dialect', 'ubpf', '-o', path('u.bin')])).toBe(0);
    expect(readFileSync(path('u.bin')).toString('hex')).toBe('b7000000010000009500000000000000');
  });

  it('reports errors as file:line:col: message and exits 1', async () => {
    writeFileSync(path('bad.s'), 'r0 = 1\nr0 = = 2\nr12 = 1\n');
    const io = capture();
    expect(await asm([path('bad.s')])).toBe(1);
    expect(io.err().trim().split('\n')).toEqual([
      `${path('bad.s')}:2:6: expected a register, immediate, memory reference or operation after '=', found '='`,
      `${path('bad.s')}:3:1: register r12 does not exist (r0-r10)`,
    ]);
    expect(io.out()).toBe('');
  });

  it('reads UTF-8 text as UTF-8 (ASCII is read as latin1, a plain copy)', async () => {
    writeFileSync(path('utf8.s'), 'r0 = 1 ; café\nr0 = é\n');
    const io = capture();
    expect(await asm([path('utf8.s')])).toBe(1);
    expect(io.err().trim()).toMatch(/utf8\.s:2:6: expected .* after '=', found 'é'$/);
  });

  it('bad usage is a UsageError (exit 2); --help exits 0', async () => {
    await expect(asm(['--format', 'pdf'])).rejects.toThrow(UsageError);
    await expect(asm(['--bogus'])).rejects.toThrow(UsageError);
    const io = capture();
    expect(await asm(['--help'])).toBe(0);
    expect(io.out()).toMatch(/^usage: tsbpf asm/);
  });
});

describe('tsbpf disasm', () => {
  it('disassembles raw, hex and ELF input, with addresses', async () => {
    await asm([path('prog.s'), '-o', path('p.bin')]);
    await asm([path('prog.s'), '--format', 'hex', '-o', path('p.hex')]);
    await asm([path('prog.s'), '--format', 'elf', '-o', path('p.o')]);
    const io = capture();
    expect(await disasm([path('p.bin')])).toBe(0);
    expect(await disasm([path('p.hex'), '--format', 'hex', '--addresses'])).toBe(0);
    expect(await disasm([path('p.o'), '--format', 'elf', '--labels'])).toBe(0);
    expect(io.out().split('\n')).toEqual([
      'r0 = 0x1',
      'if r0 == 0x1 goto +0x1',
      'r0 = 0x2',
      'exit',
      '     0:\tr0 = 0x1',
      '     1:\tif r0 == 0x1 goto +0x1',
      '     2:\tr0 = 0x2',
      '     3:\texit',
      '.text:',
      'r0 = 0x1',
      'if r0 == 0x1 goto L0',
      'r0 = 0x2',
      'L0:',
      'exit',
      '',
    ]);
  });

  it('a broken ELF is a one-line error with the byte offset, exit 1', async () => {
    writeFileSync(path('broken.o'), Buffer.from('\x7fELF\x02\x01\x01'));
    const io = capture();
    expect(await disasm([path('broken.o'), '--format', 'elf'])).toBe(1);
    expect(io.err()).toMatch(/broken\.o: file is too short .*byte offset 0\)\n$/);
  });

  it('bad hex is a positioned error', async () => {
    writeFileSync(path('bad.hex'), 'b7 00\nzz\n');
    const io = capture();
    expect(await disasm([path('bad.hex'), '--format', 'hex'])).toBe(1);
    expect(io.err()).toContain('bad.hex:2:1:');
  });
});

describe('start-up cost', () => {
  it('asm and disasm import neither koffi nor BTF (static import graph)', () => {
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm)) {
        const spec = m[1];
        expect(spec, `${file} imports ${spec}`).not.toMatch(/koffi|btf/);
        if (spec.startsWith('.')) walk(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      }
    };
    walk(join(root, 'src/cli/asm.ts'));
    walk(join(root, 'src/cli/disasm.ts'));
    expect(seen.size).toBeGreaterThan(5);
  });
});
