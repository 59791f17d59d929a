// `tsbpf btf dump|show`: formats against the bpftool goldens, type selection, exit codes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/btf.js';
import { UsageError } from '../../src/cli/usage.js';
import { FIXTURES, fixture, hasVmlinux } from './support.js';

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
const types = `${FIXTURES}types.btf`;
const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

describe('tsbpf btf', () => {
  it('dump --format raw and c print what bpftool prints', async () => {
    const io = capture();
    expect(await run(['dump', '--file', types])).toBe(0);
    expect(io.out()).toBe(fixture('types.raw').toString());
    // The C header is written straight to fd 1 as it is made: run as a process.
    const c = spawnSync(process.execPath, [MAIN, 'btf', 'dump', '--file', types, '--format', 'c'], {
      encoding: 'utf8',
    });
    expect(c.status, c.stderr).toBe(0);
    expect(c.stdout).toContain('struct node {\n\tstruct node *next;');
    expect(c.stdout).toContain('#endif /* __VMLINUX_H__ */');
  });

  it('dump TYPE selects types; json decodes them', async () => {
    let io = capture();
    expect(await run(['dump', '--file', types, 'flags'])).toBe(0);
    expect(io.out()).toBe(
      `${
        fixture('types.raw')
          .toString()
          .match(/^\[\d+\] STRUCT 'flags'[^[]*/m)?.[0]
      }`,
    );
    vi.restoreAllMocks();
    io = capture();
    expect(await run(['dump', '--file', types, '--format', 'json', 'big'])).toBe(0);
    expect(JSON.parse(io.out())).toEqual([
      expect.objectContaining({
        kind: 'enum64',
        name: 'big',
        values: [
          { name: 'BIG_SMALL', value: '1' },
          { name: 'BIG_HUGE', value: '281474976710655' },
        ],
      }),
    ]);
  });

  it('show: members with offsets, sizes and bitfields', async () => {
    const io = capture();
    expect(await run(['show', '--file', types, 'flags'])).toBe(0);
    const lines = io.out().split('\n');
    expect(lines[0]).toBe('struct flags { /* [11] size 16, align 8 */');
    expect(lines[3]).toMatch(/^\tint c:12;\s+\/\* 1:0 bits 12 \*\/$/);
    expect(lines[5]).toMatch(/^\tchar tail;\s+\/\* 8 1 \*\/$/);
  });

  it.runIf(hasVmlinux)('show a kernel function prototype', async () => {
    const io = capture();
    expect(await run(['show', 'do_unlinkat'])).toBe(0);
    expect(io.out()).toMatch(/^int do_unlinkat\(int dfd, struct filename \*name\);$/m);
  });

  it('errors: unknown type exits 1 with one line, bad usage throws UsageError', async () => {
    const io = capture();
    expect(await run(['dump', '--file', types, 'no_such'])).toBe(1);
    expect(io.err()).toBe("tsbpf btf: no type named 'no_such'\n");
    await expect(run(['frobnicate'])).rejects.toThrow(UsageError);
    await expect(run(['dump', '--format', 'yaml'])).rejects.toThrow(UsageError);
    await expect(run(['show'])).rejects.toThrow(UsageError);
    expect(await run(['--help'])).toBe(0);
  });
});
