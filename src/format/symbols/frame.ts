// One symbolized stack frame, the shape every stack consumer (trace, count, profile, flame graphs)
// shares, and how a frame prints. A frame that no symbol covers still names its module and the
// offset in it, never a bare address.

/** Where a frame's name came from. */
export type FrameKind = 'native' | 'js' | 'kernel' | 'unknown';

export interface Frame {
  /** The instruction address as the stack map recorded it. */
  address: bigint;
  /** The function's name (C++ names demangled), when a symbol covers the address. */
  symbol?: string;
  /** address - the symbol's start, when `symbol` is set. */
  offset?: bigint;
  /**
   * The file the address lies in (a path from /proc/PID/maps), `[kernel]` or a kernel module's
   * `[name]`, `[perf-map]` for JIT code named by a perf map, `[anon]`/`[heap]`/`[stack]`… for
   * mappings with no file, `[unknown]` when no mapping covers the address.
   */
  module: string;
  /** The address's offset in `module`: the file offset for a file mapping (what `perf` prints). */
  moduleOffset: bigint;
  kind: FrameKind;
}

/** `name+0x1a` (a symbol), else `module+0xoffset` (the module's base name) — never a bare address. */
export function frameText(f: Frame): string {
  if (f.symbol !== undefined) return f.offset ? `${f.symbol}+0x${f.offset.toString(16)}` : f.symbol;
  return `${baseName(f.module)}+0x${f.moduleOffset.toString(16)}`;
}

/** Just the function (no offset) — what folded stacks and flame graphs group by. */
export function frameName(f: Frame): string {
  return f.symbol ?? `${baseName(f.module)}+0x${f.moduleOffset.toString(16)}`;
}

function baseName(path: string): string {
  if (path.startsWith('[')) return path;
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}
