// A minimal scan of raw BTF for one named type's id, for feature probes (fentry, tp_btf need a
// vmlinux BTF id). The full BTF reader lives in btf/; this walks the type section once, no decoding.
import { readFileSync } from 'node:fs';

const KIND_FUNC = 12;
const KIND_TYPEDEF = 8;

/** Bytes of kind-specific data after each 12-byte btf_type, by kind. */
function extraSize(kind: number, vlen: number): number {
  switch (kind) {
    case 1:
    case 14:
    case 17:
      return 4; // INT, VAR, DECL_TAG
    case 3:
      return 12; // ARRAY
    case 4:
    case 5:
    case 15:
    case 19:
      return vlen * 12; // STRUCT, UNION, DATASEC, ENUM64
    case 6:
    case 13:
      return vlen * 8; // ENUM, FUNC_PROTO
    default:
      return 0;
  }
}

let vmlinux: Buffer | null | undefined;

/** The id of the first type of `kind` named `name` in vmlinux BTF, or undefined. */
export function vmlinuxTypeId(name: string, kind: 'func' | 'typedef'): number | undefined {
  if (vmlinux === undefined) {
    try {
      vmlinux = readFileSync('/sys/kernel/btf/vmlinux');
    } catch {
      vmlinux = null;
    }
  }
  if (!vmlinux) return undefined;
  const b = vmlinux;
  if (b.readUInt16LE(0) !== 0xeb9f) return undefined;
  const hdrLen = b.readUInt32LE(4);
  const typeOff = hdrLen + b.readUInt32LE(8);
  const typeEnd = typeOff + b.readUInt32LE(12);
  const strOff = hdrLen + b.readUInt32LE(16);
  const want = kind === 'func' ? KIND_FUNC : KIND_TYPEDEF;
  const target = Buffer.from(`${name}\0`, 'latin1');
  let id = 1;
  for (let at = typeOff; at < typeEnd; id++) {
    const nameOff = b.readUInt32LE(at);
    const info = b.readUInt32LE(at + 4);
    const k = (info >>> 24) & 0x1f;
    if (
      k === want &&
      b.compare(target, 0, target.length, strOff + nameOff, strOff + nameOff + target.length) === 0
    )
      return id;
    at += 12 + extraSize(k, info & 0xffff);
  }
  return undefined;
}
