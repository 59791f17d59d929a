// Reading the kernel's BTF (src/btf-file.ts): mapped read-only where the kernel allows it (6.16
// on), read where it does not, the same bytes and the same types either way; and the mapping
// itself (src/sys/mmap.ts mapWholeFile) on files that can and cannot be mapped.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Btf } from '../btf/parse.js';
import { readKernelBtf, VMLINUX_BTF_PATH, vmlinuxBtf } from '../src/btf-file.js';
import { linuxKernelVersion } from '../src/object/kernel-config.js';
import { mapWholeFile } from '../src/sys/mmap.js';
import { kernelDescribe } from './support/kernel.js';

/** The kernel that first lets /sys/kernel/btf/vmlinux be mapped. */
const MAPPABLE_FROM = (6 << 16) | (16 << 8);

describe('mapWholeFile', () => {
  it('maps a regular file: the same bytes as reading it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-mapfile-'));
    try {
      const file = join(dir, 'blob');
      const bytes = Buffer.alloc(3 * 4096 + 17);
      for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 3) & 0xff;
      writeFileSync(file, bytes);
      const mapped = mapWholeFile(file);
      expect(mapped?.length).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(mapped as Uint8Array), bytes)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives undefined for an empty file and for a sysfs file without mmap; throws for a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-mapfile-'));
    try {
      writeFileSync(join(dir, 'empty'), '');
      expect(mapWholeFile(join(dir, 'empty'))).toBeUndefined();
      expect(() => mapWholeFile(join(dir, 'absent'))).toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // /sys/kernel/notes: a binary sysfs attribute without mmap (ENODEV).
    if (existsSync('/sys/kernel/notes')) expect(mapWholeFile('/sys/kernel/notes')).toBeUndefined();
  });
});

kernelDescribe('readKernelBtf', ['btf'], () => {
  it('gives the bytes of /sys/kernel/btf/vmlinux, mapped on a kernel that allows it', () => {
    const read = readFileSync(VMLINUX_BTF_PATH);
    const bytes = readKernelBtf();
    expect(Buffer.compare(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), read)).toBe(0);
    const mapped = mapWholeFile(VMLINUX_BTF_PATH);
    if (linuxKernelVersion() >= MAPPABLE_FROM) expect(mapped).toBeDefined();
    // Where it maps, what readKernelBtf gave is not a copy in the JS heap.
    if (mapped) expect(Buffer.isBuffer(bytes)).toBe(false);
  });

  it('the process-wide kernel BTF parses from it to the same types as from a read copy', () => {
    const fromRead = Btf.parse(readFileSync(VMLINUX_BTF_PATH));
    const kernel = vmlinuxBtf();
    expect(kernel.typeCount).toBe(fromRead.typeCount);
    for (const name of ['task_struct', 'sk_buff', 'file']) {
      const id = kernel.findId(name, 'struct');
      expect(id).toBe(fromRead.findId(name, 'struct'));
      expect(kernel.type(id as number)).toEqual(fromRead.type(id as number));
    }
  });
});
