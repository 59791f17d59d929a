// Reading BTF from files: the kernel's own (/sys/kernel/btf/vmlinux, and modules' split BTF on
// top of it) or any raw BTF blob. Parsing itself is pure (btf/); this only does the I/O, mapping
// the running kernel's blob through the FFI where it can (src/sys/mmap.ts).
import { readFileSync } from 'node:fs';
import { Btf } from '../btf/parse.js';
import { openKernelBtf, VMLINUX_BTF_PATH } from './btf-cache.js';
import { mapWholeFile } from './sys/mmap.js';
import { timed } from './timing.js';

export { VMLINUX_BTF_PATH };

let kernel: Btf | undefined;

/** The running kernel's BTF, read once per process and shared; its `bytes` may be a read-only mapping. */
export function vmlinuxBtf(): Btf {
  kernel ??= timed('BTF open+index (vmlinux)', () => openKernelBtf(readKernelBtf()));
  return kernel;
}

/**
 * The running kernel's BTF blob, mapped read-only where the kernel allows it (6.16 on: no copy of
 * its ~5 MB through some 1,400 page-sized reads, which was half of a cold open, and no private
 * memory held for it), else read. Read once per process: the mapping is kept.
 */
export function readKernelBtf(path = VMLINUX_BTF_PATH): Uint8Array {
  return mapWholeFile(path) ?? readFileSync(path);
}

/**
 * The vmlinux BTF id of the first `kind` type named `name`, or undefined (also when this kernel
 * has no BTF at all: feature probes ask before anything needs BTF).
 */
export function vmlinuxTypeId(name: string, kind: 'func' | 'typedef'): number | undefined {
  let btf: Btf;
  try {
    btf = vmlinuxBtf();
  } catch {
    return undefined;
  }
  return btf.findId(name, kind);
}

/** A kernel module's split BTF (/sys/kernel/btf/<module>) on top of vmlinux. */
export function moduleBtf(module: string): Btf {
  if (!/^[A-Za-z0-9_-]+$/.test(module) || module === 'vmlinux')
    throw new Error(`bad module name '${module}'`);
  const base = vmlinuxBtf();
  return timed(`BTF open+index (${module})`, () =>
    Btf.parse(readFileSync(`/sys/kernel/btf/${module}`), { base }),
  );
}

/** A raw BTF file (e.g. an extracted .BTF section); `base` for split BTF. */
export function readBtfFile(path: string, base?: Btf): Btf {
  return timed('BTF open+index', () => Btf.parse(readFileSync(path), { base }));
}
