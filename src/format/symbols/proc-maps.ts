// /proc/PID/maps as data: each mapping's address range, permissions, file offset and path.
// (Text in, data out: reading the file is the caller's part.)

export interface Mapping {
  start: number;
  end: number;
  /** 'r-xp' and the like. */
  perms: string;
  /** File offset of `start`. */
  offset: number;
  /** Device and inode, identifying the file even after it is replaced on disk. */
  dev: string;
  inode: number;
  /** The file's path, a bracketed name ([heap], [stack], [vdso], [anon:…]) or '' (anonymous). */
  path: string;
}

/**
 * Parses the text of /proc/PID/maps. User addresses fit in 47 (57 with 5-level paging) bits, so
 * they are exact as numbers; a line that does not parse is skipped (the kernel writes them all
 * the same way, so that only happens with a truncated read).
 */
export function parseProcMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) (\S+) (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({
      start: Number.parseInt(m[1] as string, 16),
      end: Number.parseInt(m[2] as string, 16),
      perms: m[3] as string,
      offset: Number.parseInt(m[4] as string, 16),
      dev: m[5] as string,
      inode: Number(m[6]),
      path: (m[7] as string).replace(/ \(deleted\)$/, ''),
    });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** The mapping covering `address` (mappings sorted by start), or undefined. */
export function findMapping(maps: readonly Mapping[], address: number): Mapping | undefined {
  let lo = 0;
  let hi = maps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = maps[mid] as Mapping;
    if (address < m.start) hi = mid - 1;
    else if (address >= m.end) lo = mid + 1;
    else return m;
  }
  return undefined;
}
