// The one lookup of a BTF-typed attach target: a kernel function is its FUNC, a tracepoint is the
// `btf_trace_<name>` typedef the kernel declares for it. Used to aim a tracing program at load
// time (attach_btf_id), by object loading, for probe arguments and for listings. Pure: it takes
// the lookup of whichever BTF the caller has (a parsed Btf's findId, or the vmlinux index).

/** What a BTF-typed program names: a kernel function (fentry, fexit, lsm) or a tracepoint (tp_btf). */
export type BtfTargetKind = 'func' | 'tp_btf';

/** The typedef prefix of BTF tracepoints: `btf_trace_sched_switch`. */
export const BTF_TRACEPOINT_PREFIX = 'btf_trace_';

/** Finds a type by name and kind: `Btf.findId`, or `vmlinuxTypeId`. */
export type BtfLookup = (name: string, kind: 'func' | 'typedef') => number | undefined;

/** How each target kind is spelled in BTF, and what its absence is called in messages. */
const SPELLING: Record<
  BtfTargetKind,
  { prefix: string; kind: 'func' | 'typedef'; what: (name: string) => string }
> = {
  func: { prefix: '', kind: 'func', what: (name) => `function '${name}'` },
  tp_btf: {
    prefix: BTF_TRACEPOINT_PREFIX,
    kind: 'typedef',
    what: (name) => `tracepoint '${name}' (no ${BTF_TRACEPOINT_PREFIX}${name} typedef)`,
  },
};

/** The lookup of a parsed Btf (anything with its `findId`). */
export const lookupIn =
  (btf: { findId(name: string, kind: 'func' | 'typedef'): number | undefined }): BtfLookup =>
  (name, kind) =>
    btf.findId(name, kind);

/** The BTF type name and kind that `name` has as a target of `kind`. */
export function btfTargetType(kind: BtfTargetKind, name: string): { name: string; kind: 'func' | 'typedef' } {
  const s = SPELLING[kind];
  return { name: `${s.prefix}${name}`, kind: s.kind };
}

/** The BTF id of `name` as a target of `kind`, or undefined. */
export function findBtfTarget(lookup: BtfLookup, kind: BtfTargetKind, name: string): number | undefined {
  const t = btfTargetType(kind, name);
  return lookup(t.name, t.kind);
}

/** What is missing when findBtfTarget finds nothing, for messages. */
export function missingBtfTarget(kind: BtfTargetKind, name: string): string {
  return SPELLING[kind].what(name);
}
