// Where the saved registers are in a kprobe's or uprobe's context: the kernel's struct pt_regs as
// the UAPI lays it out (bpf_user_pt_regs_t: x86-64's struct pt_regs, arm64's user_pt_regs). That
// layout is ABI, so where it is written down here no BTF is read for it (opening the kernel's BTF
// is ~40 ms of a launch); elsewhere the field is looked up in the kernel's BTF. A test checks the
// table against the kernel's BTF.
import { fieldPath } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';

/** x86-64 struct pt_regs: offset of each field (named without the `r`/`e` of the register). */
export const X86_PT_REGS: Readonly<Record<string, number>> = {
  r15: 0,
  r14: 8,
  r13: 16,
  r12: 24,
  bp: 32,
  bx: 40,
  r11: 48,
  r10: 56,
  r9: 64,
  r8: 72,
  ax: 80,
  cx: 88,
  dx: 96,
  si: 104,
  di: 112,
  ip: 128,
  sp: 152,
};

/** Offset of pt_regs field `field` (`di`, `regs[3]`) in the kernel's BTF. */
export function ptRegsOffsetFromBtf(btf: Btf, field: string): number {
  const regs = btf.findId('pt_regs', 'struct');
  if (regs === undefined) throw new Error("the kernel's BTF has no struct pt_regs");
  return fieldPath(btf, field, regs).offset;
}

/** Offset of pt_regs field `field`: from the ABI on x86-64 and arm64, else from `btf()`. */
export function ptRegsOffset(field: string, btf: () => Btf): number {
  if (process.arch === 'x64' && Object.hasOwn(X86_PT_REGS, field)) return X86_PT_REGS[field] as number;
  const arm64 = process.arch === 'arm64' ? /^regs\[(\d+)\]$/.exec(field) : null;
  if (arm64 && Number(arm64[1]) < 31) return 8 * Number(arm64[1]);
  return ptRegsOffsetFromBtf(btf(), field);
}
