// Perf events: software and hardware counters, counting or sampling. Attach a perf_event program
// to a sampling event on each CPU, or read a counter's value.
import { readSync } from 'node:fs';
import { onlineCpus } from '../cpus.js';
import { FdObject } from '../fd.js';
import { PerfFlag, PerfHardware, PerfSoftware, PerfType, perfAttr } from '../sys/perf.js';
import { AttachError, type Link } from './link.js';
import { attachPerfEvent, openPerfEvent, type PerfAttachMode } from './perf-event.js';

export type PerfEventName =
  | { software: keyof typeof PerfSoftware }
  | { hardware: keyof typeof PerfHardware }
  | { type: number; config: bigint };

export interface PerfEventOptions {
  event: PerfEventName;
  /** Sample every N events … */
  period?: bigint;
  /** … or N times a second. */
  frequency?: bigint;
  /** Process to watch (default -1: all, needs a CPU). */
  pid?: number;
  /** CPU to watch (default -1 with a pid; required without). */
  cpu?: number;
}

function eventConfig(event: PerfEventName): { type: number; config: bigint; label: string } {
  if ('software' in event)
    return { type: PerfType.SOFTWARE, config: BigInt(PerfSoftware[event.software]), label: event.software };
  if ('hardware' in event)
    return { type: PerfType.HARDWARE, config: BigInt(PerfHardware[event.hardware]), label: event.hardware };
  return { type: event.type, config: event.config, label: `type ${event.type} config ${event.config}` };
}

function openEvent(opts: PerfEventOptions, disabled: boolean): { fd: number; label: string } {
  const { type, config, label } = eventConfig(opts.event);
  const pid = opts.pid ?? -1;
  const cpu = opts.cpu ?? -1;
  if (pid < 0 && cpu < 0) throw new TypeError('a perf event watches a pid, a cpu, or both');
  const attr = perfAttr({
    type,
    config,
    ...(opts.frequency !== undefined ? { sampleFreq: opts.frequency } : { samplePeriod: opts.period ?? 0n }),
    flags: disabled ? PerfFlag.disabled : 0n,
  });
  const target = `${label} pid ${pid} cpu ${cpu}`;
  const fd = openPerfEvent(attr, pid, cpu, 'perf_event', target, (errno) =>
    errno === 2 || errno === 95
      ? new AttachError(
          'unsupported',
          target,
          `perf event '${label}': not supported on this machine (perf_event_open: ${errno === 2 ? 'ENOENT' : 'EOPNOTSUPP'})`,
          errno,
        )
      : undefined,
  );
  return { fd, label: target };
}

/** Attaches a perf_event program to a sampling event (one pid and/or cpu). */
export function attachPerfEventProgram(
  prog: { fd: number },
  opts: PerfEventOptions & { mode?: PerfAttachMode; cookie?: bigint },
): Link {
  if (opts.period === undefined && opts.frequency === undefined)
    throw new TypeError('a sampling perf event needs a period or a frequency');
  const { fd, label } = openEvent(opts, true);
  return attachPerfEvent(prog, fd, 'perf_event', label, { mode: opts.mode, cookie: opts.cookie });
}

/** Attaches a perf_event program on every online CPU; close() closes them all. */
export function attachPerfEventAllCpus(
  prog: { fd: number },
  opts: Omit<PerfEventOptions, 'cpu' | 'pid'> & { mode?: PerfAttachMode },
): Link[] {
  const links: Link[] = [];
  try {
    for (const cpu of onlineCpus()) links.push(attachPerfEventProgram(prog, { ...opts, cpu }));
  } catch (err) {
    for (const l of links) l.close();
    throw err;
  }
  return links;
}

/** A counting perf event (read its value with read()). */
export class PerfCounter extends FdObject {
  readonly label: string;
  readonly #buf = Buffer.alloc(8);
  private constructor(fd: number, label: string) {
    super(fd, `perf counter ${label}`);
    this.label = label;
  }
  protected describe(): string {
    return `perf counter ${this.label}`;
  }
  static open(opts: Omit<PerfEventOptions, 'period' | 'frequency'>): PerfCounter {
    const { fd, label } = openEvent(opts, false);
    return new PerfCounter(fd, label);
  }
  /** The counter's current value. */
  read(): bigint {
    readSync(this.fd, this.#buf, 0, 8, null);
    return this.#buf.readBigUInt64LE(0);
  }
}
