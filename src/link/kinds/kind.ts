// What one attach kind is, in one place: the descriptor every kind file under src/link/kinds/
// fills in, and defineKind(), which turns it into the object the registry hands out. The probe
// tracer, spec parser, argument reader, fallback chain, listing and object auto-attach ask a kind
// these questions instead of switching on its name. A descriptor file stays light (type imports
// only): the code that attaches — kallsyms, ELF, BTF, perf events — is its `impl`, imported the
// first time the kind is used, so a tracepoint-only tracer never loads the kprobe or uprobe code.

import type { AttachKind as SectionAttach, SectionInfo } from '../../format/object/sections.js';
import type { TracepointFormat } from '../../format/tracepoint-format.js';
import type { UsdtArg } from '../../format/usdt.js';
import type { ProbeSpec } from '../../probes/spec.js';
import type { LoadOptions, Program } from '../../program.js';
import type { AttachTypeName, ProgramTypeName } from '../../sys/types.js';
import type { BtfTargetKind } from '../btf-target.js';
import type { Link } from '../link.js';

/** What follows `kind:` in a probe spec (the parser in probes/spec.ts reads each one). */
export type TargetGrammar =
  /** A kernel function name: `kprobe:do_unlinkat`. */
  | 'function'
  /** A BTF tracepoint name: `tp_btf:sched_switch`. */
  | 'btf-tracepoint'
  /** `tracepoint:CATEGORY:EVENT`. */
  | 'tracepoint'
  /** `uprobe:BINARY:SYMBOL`. */
  | 'binary-symbol'
  /** A rate: `profile:hz:99`, `interval:ms:100` (hz, s, ms or us, then a positive integer). */
  | 'rate'
  /** `usdt:BINARY:PROVIDER:NAME` or `usdt:BINARY:NAME` (globs allowed in both names). */
  | 'binary-probe'
  /** Nothing: the spec is a bare word (`BEGIN`). */
  | 'none';

/** Where a probe's arguments come from (probes/args.ts reads each one). */
export type ArgSourceName =
  /** The saved registers (pt_regs), typed by the function's BTF prototype where it has one. */
  | 'kernel-registers'
  /** The saved registers, untyped (user functions have no kernel BTF). */
  | 'user-registers'
  /** The u64 array a BPF trampoline passes (fentry/fexit): arguments, then the return value. */
  | 'trampoline'
  /** A BTF tracepoint's arguments from its `btf_trace_<name>` prototype. */
  | 'btf-tracepoint'
  /** A tracepoint's record at the offsets of its tracefs `format` file. */
  | 'tracepoint-format'
  /** USDT argument specs: registers, memory at a register plus a displacement, constants. */
  | 'usdt'
  /** No arguments. */
  | 'none';

/** The name lists `tsbpf list` searches, each read once per listing. */
export interface ListSources {
  /** Functions kprobes may name (available_filter_functions, or kallsyms). */
  kernelFunctions(): string[];
  /** Functions with a BTF prototype that are also in the kernel's text (fentry/fexit). */
  btfFunctions(): string[];
  /** Tracepoints with a `btf_trace_` typedef (tp_btf). */
  btfTracepoints(): string[];
  /** tracefs tracepoints as `category:event`. */
  tracepoints(): string[];
  /** `names` matching a shell-style glob. */
  matching(names: readonly string[], glob: string): string[];
}

/** What a probe attach gets besides the program and the spec. */
export interface AttachContext {
  /** Only this process (uprobes attach to it alone). */
  pid?: number;
  /** The value bpf_get_attach_cookie returns in the program (which point of a wildcard fired). */
  cookie?: bigint;
}

/** What a wildcard spec (`kprobe:vfs_*`) names on this machine. */
export interface Expansion {
  /** The matching targets, as they follow `kind:` in a spec (`vfs_read`, `syscalls:sys_enter_read`). */
  targets: string[];
  /** Points the pattern matches that cannot be attached, left out: how many, and why. */
  skipped?: { count: number; why: string }[];
}

