// .BTF.ext: per-ELF-section func_info, line_info and CO-RE relocation records that clang emits
// next to .BTF. Strings (section names, files, source lines, access strings) live in .BTF's table.
import { BtfError } from './error.js';
import type { Btf } from './parse.js';

export interface FuncInfo {
  /** Byte offset of the function's first instruction in its section. */
  insnOff: number;
  /** The FUNC type id in .BTF. */
  typeId: number;
}
export interface LineInfo {
  insnOff: number;
  fileName: string;
  /** The source line's text. */
  line: string;
  lineNumber: number;
  column: number;
  /** The raw record fields, as the kernel takes them in line_info (string offsets into .BTF). */
  fileNameOff: number;
  lineOff: number;
  /** lineNumber << 10 | column. */
  lineCol: number;
}
/** enum bpf_core_relo_kind. */
export const CORE_RELO_KINDS = [
  'field_byte_offset',
  'field_byte_size',
  'field_exists',
  'field_signed',
  'field_lshift_u64',
  'field_rshift_u64',
  'type_id_local',
  'type_id_target',
  'type_exists',
  'type_size',
  'enumval_exists',
  'enumval_value',
  'type_matches',
] as const;
export type CoreReloKind = (typeof CORE_RELO_KINDS)[number];
export interface CoreRelo {
  insnOff: number;
  /** The root type (in .BTF) the access starts from. */
  typeId: number;
  /** `0:1:2`: the access path as indexes (array index, then member indexes). */
  access: string;
  kind: CoreReloKind;
  /** The kind as its number (enum bpf_core_relo_kind). */
  kindId: number;
}
export interface SectionRecords<T> {
  section: string;
  records: T[];
}
export interface BtfExt {
  funcInfo: SectionRecords<FuncInfo>[];
  lineInfo: SectionRecords<LineInfo>[];
  coreRelos: SectionRecords<CoreRelo>[];
  /** Record sizes as stored (the kernel wants them with func_info/line_info). */
  funcInfoRecSize: number;
  lineInfoRecSize: number;
  coreReloRecSize: number;
}

const MIN_HEADER = 24;

/** Parses a .BTF.ext section; `btf` is the object's .BTF (for the strings). */
export function parseBtfExt(bytes: Uint8Array, btf: Btf): BtfExt {
  if (bytes.byteLength < MIN_HEADER)
    throw new BtfError(`.BTF.ext truncated header: ${bytes.byteLength} bytes, need ${MIN_HEADER}`, 0);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint16(0, true);
  if (magic !== 0xeb9f) throw new BtfError(`.BTF.ext bad magic 0x${magic.toString(16)}`, 0);
  if (bytes[2] !== 1) throw new BtfError(`.BTF.ext unsupported version ${bytes[2]}`, 2);
  const hdrLen = v.getUint32(4, true);
  if (hdrLen < MIN_HEADER || hdrLen > bytes.byteLength)
    throw new BtfError(`.BTF.ext bad header length ${hdrLen}`, 4);
  const str = (off: number, at: number): string => {
    if (off >= btf.stringsLength) throw new BtfError(`.BTF.ext string offset ${off} out of range`, at);
    return btf.string(off);
  };
  const section = <T>(
    hdrField: number,
    minRec: number,
    read: (at: number) => T,
    check?: (r: T, at: number) => void,
  ): { recSize: number; secs: SectionRecords<T>[] } => {
    if (hdrField + 8 > hdrLen) return { recSize: 0, secs: [] };
    const start = hdrLen + v.getUint32(hdrField, true);
    const len = v.getUint32(hdrField + 4, true);
    if (len === 0) return { recSize: 0, secs: [] };
    const end = start + len;
    if (end > bytes.byteLength)
      throw new BtfError(`.BTF.ext subsection ${start}..${end} past end ${bytes.byteLength}`, hdrField);
    if (len < 4) throw new BtfError('.BTF.ext subsection too short for its record size', start);
    const recSize = v.getUint32(start, true);
    if (recSize < minRec || recSize % 4 !== 0)
      throw new BtfError(`.BTF.ext record size ${recSize}, need >= ${minRec}`, start);
    const secs: SectionRecords<T>[] = [];
    for (let at = start + 4; at < end; ) {
      if (at + 8 > end) throw new BtfError('.BTF.ext section header past end of subsection', at);
      const name = str(v.getUint32(at, true), at);
      const n = v.getUint32(at + 4, true);
      if (n === 0) throw new BtfError(`.BTF.ext section '${name}' has no records`, at + 4);
      if (n > (end - at - 8) / recSize)
        throw new BtfError(
          `.BTF.ext section '${name}': ${n} records of ${recSize} bytes run past end`,
          at + 4,
        );
      at += 8;
      const records: T[] = new Array(n);
      for (let i = 0; i < n; i++, at += recSize) records[i] = read(at);
      if (check) for (let i = 0; i < n; i++) check(records[i], at - (n - i) * recSize);
      secs.push({ section: name, records });
    }
    return { recSize, secs };
  };
  const typeInRange = (r: { typeId: number }, at: number) => {
    if (r.typeId >= btf.typeCount)
      throw new BtfError(
        `.BTF.ext record refers to type id ${r.typeId}, out of range (${btf.typeCount} types)`,
        at + 4,
      );
  };
  const fi = section(
    8,
    8,
    (at) => ({ insnOff: v.getUint32(at, true), typeId: v.getUint32(at + 4, true) }),
    typeInRange,
  );
  const li = section(16, 16, (at) => {
    const lc = v.getUint32(at + 12, true);
    const fileNameOff = v.getUint32(at + 4, true);
    const lineOff = v.getUint32(at + 8, true);
    return {
      insnOff: v.getUint32(at, true),
      fileName: str(fileNameOff, at + 4),
      line: str(lineOff, at + 8),
      lineNumber: lc >>> 10,
      column: lc & 0x3ff,
      fileNameOff,
      lineOff,
      lineCol: lc,
    };
  });
  const cr = section(
    24,
    16,
    (at) => {
      const k = v.getUint32(at + 12, true);
      const kind = CORE_RELO_KINDS[k];
      if (!kind) throw new BtfError(`.BTF.ext unknown CO-RE relocation kind ${k}`, at + 12);
      return {
        insnOff: v.getUint32(at, true),
        typeId: v.getUint32(at + 4, true),
        access: str(v.getUint32(at + 8, true), at + 8),
        kind,
        kindId: k,
      };
    },
    typeInRange,
  );
  return {
    funcInfo: fi.secs,
    lineInfo: li.secs,
    coreRelos: cr.secs,
    funcInfoRecSize: fi.recSize,
    lineInfoRecSize: li.recSize,
    coreReloRecSize: cr.recSize,
  };
}
