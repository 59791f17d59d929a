// The saved index of the kernel's BTF (src/btf-cache.ts): written on the first open, used on the
// next, ignored when it is not this blob's, rewritten when it does not fit, never with
// TSBPF_BTF_CACHE=0. Each test has a cache folder of its own.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Btf } from '../btf/parse.js';
import { btfCacheDir, kernelBuildId, loadBtfIndex, openKernelBtf } from '../src/btf-cache.js';

const VMLINUX = '/sys/kernel/btf/vmlinux';
const saved = { xdg: process.env.XDG_CACHE_HOME, off: process.env.TSBPF_BTF_CACHE };
let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), `tsbpf-btfcache-${process.pid}-`));
  process.env.XDG_CACHE_HOME = dir;
  delete process.env.TSBPF_BTF_CACHE;
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const [k, v] of [
    ['XDG_CACHE_HOME', saved.xdg],
    ['TSBPF_BTF_CACHE', saved.off],
  ] as const)
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

describe('kernelBuildId', () => {
  it('reads the GNU build id note among others', () => {
    const note = (name: string, type: number, desc: number[]) => {
      const n = Buffer.from(`${name}\0`);
      const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
      const head = Buffer.alloc(12);
      head.writeUInt32LE(n.length, 0);
      head.writeUInt32LE(desc.length, 4);
      head.writeUInt32LE(type, 8);
      return Buffer.concat([head, pad(n), pad(Buffer.from(desc))]);
    };
    const path = join(dir, 'notes');
    writeFileSync(
      path,
      Buffer.concat([note('Linux', 6, [1, 2, 3, 4, 5]), note('GNU', 3, [0xab, 0xcd, 0x01])]),
    );
    expect(kernelBuildId(path)).toBe('abcd01');
    writeFileSync(path, note('Linux', 6, [1]));
    expect(kernelBuildId(path)).toBeUndefined();
    expect(kernelBuildId(join(dir, 'missing'))).toBeUndefined();
  });
});

describe.skipIf(!existsSync(VMLINUX) || kernelBuildId() === undefined)('saved vmlinux index', () => {
  const bytes = readFileSync(VMLINUX);
  const files = () => (existsSync(btfCacheDir()) ? readdirSync(btfCacheDir()) : []);

  it('is written by the first open and used by the next, with the same answers', () => {
    expect(btfCacheDir()).toBe(join(dir, 'tsbpf'));
    expect(loadBtfIndex(bytes)).toBeUndefined();
    const first = openKernelBtf(bytes);
    expect(files()).toHaveLength(1);
    expect(files()[0]).toMatch(new RegExp(`^vmlinux-${kernelBuildId()}-${bytes.length}\\.btfidx$`));
    const index = loadBtfIndex(bytes);
    expect(index?.offsets).toEqual(first.savedIndex().offsets);
    const second = openKernelBtf(bytes);
    for (const n of ['task_struct', 'sk_buff', 'filename', 'bpf_map'])
      expect(second.findId(n, 'struct')).toBe(first.findId(n, 'struct'));
  });

  it('is not used for another blob of the same size', () => {
    openKernelBtf(bytes);
    const other = Buffer.from(bytes);
    // Bytes at the start of two of the 64 windows the key samples.
    other[Math.floor((other.length * 32) / 64)] ^= 0xff;
    other[Math.floor(other.length / 64)] ^= 0xff;
    expect(loadBtfIndex(other)).toBeUndefined();
  });

  it('is rewritten when it does not fit (a damaged file)', () => {
    openKernelBtf(bytes);
    const path = join(btfCacheDir(), files()[0] as string);
    const good = readFileSync(path);
    const bad = Buffer.from(good);
    bad.writeUInt32LE(7, 24); // the first record offset (after the 6-word header)
    writeFileSync(path, bad);
    const btf = openKernelBtf(bytes);
    expect(btf.findId('task_struct', 'struct')).toBe(Btf.parse(bytes).findId('task_struct', 'struct'));
    expect(readFileSync(path).equals(good)).toBe(true);
  });

  it('is neither read nor written with TSBPF_BTF_CACHE=0', () => {
    process.env.TSBPF_BTF_CACHE = '0';
    openKernelBtf(bytes);
    expect(files()).toEqual([]);
  });
});