/** One attach kind. `I` is the kind's attach code, loaded by `impl` on first use. */
export interface KindDescriptor<N extends string, I = undefined> {
  /** The kind's name, as in probe specs and on its links: `kprobe`. */
  name: N;
  /** Other spec prefixes for it (bpftrace's short forms): `k`. */
  aliases?: readonly string[];
  /** The spec's bare word instead of `kind:target` (`BEGIN`). */
  word?: string;
  /** What follows `kind:` in a probe spec; a kind without one is not a probe kind (object sections only). */
  grammar?: TargetGrammar;
  /** The program type probes of this kind load as, and the expected attach type. */
  programType: ProgramTypeName;
  expectedAttachType?: AttachTypeName;
  /** The program names a vmlinux BTF target at load time (attach_btf_id). */
  btfTarget?: BtfTargetKind;
  /** It runs at a function's return (sees `ret()`). */
  returns?: boolean;
  /** Where its arguments come from. */
  args?: ArgSourceName;
  /** Pointers in its arguments point into user memory (uprobes, syscall tracepoints). */
  userMemory?: (spec: ProbeSpec) => boolean;
  /** It runs in no task's context (a timer): the tracer's pid and comm filters do not apply. */
  taskless?: boolean;
  /** Not attached: the tracer runs it once itself, at the start or at the end (BEGIN/END). */
  runsOnce?: 'start' | 'end';
  /** What to try when this kernel cannot attach it: other kinds on the same target, then the
   * syscall tracepoints (`enter` or `exit`) of every syscall that reaches the function. */
  fallbacks?: { kinds: readonly string[]; syscalls?: 'enter' | 'exit' };
  /** The probe on the return side of an entry probe (kprobe → kretprobe), for paired metrics. */
  returnSide?: (spec: ProbeSpec) => ProbeSpec | undefined;
  /** libbpf section kinds (object/sections.ts) this kind auto-attaches. */
  sections?: readonly SectionAttach[];

  /** The attach code, imported on first use. */
  impl?: () => Promise<I>;
  /** Why `spec` cannot work on this kernel before anything is loaded, or undefined. */
  precheck?: (impl: I, spec: ProbeSpec) => string | undefined;
  /** The tracepoint format a spec's arguments are read from. */
  format?: (impl: I, spec: ProbeSpec) => TracepointFormat | undefined;
  /** The argument layouts of the sites a spec attaches (USDT): layout `c` is read at cookie `c`. */
  siteArgs?: (impl: I, spec: ProbeSpec) => UsdtArg[][] | undefined;
  /** Loads the program (default: Program.load with the program type, expected attach type and
   * the vmlinux BTF id of `btfTarget`). */
  load?: (impl: I, spec: ProbeSpec, base: ProbeLoadInput) => Program;
  /** Attaches a loaded probe program. */
  attach?: (impl: I, program: Program, spec: ProbeSpec, ctx: AttachContext) => Link;
  /** Attaches an object's program the way its section says. */
  attachSection?: (impl: I, program: Program, def: SectionInfo, target: SectionTarget) => Link;
  /** The points a wildcard spec names (default: what `list.targets` lists for its pattern). */
  expand?: (impl: I, spec: ProbeSpec, sources: ListSources) => Expansion;
  /**
   * Every point of a wildcard can share one program (its arguments do not depend on which point:
   * registers, not a BTF prototype or a tracepoint's format): it is attached once per point, each
   * with its index as the cookie, or through `multi`. Otherwise each point gets its own program.
   */
  sharedProgram?: boolean;
  /** Many points in one link (kprobe_multi, uprobe_multi), where this kernel has it. */
  multi?: {
    /** The program's expected attach type for such a link. */
    expectedAttachType: AttachTypeName;
    /** Why this kernel cannot, or undefined. */
    unavailable: (impl: I) => string | undefined;
    /** Attaches `program` to every spec of `specs` (cookie: the spec's index); `label` names the link. */
    attach: (
      impl: I,
      program: Program,
      specs: readonly ProbeSpec[],
      label: string,
      ctx: AttachContext,
    ) => Link;
  };
  /** Listing: the targets matching `pattern` (what follows `kind:`). */
  list?: {
    /** A bare pattern (`tsbpf list sched`) searches this kind, in this rank (tracepoints first). */
    bare?: number;
    targets: (impl: I, pattern: string, sources: ListSources) => string[];
    /** Why this kernel cannot attach the kind at all, or undefined. */
    unavailable?: (impl: I) => string | undefined;
  };
}

/** The target an object's section names, or a NotAutoAttachable error saying what it lacks. */
export interface SectionTarget {
  /** The text after the section prefix; throws if there is none (`what` it should have named). */
  need(what: string): string;
  /** Throws: the section's target does not have the `shape` this kind needs (`uprobe/BINARY:SYMBOL`). */
  malformed(shape: string): never;
  /** The network interface (name or index as text) xdp/tc sections attach to: `tsbpf load --iface`,
   * or the caller's `iface` option; throws NotAutoAttachable naming `--iface` when none was given. */
  iface(): string;
  /** The XDP mode asked for (`tsbpf load --xdp-mode`), or undefined: the kernel picks. */
  xdpMode(): XdpMode | undefined;
  /** The cgroup v2 directory cgroup sections attach to: `tsbpf load --cgroup`, or the caller's
   * `cgroup` option; throws NotAutoAttachable naming `--cgroup` when none was given. */
  cgroup(): string;
}

