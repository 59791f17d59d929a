// .BTF.ext as the loader needs it: func_info, line_info and CO-RE relocation records grouped by
// the section they describe. Offsets in the records are bytes into that section, as clang writes
// them. (Pure; a stand-in until btf/ext.ts offers the same.)
import { ElfError } from '../elf/types.js';

export interface FuncInfoRecord {
  insnOff: number;
  typeId: number;
}
export interface LineInfoRecord {
  insnOff: number;
  fileNameOff: number;
  lineOff: number;
  /** line << 10 | column. */
  lineCol: number;
}
export interface CoreReloRecord {
  insnOff: number;
  typeId: number;
  accessStrOff: number;
  kind: number;
}

export interface BtfExt {
  funcInfo: Map<string, FuncInfoRecord[]>;
  lineInfo: Map<string, LineInfoRecord[]>;
  coreRelos: Map<string, CoreReloRecord[]>;
  /** Record sizes as written (the kernel takes func/line info at these sizes). */
  funcInfoRecSize: number;
  lineInfoRecSize: number;
}

/**
 * Parses .BTF.ext. `sectionName(off)` resolves a string offset in the object's .BTF.
 * `base` is the byte offset of .BTF.ext in the file, for error messages.
 */
export function parseBtfExt(bytes: Uint8Array, sectionName: (off: number) => string, base = 0): BtfExt {
  const fail = (msg: string, at: number): never => {
    throw new ElfError(`.BTF.ext: ${msg}`, base + at);
  };
  if (bytes.byteLength < 24) fail(`header needs 24 bytes, section has ${bytes.byteLength}`, 0);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = v.getUint16(0, true) === 0xeb9f;
  if (!le && v.getUint16(0, false) !== 0xeb9f) fail(`bad magic 0x${v.getUint16(0, true).toString(16)}`, 0);
  const hdrLen = v.getUint32(4, le);
  if (hdrLen < 24 || hdrLen > bytes.byteLength) fail(`bad header length ${hdrLen}`, 4);
  const part = (offAt: number) => {
    if (offAt + 8 > hdrLen) return undefined;
    const off = hdrLen + v.getUint32(offAt, le);
    const len = v.getUint32(offAt + 4, le);
    if (len === 0) return undefined;
    if (off + len > bytes.byteLength)
      fail(`subsection ${off}..${off + len} runs past the end (${bytes.byteLength})`, offAt);
    return { off, len };
  };
  const readPart = <T>(offAt: number, minRec: number, read: (at: number) => T) => {
    const out = new Map<string, T[]>();
    const p = part(offAt);
    if (!p) return { out, recSize: minRec };
    if (p.len < 4) fail('subsection too short for a record size', p.off);
    const recSize = v.getUint32(p.off, le);
    if (recSize < minRec || recSize % 4 !== 0)
      fail(`record size ${recSize} (need at least ${minRec})`, p.off);
    const end = p.off + p.len;
    for (let at = p.off + 4; at < end; ) {
      if (at + 8 > end) fail('truncated section header', at);
      const name = sectionName(v.getUint32(at, le));
      const n = v.getUint32(at + 4, le);
      at += 8;
      if (at + n * recSize > end)
        fail(`${n} records of ${recSize} bytes for ${name} run past the subsection`, at - 4);
      const list = out.get(name) ?? [];
      for (let i = 0; i < n; i++, at += recSize) list.push(read(at));
      out.set(name, list);
    }
    return { out, recSize };
  };
  const func = readPart(8, 8, (at) => ({ insnOff: v.getUint32(at, le), typeId: v.getUint32(at + 4, le) }));
  const line = readPart(16, 16, (at) => ({
    insnOff: v.getUint32(at, le),
    fileNameOff: v.getUint32(at + 4, le),
    lineOff: v.getUint32(at + 8, le),
    lineCol: v.getUint32(at + 12, le),
  }));
  const core = readPart(24, 16, (at) => ({
    insnOff: v.getUint32(at, le),
    typeId: v.getUint32(at + 4, le),
    accessStrOff: v.getUint32(at + 8, le),
    kind: v.getUint32(at + 12, le),
  }));
  return {
    funcInfo: func.out,
    lineInfo: line.out,
    coreRelos: core.out,
    funcInfoRecSize: func.recSize,
    lineInfoRecSize: line.recSize,
  };
}
