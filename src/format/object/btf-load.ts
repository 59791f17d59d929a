// The fix-ups libbpf makes before the object's BTF goes to the kernel (BPF_BTF_LOAD, see
// ../btf-object.ts): clang leaves DATASEC sizes and variable offsets at 0 (the linker's job), and
// the kernel does not accept extern variables' linkage.
import { Kind } from '../../../btf/kinds.js';
import type { Btf } from '../../../btf/parse.js';

const KIND_VAR = Kind.VAR;
const KIND_DATASEC = Kind.DATASEC;

/**
 * A copy of `btf.bytes` with every DATASEC given its section size and its variables their
 * symbol offsets (sorted by offset, as the kernel requires), and extern VARs made global.
 */
export function sanitizeBtf(
  btf: Btf,
  sectionSize: (datasec: string) => number | undefined,
  varOffset: (datasec: string, variable: string) => number | undefined,
): Uint8Array {
  const out = Uint8Array.from(btf.bytes);
  const v = new DataView(out.buffer);
  const le = btf.littleEndian;
  for (let id = 1; id < btf.typeCount; id++) {
    const kind = btf.kindOf(id);
    if (kind !== KIND_VAR && kind !== KIND_DATASEC) continue;
    const t = btf.type(id);
    const at = btf.recordOffset(id);
    if (t.kind === 'var' && t.linkage === 'extern') v.setUint32(at + 12, 1, le);
    if (t.kind !== 'datasec') continue;
    const size = sectionSize(t.name);
    if (size !== undefined) v.setUint32(at + 8, size, le);
    const vars = t.vars.map((vi) => {
      const variable = btf.type(vi.type);
      const off = varOffset(t.name, variable.name);
      return { type: vi.type, offset: off ?? vi.offset, size: vi.size };
    });
    vars.sort((a, b) => a.offset - b.offset);
    vars.forEach((vi, i) => {
      const e = at + 12 + i * 12;
      v.setUint32(e, vi.type, le);
      v.setUint32(e + 4, vi.offset, le);
      v.setUint32(e + 8, vi.size, le);
    });
  }
  return out;
}
