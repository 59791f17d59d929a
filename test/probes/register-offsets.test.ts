// The argument registers' offsets in a kprobe's or uprobe's context, fixed by the ABI (so a
// uprobe opens no BTF), against the running kernel's own struct pt_regs in its BTF.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fieldPath } from '../../btf/layout.js';
import { vmlinuxBtf } from '../../src/btf-file.js';
import { registerOffsets, registerOffsetsFromBtf, UAPI_REGISTER_OFFSETS } from '../../src/probes/args.js';
import { X86_PT_REGS_OFFSET } from '../../src/probes/usdt-args.js';

describe('register offsets', () => {
  it.skipIf(!existsSync('/sys/kernel/btf/vmlinux'))("equal the kernel's pt_regs in its BTF", () => {
    const fixed = UAPI_REGISTER_OFFSETS[process.arch];
    expect(fixed, `no fixed offsets for ${process.arch}`).toBeDefined();
    expect(fixed).toEqual(registerOffsetsFromBtf(vmlinuxBtf()));
  });

  it.skipIf(process.arch !== 'x64' || !existsSync('/sys/kernel/btf/vmlinux'))(
    "USDT's x86-64 registers equal the kernel's pt_regs fields",
    () => {
      const btf = vmlinuxBtf();
      const regs = btf.findId('pt_regs', 'struct') as number;
      for (const [field, off] of Object.entries(X86_PT_REGS_OFFSET))
        expect(fieldPath(btf, field, regs).offset, field).toBe(off);
    },
  );

  it('are taken without reading BTF where the ABI fixes them', () => {
    const offsets = registerOffsets(() => {
      throw new Error('BTF read');
    });
    expect(offsets.args).toHaveLength(process.arch === 'arm64' ? 8 : 6);
  });
});