/** How an XDP program runs: in the generic (skb) path, in the driver, or offloaded to the NIC. */
export type XdpMode = 'skb' | 'drv' | 'hw';

/** What every probe program load gets. */
export type ProbeLoadInput = Pick<LoadOptions, 'instructions' | 'maps' | 'name'>;

/** A kind as the registry hands it out: the descriptor's data, and its hooks with `impl` bound. */
export interface Kind<N extends string = string> {
  readonly name: N;
  readonly descriptor: KindDescriptor<N, unknown>;
  /** Imports the kind's attach code (once); the sync hooks below need it done. */
  ready(): Promise<void>;
  precheck(spec: ProbeSpec): string | undefined;
  format(spec: ProbeSpec): TracepointFormat | undefined;
  siteArgs(spec: ProbeSpec): UsdtArg[][] | undefined;
  /** The descriptor's own loader, or undefined: load with its program and attach types. */
  load(spec: ProbeSpec, base: ProbeLoadInput): Program | undefined;
  attach(program: Program, spec: ProbeSpec, ctx: AttachContext): Link | undefined;
  attachSection(program: Program, def: SectionInfo, target: SectionTarget): Link;
  listTargets(pattern: string, sources: ListSources): string[];
  listUnavailable(): string | undefined;
  /** The points wildcard `spec` names. */
  expand(spec: ProbeSpec, sources: ListSources): Expansion;
  /** Why `multi` cannot be used here (or the kind has none), or undefined. */
  multiUnavailable(): string | undefined;
  attachMulti(program: Program, specs: readonly ProbeSpec[], label: string, ctx: AttachContext): Link;
}

/** Turns a descriptor into a Kind: its attach code is imported by ready(), and bound to its hooks. */
export function defineKind<const N extends string, I = undefined>(d: KindDescriptor<N, I>): Kind<N> {
  let impl: I | undefined;
  let loaded = d.impl === undefined;
  let loading: Promise<void> | undefined;
  const code = (): I => {
    if (!loaded) throw new Error(`internal: the ${d.name} attach code is used before ready()`);
    return impl as I;
  };
  return {
    name: d.name,
    descriptor: d as KindDescriptor<N, unknown>,
    ready() {
      if (loaded) return Promise.resolve();
      loading ??= (d.impl as () => Promise<I>)().then((m) => {
        impl = m;
        loaded = true;
      });
      return loading;
    },
    precheck: (spec) => d.precheck?.(code(), spec),
    format: (spec) => d.format?.(code(), spec),
    siteArgs: (spec) => d.siteArgs?.(code(), spec),
    load: (spec, base) => d.load?.(code(), spec, base),
    attach: (program, spec, ctx) => d.attach?.(code(), program, spec, ctx),
    attachSection: (program, def, target) => {
      if (!d.attachSection) throw new Error(`internal: ${d.name} does not attach sections`);
      return d.attachSection(code(), program, def, target);
    },
    listTargets: (pattern, sources) => d.list?.targets(code(), pattern, sources) ?? [],
    listUnavailable: () => d.list?.unavailable?.(code()),
    expand: (spec, sources) => {
      if (d.expand) return d.expand(code(), spec, sources);
      const pattern = spec.text.slice(spec.text.indexOf(':') + 1);
      return { targets: d.list?.targets(code(), pattern, sources) ?? [] };
    },
    multiUnavailable: () => (d.multi ? d.multi.unavailable(code()) : `${d.name} has no multi-point links`),
    attachMulti: (program, specs, label, ctx) => {
      if (!d.multi) throw new Error(`internal: ${d.name} has no multi-point links`);
      return d.multi.attach(code(), program, specs, label, ctx);
    },
  };
}

/** `spec` as another kind on the same target (kprobe:x → kretprobe:x). */
export function asKind(spec: ProbeSpec, kind: ProbeSpec['kind']): ProbeSpec {
  const s = { ...spec, kind };
  return { ...s, text: s.binary !== undefined ? `${kind}:${s.binary}:${s.target}` : `${kind}:${s.target}` };
}
