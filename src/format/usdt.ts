// USDT probes (SystemTap static probes, <sys/sdt.h>) as an ELF file records them: one
// NT_STAPSDT note per probe site in `.note.stapsdt`, holding the site's address, the address the
// linker gave `.stapsdt.base`, the address of the probe's semaphore (0: none), then the
// provider, the name and the argument specs. A file moved after linking (prelink) has
// `.stapsdt.base` elsewhere than the note says: the difference moves the site and the semaphore
// too. Addresses become file offsets, which is what uprobes (and a semaphore's ref_ctr_offset) take.
import { ELF, ElfError } from './elf/types.js';
import type { ElfImage, ElfSectionHeader } from './symbols/elf-image.js';
import { parseUsdtArgs, type UsdtArg } from './usdt-args.js';

export type { RegisterPart, UsdtArg, UsdtLocation, X86Register } from './usdt-args.js';
export { parseUsdtArg, parseUsdtArgs } from './usdt-args.js';

const SHT_NOTE = 7;
const NT_STAPSDT = 3;

/** One probe site of a file's `.note.stapsdt`. */
export interface UsdtProbe {
  provider: string;
  name: string;
  /** The site's virtual address, after the `.stapsdt.base` adjustment. */
  address: bigint;
  /** The site's file offset (where a uprobe goes). */
  fileOffset: number;
  /** The semaphore's virtual address (adjusted), or 0n when the probe has none. */
  semaphore: bigint;
  /** The semaphore's file offset (a uprobe's ref_ctr_offset), or undefined when it has none. */
  semaphoreOffset?: number;
  /** The argument specs as written (`8@%rdi -4@%eax`). */
  argText: string;
  args: UsdtArg[];
  /** Why this site cannot be probed (its address or semaphore is in no section of the file). */
  error?: string;
}

/**
 * What the notes are read from: an ElfImage, which reads the section headers and then only the
 * sections asked for (a 100 MB binary is never read whole).
 */
export type UsdtFile = Pick<ElfImage, 'littleEndian' | 'sections' | 'sectionData'>;

/** `address` as a file offset, or undefined when no allocated section with bytes in the file holds it. */
function fileOffsetOf(file: UsdtFile, address: bigint): number | undefined {
  if (address > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  const at = Number(address);
  const s = file.sections.find(
    (s) =>
      (s.flags & ELF.SHF_ALLOC) !== 0 && s.type !== ELF.SHT_NOBITS && s.addr <= at && at < s.addr + s.size,
  );
  return s === undefined ? undefined : at - s.addr + s.offset;
}

function cString(data: Uint8Array, at: number, end: number, where: number, what: string): [string, number] {
  const nul = data.indexOf(0, at);
  if (nul < 0 || nul >= end)
    throw new ElfError(`stapsdt note: the ${what} is not NUL-terminated`, where + at);
  return [new TextDecoder().decode(data.subarray(at, nul)), nul + 1];
}

const align4 = (n: number): number => (n + 3) & ~3;

/** The USDT probe sites an ELF file's `.note.stapsdt` records, in note order. */
export function parseUsdtNotes(file: UsdtFile): UsdtProbe[] {
  const notes = file.sections.filter((s) => s.type === SHT_NOTE && s.name === '.note.stapsdt');
  if (notes.length === 0) return [];
  const baseSection = file.sections.find((s) => s.name === '.stapsdt.base');
  const out: UsdtProbe[] = [];
  for (const sec of notes) {
    const data = file.sectionData(sec);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const le = file.littleEndian;
    let at = 0;
    while (at < data.byteLength) {
      if (at + 12 > data.byteLength)
        throw new ElfError(`stapsdt note header (12 bytes) runs past ${sec.name}`, sec.offset + at);
      const namesz = view.getUint32(at, le);
      const descsz = view.getUint32(at + 4, le);
      const type = view.getUint32(at + 8, le);
      const nameAt = at + 12;
      const descAt = nameAt + align4(namesz);
      const next = descAt + align4(descsz);
      if (descAt + descsz > data.byteLength)
        throw new ElfError(`note of ${descsz} bytes runs past ${sec.name}`, sec.offset + at);
      const owner = new TextDecoder().decode(data.subarray(nameAt, nameAt + Math.max(0, namesz - 1)));
      if (type === NT_STAPSDT && owner === 'stapsdt')
        out.push(readProbe(file, data, view, descAt, descsz, sec, baseSection));
      at = next;
    }
  }
  return out;
}

function readProbe(
  file: UsdtFile,
  data: Uint8Array,
  view: DataView,
  at: number,
  size: number,
  sec: ElfSectionHeader,
  baseSection: ElfSectionHeader | undefined,
): UsdtProbe {
  const le = file.littleEndian;
  if (size < 24 + 3) throw new ElfError(`stapsdt note of ${size} bytes is too short`, sec.offset + at);
  const pc = view.getBigUint64(at, le);
  const base = view.getBigUint64(at + 8, le);
  const sem = view.getBigUint64(at + 16, le);
  const end = at + size;
  const [provider, p1] = cString(data, at + 24, end, sec.offset, 'provider');
  const [name, p2] = cString(data, p1, end, sec.offset, 'probe name');
  const [argText] = p2 < end ? cString(data, p2, end, sec.offset, 'argument text') : [''];
  // Prelinked (or otherwise moved) files: the note's addresses move with .stapsdt.base.
  const shift =
    baseSection !== undefined && base !== 0n && Number.isSafeInteger(baseSection.addr)
      ? BigInt(baseSection.addr) - base
      : 0n;
  const address = pc + shift;
  const semaphore = sem === 0n ? 0n : sem + shift;
  const probe: UsdtProbe = {
    provider,
    name,
    address,
    fileOffset: 0,
    semaphore,
    argText,
    args: parseUsdtArgs(argText),
  };
  const off = fileOffsetOf(file, address);
  if (off === undefined) probe.error = `site 0x${address.toString(16)} is in no section of the file`;
  else probe.fileOffset = off;
  if (semaphore !== 0n) {
    const s = fileOffsetOf(file, semaphore);
    if (s === undefined) probe.error = `semaphore 0x${semaphore.toString(16)} is in no section of the file`;
    else probe.semaphoreOffset = s;
  }
  return probe;
}
