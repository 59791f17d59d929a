// Legacy probes: kprobe/uprobe events defined through tracefs (kprobe_events, uprobe_events), as
// libbpf does on kernels without the PMUs. Unlike a perf event, such a definition outlives the
// process, so every one we create is removed again: on close, on process exit, on SIGINT/SIGTERM
// (handlers installed only while such probes exist; the signal is re-raised afterwards), and the
// leftovers of a crashed run (its pid is dead) are removed at the next legacy attach.
import { processAlive } from '../sys/process.js';
import {
  addDynamicEvent,
  type DynamicEventFile,
  listDynamicEvents,
  removeDynamicEvent,
  tracepointId,
} from '../tracefs.js';

/** Our event names: `tsbpf_<pid>_<what>_<n>`; the pid tells a live owner from a dead one. */
const NAME_RE = /^tsbpf_(\d+)_/;
const GROUP: Record<DynamicEventFile, string> = { kprobe_events: 'kprobes', uprobe_events: 'uprobes' };

let counter = 0;
/** Cleanups of live probes: close their perf fds, then remove the definition. */
const live = new Map<string, () => void>();

/** A legacy probe definition, removed by `remove()` (idempotent). */
export interface LegacyProbe {
  file: DynamicEventFile;
  group: string;
  name: string;
  /** The tracepoint id of the new event (for perf_event_open with PERF_TYPE_TRACEPOINT). */
  id: number;
  remove(): void;
}

/** Removes probes left behind by dead tsbpf processes; returns their names. */
export function removeStaleProbes(file: DynamicEventFile): string[] {
  const removed: string[] = [];
  for (const ev of listDynamicEvents(file)) {
    const m = NAME_RE.exec(ev.name);
    if (!m || Number(m[1]) === process.pid || processAlive(Number(m[1]))) continue;
    if (removeDynamicEvent(file, ev.group, ev.name)) removed.push(ev.name);
  }
  return removed;
}

/** Our own probes currently defined in tracefs (for tests and diagnostics). */
export function ownProbes(file: DynamicEventFile): string[] {
  return listDynamicEvents(file)
    .filter((e) => NAME_RE.exec(e.name)?.[1] === String(process.pid))
    .map((e) => e.name);
}

/**
 * Defines `<type>:<group>/<unique name> <spec>` in kprobe_events/uprobe_events. `type` is `p`,
 * `r` or `r<maxactive>`; `what` becomes part of the name.
 */
export function createLegacyProbe(
  file: DynamicEventFile,
  type: string,
  what: string,
  spec: string,
): LegacyProbe {
  removeStaleProbes(file);
  const group = GROUP[file];
  const safe = what.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 32);
  const name = `tsbpf_${process.pid}_${safe}_${counter++}`;
  addDynamicEvent(file, `${type}:${group}/${name} ${spec}`);
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    live.delete(name);
    removeDynamicEvent(file, group, name);
    syncHandlers();
  };
  let id: number;
  try {
    id = tracepointId(group, name);
  } catch (err) {
    remove();
    throw err;
  }
  return { file, group, name, id, remove };
}

/** Registers the full cleanup of a live probe (close its fds first, then remove it). */
export function trackLegacyProbe(probe: LegacyProbe, cleanup: () => void): void {
  live.set(probe.name, cleanup);
  syncHandlers();
}

let installed = false;

function cleanupAll(): void {
  for (const cleanup of [...live.values()]) {
    try {
      cleanup();
    } catch {
      // best effort at exit: keep removing the others
    }
  }
}

function onSignal(signal: NodeJS.Signals): void {
  const alone = process.listenerCount(signal) === 1;
  cleanupAll();
  uninstall();
  // Re-raise so the process ends as the signal intended, unless someone else handles it.
  if (alone) process.kill(process.pid, signal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', cleanupAll);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function syncHandlers(): void {
  if (live.size > 0 && !installed) {
    installed = true;
    process.on('exit', cleanupAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  } else if (live.size === 0) {
    uninstall();
  }
}
