// Probe points, for `tsbpf list`: the kernel functions kprobes and fentry can attach to, the
// tracepoints (tracefs) and BTF tracepoints (tp_btf), and the functions of a binary for uprobes,
// each with the arguments a probe body can read (`-v`), taken from the same code that gives
// probes their typed arguments, so the listing and `p.arg(name)` always agree.
import { readFileSync } from 'node:fs';
import { type KindName, kindNumber } from '../../btf/kinds.js';
import type { Btf } from '../../btf/parse.js';
import { vmlinuxBtf } from '../btf-file.js';
import { kallsyms, kprobeBlacklist } from '../kallsyms.js';
import { BTF_TRACEPOINT_PREFIX } from '../link/btf-target.js';
import { KINDS, kindByPrefix, kindOf, readyAll } from '../link/kinds/index.js';
import type { Kind, ListSources } from '../link/kinds/kind.js';
import { tracefsRoot } from '../tracefs.js';
import { probeArgs } from './args.js';
import { globRegExp } from './glob.js';
import { type ProbeKind, parseProbeSpec } from './spec.js';

export interface ProbePoint {
  /** As `tsbpf trace` and `Tracer.probe` take it: `kprobe:do_unlinkat`. */
  probe: string;
  kind: ProbeKind;
  /** With `verbose`: the arguments as C declarations (`struct filename *name`). */
  args?: string[];
  /** With `verbose`, for return probes and syscall exits: the return value's type. */
  ret?: string;
  /** With `verbose`, when the arguments could not be worked out: why. */
  error?: string;
}

export interface ListOptions {
  /** Add each point's arguments (reads BTF and tracepoint format files). */
  verbose?: boolean;
  /** The kernel's BTF (default: /sys/kernel/btf/vmlinux, parsed on first use). */
  btf?: () => Btf;
}

export interface ProbeList {
  points: ProbePoint[];
  /** One line per kind that was left out or cannot attach here, and why. */
  notes: string[];
}

export { globRegExp };

