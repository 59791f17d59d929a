// The registry of attach kinds: one line per kind. Probe specs, the tracer, arguments, fallbacks,
// listings and object auto-attach look a kind up here and ask it; none of them names a kind. The
// order is the order of help texts and of a bare `tsbpf list` pattern's results.
import type { AttachKind as SectionAttach } from '../../format/object/sections.js';
import type { Kind } from './kind.js';
import { kprobe, kretprobe } from './kprobe.js';
import { begin, end } from './once.js';
import { perfEvent } from './perf-event.js';
import { rawTracepoint } from './raw-tracepoint.js';
import { tracepoint } from './tracepoint.js';
import { fentry, fexit, tpBtf } from './tracing.js';
import { uprobe, uretprobe } from './uprobe.js';
import { usdt } from './usdt.js';

/** The kinds a probe spec can name (`kprobe:do_unlinkat`, `BEGIN`). */
export const PROBE_KINDS = [
  kprobe,
  kretprobe,
  fentry,
  fexit,
  tracepoint,
  tpBtf,
  uprobe,
  uretprobe,
  usdt,
  begin,
  end,
] as const;

/** The kinds only an object's sections (or the attach API) use. */
export const OBJECT_KINDS = [rawTracepoint, perfEvent] as const;

export const KINDS: readonly Kind[] = [...PROBE_KINDS, ...OBJECT_KINDS];

/** What a probe spec's `kind` may be. */
export type ProbeKindName = (typeof PROBE_KINDS)[number]['name'];

/** The probe kinds a spec spells `kind:target` (all but the bare words), in help-text order. */
export const PREFIXED_KINDS: readonly Kind[] = (PROBE_KINDS as readonly Kind[]).filter(
  (k) => k.descriptor.word === undefined,
);

const byName = new Map<string, Kind>(KINDS.map((k) => [k.name, k]));
const byPrefix = new Map<string, Kind>();
for (const k of PREFIXED_KINDS) {
  byPrefix.set(k.name, k);
  for (const a of k.descriptor.aliases ?? []) byPrefix.set(a, k);
}

/** The kind named `name` (a ProbeSpec's or Link's kind); throws on a name no kind has. */
export function kindOf(name: string): Kind {
  const k = byName.get(name);
  if (!k) throw new Error(`internal: no attach kind '${name}'`);
  return k;
}

/** The probe kind a spec prefix names (`kprobe`, `k`, `kfunc`), or undefined. */
export function kindByPrefix(prefix: string): Kind | undefined {
  return byPrefix.get(prefix);
}

/** The probe kind a bare word names (`BEGIN`), or undefined. */
export function kindByWord(word: string): Kind | undefined {
  return (PROBE_KINDS as readonly Kind[]).find((k) => k.descriptor.word === word);
}

/** The kind that auto-attaches a libbpf section kind, or undefined. */
export function kindForSection(attach: SectionAttach): Kind | undefined {
  return KINDS.find((k) => k.descriptor.sections?.includes(attach));
}

/** Imports every kind's attach code (for the synchronous listing and object auto-attach). */
export async function readyAll(): Promise<void> {
  await Promise.all(KINDS.map((k) => k.ready()));
}
