// Probe specifications as people write them: `kprobe:do_unlinkat`, `kretprobe:do_unlinkat`,
// `tracepoint:syscalls:sys_enter_openat`, `uprobe:/bin/bash:readline`, `fentry:vfs_read`,
// `tp_btf:sched_switch`, `profile:hz:99`, with bpftrace's short forms (k, kr, t, u, ur, f, fr, kfunc, kretfunc).
// The kinds, their prefixes and what follows each come from the attach-kind registry.
import { kindByPrefix, kindByWord, kindOf, PREFIXED_KINDS, type ProbeKindName } from '../link/kinds/index.js';
import type { TargetGrammar } from '../link/kinds/kind.js';

export type ProbeKind = ProbeKindName;

export interface ProbeSpec {
  kind: ProbeKind;
  /** Kernel function, `category:event`, tp_btf event, or the uprobe's symbol. */
  target: string;
  /** tracepoint category and event. */
  category?: string;
  event?: string;
  /** uprobe or usdt binary (a path or a library name); a usdt target is `PROVIDER:NAME` or `NAME`. */
  binary?: string;
  /** The text as written, for messages. */
  text: string;
}

/** The kind a prefix names (`kprobe`, `k`, `kfunc`, ...), or undefined. */
export function probeKindOf(prefix: string): ProbeKind | undefined {
  return kindByPrefix(prefix)?.name as ProbeKind | undefined;
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
/** A name with shell wildcards (`vfs_*`, `sys_enter_[rw]*`): it names every matching point. */
const GLOB = /^[A-Za-z0-9_.*?[\]!-]+$/;
const WILDCARD = /[*?[]/;

/** `name`, or a wildcard pattern of names. */
const nameOrGlob = (s: string): boolean => IDENT.test(s) || (WILDCARD.test(s) && GLOB.test(s));

/** Grammars whose target names one point: a glob there is a wildcard the tracer expands. */
const ONE_POINT: readonly TargetGrammar[] = ['function', 'tracepoint', 'binary-symbol'];

/**
 * The spec names many points (`kprobe:vfs_*`): the tracer expands it through its kind. (A USDT
 * spec's globs are its own kind's business: it attaches every matching note itself.)
 */
export function isWildcard(spec: Pick<ProbeSpec, 'kind' | 'target'>): boolean {
  const grammar = kindOf(spec.kind).descriptor.grammar;
  return grammar !== undefined && ONE_POINT.includes(grammar) && WILDCARD.test(spec.target);
}
/** A USDT provider or probe name, or a glob of one. */
const USDT_NAME = /^[A-Za-z0-9_*?[\]]+$/;

type Target = Omit<ProbeSpec, 'kind' | 'text'>;

/** How each target grammar reads what follows `kind:`. */
const GRAMMARS: Record<TargetGrammar, (rest: string, kind: string, text: string) => Target> = {
  function: (rest, _kind, text) => {
    if (!nameOrGlob(rest)) throw new ProbeSpecError(text, `'${rest}' is not a function name`);
    return { target: rest };
  },
  'btf-tracepoint': (rest, _kind, text) => {
    if (!IDENT.test(rest)) throw new ProbeSpecError(text, `'${rest}' is not a tracepoint name`);
    return { target: rest };
  },
  tracepoint: (rest, _kind, text) => {
    const m = /^([A-Za-z0-9_.*?[\]!-]+):([A-Za-z0-9_.*?[\]!-]+)$/.exec(rest);
    if (!m) throw new ProbeSpecError(text, 'expected tracepoint:CATEGORY:EVENT');
    return { target: rest, category: m[1] as string, event: m[2] as string };
  },
  'binary-symbol': (rest, kind, text) => {
    const at = rest.lastIndexOf(':');
    if (at <= 0 || at === rest.length - 1) throw new ProbeSpecError(text, `expected ${kind}:BINARY:SYMBOL`);
    const symbol = rest.slice(at + 1);
    if (!nameOrGlob(symbol)) throw new ProbeSpecError(text, `'${symbol}' is not a symbol name`);
    return { target: symbol, binary: rest.slice(0, at) };
  },
  rate: (rest, kind, text) => {
    if (!/^(hz|s|ms|us):[1-9][0-9]*$/.test(rest))
      throw new ProbeSpecError(text, `expected ${kind}:hz:N, ${kind}:s:N, ${kind}:ms:N or ${kind}:us:N`);
    return { target: rest };
  },
  'binary-probe': (rest, kind, text) => {
    // BINARY:PROVIDER:NAME, or BINARY:NAME for a name of any provider; globs allowed in both.
    const parts = rest.split(':');
    const shape = `expected ${kind}:BINARY:PROVIDER:NAME or ${kind}:BINARY:NAME`;
    if (parts.length < 2) throw new ProbeSpecError(text, shape);
    const name = parts.pop() as string;
    const provider = parts.length >= 2 ? (parts.pop() as string) : undefined;
    const binary = parts.join(':');
    for (const [what, word] of [
      ['name', name],
      ['provider', provider],
    ] as const) {
      if (word !== undefined && !USDT_NAME.test(word))
        throw new ProbeSpecError(text, `'${word}' is not a probe ${what} (${shape})`);
    }
    if (binary === '') throw new ProbeSpecError(text, shape);
    return { target: provider === undefined ? name : `${provider}:${name}`, binary };
  },
  none: (_rest, kind, text) => {
    throw new ProbeSpecError(text, `${kindOf(kind).descriptor.word} takes no target`);
  },
};

export function parseProbeSpec(text: string): ProbeSpec {
  const word = kindByWord(text);
  if (word) return { kind: word.name as ProbeKind, target: text, text };
  const colon = text.indexOf(':');
  if (colon < 0)
    throw new ProbeSpecError(
      text,
      'expected TYPE:TARGET (e.g. kprobe:do_unlinkat or tracepoint:syscalls:sys_enter_openat), BEGIN or END',
    );
  const kind = kindByPrefix(text.slice(0, colon));
  if (!kind) {
    const names = PREFIXED_KINDS.map((k) => k.name).join(', ');
    throw new ProbeSpecError(text, `unknown probe type '${text.slice(0, colon)}' (${names})`);
  }
  const grammar = GRAMMARS[kind.descriptor.grammar ?? 'none'];
  return { kind: kind.name as ProbeKind, ...grammar(text.slice(colon + 1), kind.name, text), text };
}

export function formatProbeSpec(spec: Pick<ProbeSpec, 'kind' | 'target' | 'binary'>): string {
  if (kindOf(spec.kind).descriptor.word !== undefined) return spec.target;
  return spec.binary !== undefined
    ? `${spec.kind}:${spec.binary}:${spec.target}`
    : `${spec.kind}:${spec.target}`;
}

/** True for the kinds that run at a function's return. */
export const isReturnProbe = (kind: ProbeKind): boolean => kindOf(kind).descriptor.returns === true;
