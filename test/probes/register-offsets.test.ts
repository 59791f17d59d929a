// The saved registers' offsets in a kprobe's or uprobe's context, fixed by the ABI (so a uprobe or
// USDT probe opens no BTF), against the running kernel's own struct pt_regs in its BTF.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { vmlinuxBtf } from '../../src/btf-file.js';
import { ARG_REGISTERS, registerOffsets } from '../../src/probes/args.js';
import { ptRegsOffset, ptRegsOffsetFromBtf, X86_PT_REGS } from '../../src/probes/pt-regs.js';

const noBtf = () => {
  throw new Error('BTF read');
};

describe('register offsets', () => {
  it.skipIf(!existsSync('/sys/kernel/btf/vmlinux'))("equal the kernel's pt_regs in its BTF", () => {
    const btf = vmlinuxBtf();
    const regs = ARG_REGISTERS[process.arch];
    expect(regs, `no argument registers for ${process.arch}`).toBeDefined();
    const { args, ret } = regs as { args: string[]; ret: string };
    expect(registerOffsets(noBtf)).toEqual({
      args: args.map((f) => ptRegsOffsetFromBtf(btf, f)),
      ret: ptRegsOffsetFromBtf(btf, ret),
    });
  });

  it.skipIf(process.arch !== 'x64' || !existsSync('/sys/kernel/btf/vmlinux'))(
    "USDT's x86-64 registers equal the kernel's pt_regs fields",
    () => {
      const btf = vmlinuxBtf();
      for (const field of Object.keys(X86_PT_REGS))
        expect(ptRegsOffset(field, noBtf), field).toBe(ptRegsOffsetFromBtf(btf, field));
    },
  );

  it('are taken without reading BTF where the ABI fixes them', () => {
    const offsets = registerOffsets(noBtf);
    expect(offsets.args).toHaveLength(process.arch === 'arm64' ? 8 : 6);
  });
});
