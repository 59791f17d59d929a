// The probe-event core kprobes and uprobes share: the kprobe/uprobe PMU (perf_event_open with the
// function name or binary path in config1 and the offset in config2), or, on kernels without the
// PMU or when asked, a tracefs kprobe_events/uprobe_events definition opened as a tracepoint.
// Either way the program is attached through the perf-event core, and a tracefs definition is
// removed again when the link closes (or the process ends).
import { readFileSync } from 'node:fs';
import { SysError } from '../sys/errno.js';
import { perfAttr } from '../sys/perf.js';
import type { DynamicEventFile } from '../tracefs.js';
import { AttachError, type Link, type LinkKind } from './link.js';
import { attachPerfEvent, attachTracepointId, openPerfEvent, type PerfAttachMode } from './perf-attach.js';
import { createLegacyProbe, type LegacyProbe, trackLegacyProbe } from './tracefs-probes.js';

export type ProbePmu = 'kprobe' | 'uprobe';

/** The tracefs file that defines each PMU's probes where the PMU is missing. */
const EVENTS_FILE: Record<ProbePmu, DynamicEventFile> = { kprobe: 'kprobe_events', uprobe: 'uprobe_events' };

/** A PMU's perf type and the config bit of its `retprobe` flag, from sysfs; undefined without it. */
export function pmuInfo(pmu: ProbePmu): { type: number; retprobeBit: number } | undefined {
  const dir = `/sys/bus/event_source/devices/${pmu}`;
  try {
    const type = Number(readFileSync(`${dir}/type`, 'latin1').trim());
    const fmt = readFileSync(`${dir}/format/retprobe`, 'latin1').trim(); // "config:0"
    const m = /^config:(\d+)$/.exec(fmt);
    return { type, retprobeBit: m ? Number(m[1]) : 0 };
  } catch {
    return undefined;
  }
}

export interface ProbeEventRequest {
  pmu: ProbePmu;
  kind: LinkKind;
  /** What the Link and messages name (`do_unlinkat+4`, `/bin/bash:readline`). */
  target: string;
  retprobe: boolean;
  /** config1 of the PMU event: the function name (kprobe) or the binary's path (uprobe). */
  name: Buffer;
  /** config2: the offset into the function (kprobe) or the file (uprobe). */
  offset: number;
  /** More config bits (a uprobe's USDT semaphore offset). */
  config?: bigint;
  /** Only this process (-1: all). */
  pid: number;
  /** True: use tracefs even where the PMU exists. */
  legacy: boolean;
  /** Why tracefs cannot do what was asked (then only the PMU will do), or undefined. */
  pmuOnly?: string;
  /** The tracefs definition: `p`/`r`/`r<maxactive>`, a word for its name, and the probe text. */
  tracefs: { type: string; what: string; spec: string };
  /** The errnos of perf_event_open the caller knows better. */
  explainOpen?: (errno: number) => AttachError | undefined;
  /** A failed tracefs definition as the caller explains it (undefined: rethrow). */
  explainTracefs?: (err: SysError) => AttachError | undefined;
  mode?: PerfAttachMode;
  cookie?: bigint;
  /** Runs once after the link is closed. */
  release?: () => void;
}

/** Creates the probe event `req` asks for and attaches `prog` to it. */
export function attachProbeEvent(prog: { fd: number }, req: ProbeEventRequest): Link {
  const { kind, target, pid } = req;
  const pmu = pmuInfo(req.pmu);
  const attach = { mode: req.mode, cookie: req.cookie };
  const release = req.release;
  if (!req.legacy && pmu) {
    const attr = perfAttr({
      type: pmu.type,
      config: (req.retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n) | (req.config ?? 0n),
      config1String: req.name,
      config2: BigInt(req.offset),
      samplePeriod: 1n,
      wakeupEvents: 1,
    });
    const fd = openPerfEvent(attr, pid, pid >= 0 ? -1 : 0, kind, target, req.explainOpen);
    return attachPerfEvent(prog, fd, kind, target, { ...attach, release });
  }
  if (req.pmuOnly) throw new AttachError('unsupported', target, `${kind} '${target}': ${req.pmuOnly}`);
  const file = EVENTS_FILE[req.pmu];
  let probe: LegacyProbe;
  try {
    probe = createLegacyProbe(file, req.tracefs.type, req.tracefs.what, req.tracefs.spec);
  } catch (err) {
    if (err instanceof SysError) throw req.explainTracefs?.(err) ?? err;
    throw err;
  }
  // A tracefs probe fires for every process; a perf event opened for one pid filters it.
  const link = attachTracepointId(prog, probe.id, kind, target, {
    ...attach,
    pid,
    legacy: true,
    release: () => {
      probe.remove();
      release?.();
    },
  });
  trackLegacyProbe(probe, () => link.close());
  return link;
}
