// The argument registers' offsets in a kprobe's or uprobe's context, fixed by the ABI (so a
// uprobe opens no BTF), against the running kernel's own struct pt_regs in its BTF.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vmlinuxBtf } from '../../src/btf-file.js';
import { registerOffsets, registerOffsetsFromBtf, UAPI_REGISTER_OFFSETS } from '../../src/probes/args.js';

describe('register offsets', () => {
  it.skipIf(!existsSync('/sys/kernel/btf/vmlinux'))("equal the kernel's pt_regs in its BTF", () => {
    const fixed = UAPI_REGISTER_OFFSETS[process.arch];
    expect(fixed, `no fixed offsets for ${process.arch}`).toBeDefined();
    expect(fixed).toEqual(registerOffsetsFromBtf(vmlinuxBtf()));
  });

  it('are taken without reading BTF where the ABI fixes them', () => {
    const offsets = registerOffsets(() => {
      throw new Error('BTF read');
    });
    expect(offsets.args).toHaveLength(process.arch === 'arm64' ? 8 : 6);
  });
});