const hasWildcard = (s: string): boolean => /[*?[]/.test(s);

/** The kinds a bare pattern searches, in their rank; return kinds name the same points as their entry kinds. */
const BARE_KINDS = KINDS.filter((k) => k.descriptor.list?.bare !== undefined).sort(
  (a, b) => (a.descriptor.list?.bare as number) - (b.descriptor.list?.bare as number),
);

/** Lists the probe points matching each pattern (`kprobe:vfs_*`, `tracepoint:syscalls:*`, `uprobe:/bin/bash:read*`, or a bare `*unlink*`). */
export async function listProbePoints(
  patterns: readonly string[],
  options: ListOptions = {},
): Promise<ProbeList> {
  // Every kind's listing code, imported on first use.
  await readyAll();
  const lister = new Lister(options);
  for (const pattern of patterns.length > 0 ? patterns : ['*']) lister.add(pattern);
  return { points: lister.points, notes: [...lister.notes] };
}

/**
 * The name lists listing and wildcard expansion search, each read once however many patterns
 * ask (a BTF scan takes ~60 ms); `btf` gives the kernel's BTF when a list needs it.
 */
export function listSources(btf: () => Btf = vmlinuxBtf): ListSources {
  const nameCache = new Map<string, string[]>();
  const cached = (source: string, read: () => string[]): string[] => {
    let names = nameCache.get(source);
    if (!names) {
      names = read();
      nameCache.set(source, names);
    }
    return names;
  };
  const sources: ListSources = {
    kernelFunctions: () => cached('functions', kernelFunctions),
    // fentry needs both a BTF prototype and the function in the kernel's text.
    btfFunctions: () =>
      cached('btf functions', () => {
        const text = new Set(sources.kernelFunctions());
        return btfNames(btf(), 'func', '').filter((n) => text.has(n));
      }),
    btfTracepoints: () => cached('tp_btf', () => btfNames(btf(), 'typedef', BTF_TRACEPOINT_PREFIX)),
    tracepoints: () => cached('tracepoints', tracepoints),
    matching: (names, glob) => {
      const re = globRegExp(glob);
      return names.filter((n) => re.test(n));
    },
  };
  return sources;
}

function btfNames(btf: Btf, kind: KindName, prefix: string): string[] {
  const wanted = kindNumber(kind);
  const out: string[] = [];
  for (let id = 1; id < btf.typeCount; id++) {
    if (btf.kindOf(id) !== wanted) continue;
    const name = btf.nameOf(id);
    if (name.startsWith(prefix)) out.push(name.slice(prefix.length));
  }
  return [...new Set(out)].sort();
}

class Lister {
  readonly points: ProbePoint[] = [];
  readonly notes = new Set<string>();
  private readonly seen = new Set<string>();
  private btfParsed: Btf | undefined;
  private readonly sources: ListSources = listSources(() => this.btf());

  constructor(private readonly options: ListOptions) {}

  add(pattern: string): void {
    const colon = pattern.indexOf(':');
    const kind = colon > 0 ? kindByPrefix(pattern.slice(0, colon)) : undefined;
    if (kind === undefined) {
      // A bare pattern matches whole probe names; without wildcards it is a substring.
      const re = globRegExp(hasWildcard(pattern) ? pattern : `*${pattern}*`);
      for (const k of BARE_KINDS) {
        const why = k.listUnavailable();
        if (why) this.notes.add(`${k.name}: not listed: ${why}`);
        else for (const t of k.listTargets('*', this.sources)) if (re.test(`${k.name}:${t}`)) this.push(k, t);
      }
      return;
    }
    const why = kind.listUnavailable();
    if (why) this.notes.add(`${kind.name}: listed, but this kernel cannot attach them: ${why}`);
    for (const t of kind.listTargets(pattern.slice(colon + 1), this.sources)) this.push(kind, t);
  }

  private push(kind: Kind, target: string): void {
    const probe = `${kind.name}:${target}`;
    if (this.seen.has(probe)) return;
    this.seen.add(probe);
    const point: ProbePoint = { probe, kind: kind.name as ProbeKind };
    if (this.options.verbose) this.describe(point, target);
    this.points.push(point);
  }

  private describe(point: ProbePoint, target: string): void {
    try {
      const spec = parseProbeSpec(point.probe);
      const kind = kindOf(spec.kind);
      const format = kind.format(spec);
      const sites = kind.siteArgs(spec);
      const { args, ret } = probeArgs({ kind: spec.kind, target, btf: () => this.btf(), format, sites });
      point.args = args.map((a) => a.decl);
      // Only return probes and syscall exits have one.
      if (ret) point.ret = ret.decl;
    } catch (err) {
      point.error = (err as Error).message;
    }
  }

  private btf(): Btf {
    if (this.options.btf) return this.options.btf();
    // Parsed on first use: listing tracepoints alone never needs it.
    this.btfParsed ??= vmlinuxBtf();
    return this.btfParsed;
  }
}

/**
 * Kernel functions a kprobe may name: tracefs's available_filter_functions where it can be read,
 * otherwise the text symbols of /proc/kallsyms without the compiler's padding and CFI stubs and
 * without the kprobe blacklist.
 */
export function kernelFunctions(): string[] {
  let names: string[];
  try {
    const text = readFileSync(`${tracefsRoot()}/available_filter_functions`, 'latin1');
    names = text.split('\n').map((l) => l.split(/\s/, 1)[0] as string);
  } catch {
    const blacklist = kprobeBlacklist();
    names = [];
    for (const s of kallsyms().values()) {
      if (s.type !== 't' && s.type !== 'T') continue;
      if (s.name.startsWith('__pfx_') || s.name.startsWith('__cfi_') || blacklist?.has(s.name)) continue;
      names.push(s.name);
    }
  }
  return [...new Set(names.filter((n) => n !== ''))].sort();
}

/** Every tracepoint as `category:event`: tracefs's available_events (the events/ftrace entries are internal and cannot be enabled). */
export function tracepoints(): string[] {
  const text = readFileSync(`${tracefsRoot()}/available_events`, 'latin1');
  return [...new Set(text.split('\n').filter((l) => l.includes(':')))].sort();
}
