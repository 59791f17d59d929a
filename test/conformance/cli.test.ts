// `tsbpf conformance` and `tsbpf run`: output lines, exit codes, faults as one line.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as conformance } from '../../src/cli/conformance.js';
import { run } from '../../src/cli/run.js';
import { UsageError } from '../../src/cli/usage.js';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-interp-cli-'));
const path = (name: string) => join(dir, name);

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk);
    return true;
  });
  return { out: () => out, err: () => err };
}
afterEach(() => vi.restoreAllMocks());

describe('tsbpf conformance', () => {
  it('runs the whole suite: 313 passed, 0 failed, exit 0', async () => {
    const io = capture();
    expect(await conformance(['/work/shared/conformance/tests'])).toBe(0);
    expect(io.out()).toBe('313 passed, 0 failed\n');
  });

  it('prints one line per failure and exits 1', async () => {
    const d = mkdtempSync(join(tmpdir(), 'tsbpf-conf-'));
    copyFileSync('/work/shared/conformance/tests/add.data', join(d, 'add.data'));
    copyFileSync(
      '/work/shared/conformance/negative/incorrect_return_value_high_bits.data',
      join(d, 'wrong.data'),
    );
    const io = capture();
    expect(await conformance([d])).toBe(1);
    expect(io.out()).toBe(
      'wrong.data: expected 0x8977665544332211, got 0x8877665544332211\n1 passed, 1 failed\n',
    );
  });

  it('usage errors: a missing directory is exit 1, extra arguments are UsageError', async () => {
    const io = capture();
    expect(await conformance([path('nope')])).toBe(1);
    expect(io.err()).toMatch(/is not a directory/);
    await expect(conformance(['a', 'b'])).rejects.toBeInstanceOf(UsageError);
    await expect(conformance(['--bogus'])).rejects.toBeInstanceOf(UsageError);
    expect(await conformance(['--help'])).toBe(0);
  });
});

describe('tsbpf run', () => {
  writeFileSync(path('sum.s'), 'r0 = 1\nr1 = 2\nr0 += r1\n*(u64 *)(r10 - 8) = r0\nexit\n');

  it('prints r0 in decimal and hex', async () => {
    const io = capture();
    expect(await run([path('sum.s')])).toBe(0);
    expect(io.out()).toBe('r0 = 3 (0x3)\n');
  });

  it('--trace prints one aligned line per step', async () => {
    const io = capture();
    expect(await run([path('sum.s'), '--trace'])).toBe(0);
    expect(io.out().split('\n')).toEqual([
      'start: r10 = 0x200000200',
      '   0: r0 = 0x1                  r0 0x0 → 0x1',
      '   1: r1 = 0x2                  r1 0x0 → 0x2',
      '   2: r0 += r1                  r0 0x1 → 0x3',
      '   3: *(u64 *)(r10 - 0x8) = r0  [0x2000001f8] ← 03 00 00 00 00 00 00 00',
      '   4: exit',
      'r0 = 3 (0x3)',
      '5 instructions',
      '',
    ]);
  });

  it('--mem and the ubpf dialect; negative r0 also shown signed', async () => {
    writeFileSync(path('ld.s'), 'ldxh %r0, [%r1+1]\nneg %r0\nexit\n');
    const io = capture();
    expect(await run([path('ld.s'), '--dialect', 'ubpf', '--mem', '00 34 12'])).toBe(0);
    expect(io.out()).toBe('r0 = 18446744073709546956 (-4660) (0xffffffffffffedcc)\n');
  });

  it('runs conformance .data files with their own mem', async () => {
    const io = capture();
    expect(await run(['/work/shared/conformance/tests/ldxh.data'])).toBe(0);
    expect(io.out()).toBe('r0 = 8721 (0x2211)\n'); // the file's own -- result
  });

  it('a fault is one line with the pc and instruction, exit 1', async () => {
    writeFileSync(path('oob.s'), 'r0 = *(u64 *)(r1 + 8)\nexit\n');
    const io = capture();
    expect(await run([path('oob.s'), '--mem', '010203'])).toBe(1);
    expect(io.err()).toBe(
      `tsbpf run: ${path('oob.s')}: pc 0: r0 = *(u64 *)(r1 + 0x8): read of 8 bytes at 0x100000008 is outside context (3 bytes) (at 1:1: r0 = *(u64 *)(r1 + 8))\n`,
    );
  });

  it('--max-steps stops an endless loop; assembler errors print line:col', async () => {
    writeFileSync(path('loop.s'), 'L:\ngoto L\n');
    let io = capture();
    expect(await run([path('loop.s'), '--max-steps', '100'])).toBe(1);
    expect(io.err()).toMatch(/pc 0: goto -0x1: step limit of 100 instructions reached/);
    vi.restoreAllMocks();
    writeFileSync(path('bad.s'), 'r0 = 1\nr0 +== 2\n');
    io = capture();
    expect(await run([path('bad.s')])).toBe(1);
    expect(io.err()).toMatch(/bad\.s:2:\d+: /);
    await expect(run([path('sum.s'), '--max-steps', 'x'])).rejects.toBeInstanceOf(UsageError);
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
  });
});
