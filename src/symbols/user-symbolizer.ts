// User-space stack symbolization. A process's /proc/PID/maps is captured the first time its pid
// is seen (forPid), so a process that exits before its stacks are printed is still symbolized;
// the maps are read again when an address falls outside every known mapping (a library loaded
// since). Native frames come from the ELF symbols of the mapped file (cached per build id), JIT
// frames from the process's perf map, and what nothing names prints as module+offset.

import { readFileSync, readlinkSync } from 'node:fs';
import { demangle } from '../format/symbols/demangle.js';
import { type Frame, frameText } from '../format/symbols/frame.js';
import { jsFrameName } from '../format/symbols/perf-map.js';
import { findMapping, type Mapping, parseProcMaps } from '../format/symbols/proc-maps.js';
import { kernelTextSymbol } from '../kallsyms.js';
import { BinaryCache, type BinaryCacheOptions } from './binaries.js';
import { PerfMapReader } from './perf-map.js';

export interface UserSymbolizerOptions extends BinaryCacheOptions {
  /** Where perf maps are (default '/tmp': `perf-PID.map`). */
  perfMapDir?: string;
  /** Demangle C++ names (default true). */
  demangle?: boolean;
  /**
   * Receives advice once per process (e.g. a Node process without a perf map); default: written
   * to stderr. Pass `() => {}` to silence it.
   */
  onAdvice?: (message: string) => void;
}

/** What is known of one process: its mappings (as first seen, then refreshed) and perf map. */
export class ProcessSymbols {
  readonly pid: number;
  maps: Mapping[];
  /** The executable's path, when /proc/PID/exe could be read at first sight. */
  readonly exe: string | undefined;
  /** False once the process was found gone: its captured maps are then final. */
  alive = true;
  readonly perfMap: PerfMapReader;
  advised = false;

  constructor(pid: number, perfMapDir: string) {
    this.pid = pid;
    this.maps = readMaps(pid) ?? [];
    if (this.maps.length === 0) this.alive = false;
    let exe: string | undefined;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      exe = undefined;
    }
    this.exe = exe;
    this.perfMap = new PerfMapReader(`${perfMapDir}/perf-${pid}.map`);
    this.perfMap.refresh();
  }

  /** Reads the maps again (when alive); true if they could be read. */
  refreshMaps(): boolean {
    if (!this.alive) return false;
    const maps = readMaps(this.pid);
    if (!maps || maps.length === 0) {
      this.alive = false;
      return false;
    }
    this.maps = maps;
    return true;
  }

  /** Whether this looks like a Node (V8) process: JS frames need its perf map. */
  get isNode(): boolean {
    return this.exe !== undefined && /(^|\/)(node|nodejs|node\d+)$/.test(this.exe);
  }
}

function readMaps(pid: number): Mapping[] | undefined {
  try {
    return parseProcMaps(readFileSync(`/proc/${pid}/maps`, 'latin1'));
  } catch {
    return undefined;
  }
}

export class UserSymbolizer {
  readonly binaries: BinaryCache;
  readonly #processes = new Map<number, ProcessSymbols>();
  readonly #perfMapDir: string;
  readonly #demangle: boolean;
  readonly #advise: (message: string) => void;
  readonly #notes = new Set<string>();

  constructor(opts: UserSymbolizerOptions = {}) {
    this.binaries = new BinaryCache(opts);
    this.#perfMapDir = opts.perfMapDir ?? '/tmp';
    this.#demangle = opts.demangle ?? true;
    this.#advise = opts.onAdvice ?? ((m) => process.stderr.write(`${m}\n`));
  }

