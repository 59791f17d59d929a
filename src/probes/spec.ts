// Probe specifications as people write them: `kprobe:do_unlinkat`, `kretprobe:do_unlinkat`,
// `tracepoint:syscalls:sys_enter_openat`, `uprobe:/bin/bash:readline`, `fentry:vfs_read`,
// `tp_btf:sched_switch`, with bpftrace's short forms (k, kr, t, u, ur, f, fr, kfunc, kretfunc).

export type ProbeKind =
  | 'kprobe'
  | 'kretprobe'
  | 'fentry'
  | 'fexit'
  | 'tracepoint'
  | 'tp_btf'
  | 'uprobe'
  | 'uretprobe'
  /** Once when the tracer starts (all probes attached), and once when it ends: bpftrace's BEGIN/END. */
  | 'begin'
  | 'end';

export interface ProbeSpec {
  kind: ProbeKind;
  /** Kernel function, `category:event`, tp_btf event, or the uprobe's symbol. */
  target: string;
  /** tracepoint category and event. */
  category?: string;
  event?: string;
  /** uprobe binary (a path or a library name). */
  binary?: string;
  /** The text as written, for messages. */
  text: string;
}

const ALIASES: Record<string, ProbeKind> = {
  kprobe: 'kprobe',
  k: 'kprobe',
  kretprobe: 'kretprobe',
  kr: 'kretprobe',
  fentry: 'fentry',
  f: 'fentry',
  kfunc: 'fentry',
  fexit: 'fexit',
  fr: 'fexit',
  kretfunc: 'fexit',
  tracepoint: 'tracepoint',
  t: 'tracepoint',
  tp_btf: 'tp_btf',
  rawtracepoint: 'tp_btf',
  rt: 'tp_btf',
  uprobe: 'uprobe',
  u: 'uprobe',
  uretprobe: 'uretprobe',
  ur: 'uretprobe',
};

/** The kind a prefix names (`kprobe`, `k`, `kfunc`, ...), or undefined. */
export function probeKindOf(prefix: string): ProbeKind | undefined {
  return Object.hasOwn(ALIASES, prefix) ? ALIASES[prefix] : undefined;
}

/** A probe specification that does not parse: what was expected. */
export class ProbeSpecError extends Error {
  override name = 'ProbeSpecError';
  constructor(
    readonly text: string,
    why: string,
  ) {
    super(`probe '${text}': ${why}`);
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function parseProbeSpec(text: string): ProbeSpec {
  if (text === 'BEGIN' || text === 'END')
    return { kind: text === 'BEGIN' ? 'begin' : 'end', target: text, text };
  const colon = text.indexOf(':');
  if (colon < 0)
    throw new ProbeSpecError(
      text,
      'expected TYPE:TARGET (e.g. kprobe:do_unlinkat or tracepoint:syscalls:sys_enter_openat), BEGIN or END',
    );
  // Own properties only: `constructor:foo` names no probe type.
  const kind = probeKindOf(text.slice(0, colon));
  if (!kind)
    throw new ProbeSpecError(
      text,
      `unknown probe type '${text.slice(0, colon)}' (kprobe, kretprobe, fentry, fexit, tracepoint, tp_btf, uprobe, uretprobe)`,
    );
  const rest = text.slice(colon + 1);
  if (kind === 'tracepoint') {
    const m = /^([A-Za-z0-9_.-]+):([A-Za-z0-9_.-]+)$/.exec(rest);
    if (!m) throw new ProbeSpecError(text, 'expected tracepoint:CATEGORY:EVENT');
    return { kind, target: rest, category: m[1] as string, event: m[2] as string, text };
  }
  if (kind === 'uprobe' || kind === 'uretprobe') {
    const at = rest.lastIndexOf(':');
    if (at <= 0 || at === rest.length - 1) throw new ProbeSpecError(text, `expected ${kind}:BINARY:SYMBOL`);
    const symbol = rest.slice(at + 1);
    if (!IDENT.test(symbol)) throw new ProbeSpecError(text, `'${symbol}' is not a symbol name`);
    return { kind, target: symbol, binary: rest.slice(0, at), text };
  }
  if (!IDENT.test(rest))
    throw new ProbeSpecError(
      text,
      `'${rest}' is not a ${kind === 'tp_btf' ? 'tracepoint' : 'function'} name`,
    );
  return { kind, target: rest, text };
}

export function formatProbeSpec(spec: Pick<ProbeSpec, 'kind' | 'target' | 'binary'>): string {
  if (spec.kind === 'begin' || spec.kind === 'end') return spec.target;
  return spec.binary !== undefined
    ? `${spec.kind}:${spec.binary}:${spec.target}`
    : `${spec.kind}:${spec.target}`;
}

/** True for the kinds that run at a function's return. */
export const isReturnProbe = (kind: ProbeKind): boolean =>
  kind === 'kretprobe' || kind === 'fexit' || kind === 'uretprobe';
