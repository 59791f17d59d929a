// USDT probes of a binary or shared library: its `.note.stapsdt` sites (format/usdt.ts), matched
// by provider and name (globs allowed), each attached as a uprobe at the site's file offset with
// the probe's semaphore as the uprobe's ref_ctr_offset, so the kernel increments the semaphore in
// every traced process while the probe exists (`if (PROBE_ENABLED())` code then runs). Sites whose
// arguments sit in different places are grouped by layout; each group's sites carry the group's
// index as their BPF cookie, which the probe's argument reads switch on.
import { type Stats, statSync } from 'node:fs';
import { FileCache } from '../file-cache.js';
import { ElfImage } from '../format/symbols/elf-image.js';
import type { SymbolsByName } from '../format/symbols/symbols-by-name.js';
import { parseUsdtNotes, type UsdtArg, type UsdtProbe } from '../format/usdt.js';
import { withFile } from '../read-at.js';
import { AttachError, type Link } from './link.js';
import type { PerfAttachMode } from './perf-attach.js';
import { attachUprobe } from './uprobe.js';
import { resolveBinary } from './uprobe-symbols.js';

/** Sites of one argument layout; attached with cookie = the group's index. */
export interface UsdtGroup {
  args: UsdtArg[];
  sites: UsdtProbe[];
}

interface Parsed {
  probes: UsdtProbe[];
  /** The file's symbols, read only when an argument names one (`sym(%rip)`). */
  symbols?: SymbolsByName;
}

const parsed = new FileCache<Parsed>();

function notesOf(path: string): Parsed {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new AttachError('not-found', path, `usdt: cannot read '${path}': ${(err as Error).message}`);
  }
  try {
    // The headers and the notes only (and the symbol tables if an argument needs them), never
    // the whole binary.
    return parsed.get(path, st, () =>
      withFile(path, (read) => {
        const image = new ElfImage(read);
        const probes = parseUsdtNotes(image);
        const named = probes.some((p) => p.args.some((a) => a.location.kind === 'symbol'));
        return { probes, symbols: named ? image.symbolsByName() : undefined };
      }),
    );
  } catch (err) {
    throw new AttachError('not-found', path, `usdt: cannot read '${path}' as ELF: ${(err as Error).message}`);
  }
}

/** The USDT probe sites of `binary` (a path, or a library name found as uprobes find it). */
export function usdtProbes(binary: string): UsdtProbe[] {
  return notesOf(resolveBinary(binary)).probes;
}

/** A shell-style glob as an anchored RegExp (`*`, `?`, `[…]`). */
function glob(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

/** `PROVIDER:NAME` or `NAME` (any provider) as a matcher. */
function matcher(target: string): (p: UsdtProbe) => boolean {
  const at = target.indexOf(':');
  const provider = at < 0 ? undefined : glob(target.slice(0, at));
  const name = glob(at < 0 ? target : target.slice(at + 1));
  return (p) => (provider === undefined || provider.test(p.provider)) && name.test(p.name);
}

/** `sym(%rip)` arguments as memory relative to the site's ip (the handler sees ip = the site). */
function resolveSymbols(symbols: SymbolsByName | undefined, site: UsdtProbe): UsdtArg[] {
  return site.args.map((a) => {
    if (a.location.kind !== 'symbol') return a;
    const { symbol, offset } = a.location;
    const sym = symbols?.findDefined(symbol);
    if (!sym)
      return {
        ...a,
        location: { kind: 'unsupported', why: `no symbol '${symbol}' in the file's .symtab or .dynsym` },
      };
    return {
      ...a,
      location: {
        kind: 'memory',
        base: 'rip',
        scale: 1,
        offset: BigInt(sym.address) + offset - site.address,
      },
    };
  });
}

/** The sites of `binary` that `target` (`PROVIDER:NAME` or `NAME`, globs allowed) names; maybe none. */
export function matchingUsdt(binary: string, target: string): UsdtProbe[] {
  return usdtProbes(binary).filter(matcher(target));
}

/** The sites of `binary` that `target` names, grouped by argument layout; none is an error. */
export function usdtGroups(binary: string, target: string): UsdtGroup[] {
  const path = resolveBinary(binary);
  const { probes, symbols } = notesOf(path);
  const sites = probes.filter(matcher(target));
  if (sites.length === 0) {
    const known = [...new Set(probes.map((p) => `${p.provider}:${p.name}`))];
    throw new AttachError(
      'not-found',
      `${path}:${target}`,
      `usdt: no probe '${target}' in ${path} (${known.length === 0 ? 'it has no .note.stapsdt probes' : `it has ${known.join(', ')}`})`,
    );
  }
  const groups = new Map<string, UsdtGroup>();
  for (const site of sites) {
    const args = resolveSymbols(symbols, site);
    const key = JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const g = groups.get(key);
    if (g) g.sites.push(site);
    else groups.set(key, { args, sites: [site] });
  }
  return [...groups.values()];
}

/** How attachUsdt attaches. */
export interface UsdtOptions {
  /** Only this process (default: every process that maps the binary, now or later). */
  pid?: number;
  mode?: PerfAttachMode;
}

/**
 * Attaches a kprobe-type program to every site of `binary` that `target` names; the Link closes
 * them all. Sites of the n-th argument layout (usdtGroups) carry cookie n when there are several.
 */
export function attachUsdt(
  prog: { fd: number },
  binary: string,
  target: string,
  opts: UsdtOptions = {},
): Link {
  const path = resolveBinary(binary);
  const groups = usdtGroups(path, target);
  const links: Link[] = [];
  try {
    groups.forEach((g, i) => {
      for (const site of g.sites) {
        if (site.error)
          throw new AttachError(
            'not-traceable',
            `${path}:${site.provider}:${site.name}`,
            `usdt ${site.provider}:${site.name}: ${site.error}`,
          );
        links.push(
          attachUprobe(prog, path, {
            offset: site.fileOffset,
            refCtrOffset: site.semaphoreOffset,
            pid: opts.pid,
            mode: groups.length > 1 ? 'link' : opts.mode,
            cookie: groups.length > 1 ? BigInt(i) : undefined,
            release: links.length === 0 ? () => closeAll() : undefined,
          }),
        );
      }
    });
  } catch (err) {
    closeAll();
    throw err;
  }
  function closeAll(): void {
    for (const l of links.splice(0)) l.close();
  }
  return links[0] as Link;
}