  /**
   * The process's symbol state, its maps captured now if this is the first time `pid` is seen.
   * Call it as early as possible (when an event from a new pid is decoded): a process that exits
   * later keeps what was captured.
   */
  forPid(pid: number): ProcessSymbols {
    let p = this.#processes.get(pid);
    if (!p) {
      p = new ProcessSymbols(pid, this.#perfMapDir);
      this.#processes.set(pid, p);
    }
    return p;
  }

  /** Forgets a process (its pid may be reused by a new one). */
  forget(pid: number): void {
    this.#processes.delete(pid);
  }

  /** The frames of user addresses of `pid`, innermost first, in the order given. */
  symbolize(pid: number, addresses: readonly bigint[]): Frame[] {
    const proc = this.forPid(pid);
    let mapsRefreshed = false;
    let perfRefreshed = false;
    const out: Frame[] = [];
    for (const address of addresses) {
      const n = Number(address);
      let m = findMapping(proc.maps, n);
      if (!m && !mapsRefreshed) {
        mapsRefreshed = true;
        if (proc.refreshMaps()) m = findMapping(proc.maps, n);
      }
      if (m?.path.startsWith('/') && !m.path.startsWith('/memfd:')) {
        out.push(this.#native(address, n, m));
        continue;
      }
      // Anonymous memory (or none known): JIT code, named by the perf map if there is one.
      let hit = proc.perfMap.lookup(n);
      if (!hit && !perfRefreshed) {
        perfRefreshed = true;
        if (proc.perfMap.refresh()) hit = proc.perfMap.lookup(n);
      }
      if (hit) {
        const js = jsFrameName(hit.name);
        out.push({
          address,
          symbol: js.name,
          offset: BigInt(hit.offset),
          module: '[perf-map]',
          moduleOffset: BigInt(n - hit.start),
          kind: 'js',
        });
        continue;
      }
      if (m?.perms.includes('x') && proc.isNode && !proc.advised) {
        proc.advised = true;
        this.#advise(
          proc.perfMap.exists
            ? `pid ${pid}: some JavaScript frames are not in ${proc.perfMap.path}: add --interpreted-frames-native-stack to node's flags (with --perf-basic-prof) to name interpreted functions`
            : `pid ${pid}: JavaScript frames are unnamed: start node with --perf-basic-prof --interpreted-frames-native-stack (it writes ${proc.perfMap.path})`,
        );
      }
      out.push(
        m
          ? {
              address,
              module: m.path || '[anon]',
              moduleOffset: BigInt(n - m.start + m.offset),
              kind: 'unknown',
            }
          : { address, module: '[unknown]', moduleOffset: address, kind: 'unknown' },
      );
    }
    return out;
  }

  /** symbolize() as text lines (`name+0x1a` or `module+0xoffset`). */
  symbolizeText(pid: number, addresses: readonly bigint[]): string[] {
    return this.symbolize(pid, addresses).map(frameText);
  }

  #native(address: bigint, n: number, m: Mapping): Frame {
    const fileOffset = n - m.start + m.offset;
    const frame: Frame = { address, module: m.path, moduleOffset: BigInt(fileOffset), kind: 'unknown' };
    const bin = this.binaries.get(m.path, `${m.dev}:${m.inode}`);
    if (!bin) return frame;
    if (bin.note && !this.#notes.has(bin.note)) {
      this.#notes.add(bin.note);
      this.#advise(bin.note);
    }
    const vaddr = bin.image.addressOfOffset(fileOffset);
    const hit = vaddr === undefined ? undefined : bin.symbols.lookup(vaddr);
    if (!hit) return frame;
    frame.symbol = this.#demangle ? (demangle(hit.name) ?? hit.name) : hit.name;
    frame.offset = BigInt(hit.offset);
    frame.kind = 'native';
    return frame;
  }
}

/** Kernel addresses as frames: `[kernel]` or a module's `[name]`, from /proc/kallsyms. */
export function kernelFrames(addresses: readonly bigint[]): Frame[] {
  return addresses.map((address) => {
    const s = kernelTextSymbol(address);
    if (!s) return { address, module: '[kernel]', moduleOffset: address, kind: 'unknown' };
    return {
      address,
      symbol: s.name,
      offset: s.offset,
      module: s.module ? `[${s.module}]` : '[kernel]',
      moduleOffset: s.offset,
      kind: 'kernel',
    };
  });
}
