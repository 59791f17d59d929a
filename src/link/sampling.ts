// Timed sampling for the profile and interval probe kinds: a cpu-clock perf event (a software
// hrtimer) on every online CPU (profile) or on one CPU (interval, as bpftrace), each running the
// program when it fires. The events of one probe are one Link: closing it closes them all.
import { onlineCpus } from '../cpus.js';
import { PerfFlag, PerfSoftware, PerfType, perfAttr } from '../sys/perf.js';
import { AttachError, type Link } from './link.js';
import { attachPerfEvent, openPerfEvent } from './perf-attach.js';

/** The units a sampling spec names its rate in (`profile:hz:99`, `interval:ms:100`). */
export type RateUnit = 'hz' | 's' | 'ms' | 'us';

export interface SamplingRate {
  unit: RateUnit;
  value: number;
}

const NS_PER: Record<Exclude<RateUnit, 'hz'>, number> = { s: 1e9, ms: 1e6, us: 1e3 };

/** `hz:99` → { unit: 'hz', value: 99 }; undefined when it is not UNIT:N with N ≥ 1. */
export function parseRate(text: string): SamplingRate | undefined {
  const m = /^(hz|s|ms|us):([1-9][0-9]*)$/.exec(text);
  if (!m) return undefined;
  const value = Number(m[2]);
  return Number.isSafeInteger(value) ? { unit: m[1] as RateUnit, value } : undefined;
}

/**
 * The perf attr of a cpu-clock event firing at `rate`. cpu-clock counts nanoseconds, so hz too is
 * a fixed period (1e9/N ns): frequency mode would start at a period of 1 and ramp up, taking a
 * burst of extra samples at the start of every profile.
 */
function clockAttr(rate: SamplingRate): Buffer {
  const ns = rate.unit === 'hz' ? Math.max(1, Math.round(1e9 / rate.value)) : rate.value * NS_PER[rate.unit];
  return perfAttr({
    type: PerfType.SOFTWARE,
    config: BigInt(PerfSoftware.cpu_clock),
    flags: PerfFlag.disabled,
    samplePeriod: BigInt(ns),
  });
}

/**
 * Attaches `prog` to a cpu-clock event at `text`'s rate on `cpus` (every online CPU by default).
 * One Link for all of them; on failure none stays open.
 */
export function attachSampling(
  prog: { fd: number },
  kind: 'profile' | 'interval',
  text: string,
  cpus: readonly number[] = onlineCpus(),
): Link {
  const rate = parseRate(text);
  if (!rate)
    throw new AttachError('not-found', text, `${kind}: '${text}' is not a rate (hz:N, s:N, ms:N, us:N)`);
  const [first, ...rest] = cpus;
  if (first === undefined) throw new AttachError('unsupported', text, `${kind}: no online CPU`);
  const attachOn = (cpu: number, release?: () => void): Link => {
    const target = `${text} cpu ${cpu}`;
    const fd = openPerfEvent(clockAttr(rate), -1, cpu, 'perf_event', target);
    return attachPerfEvent(prog, fd, 'perf_event', target, { release });
  };
  const others: Link[] = [];
  const closeOthers = () => {
    for (const l of others.splice(0)) l.close();
  };
  try {
    for (const cpu of rest) others.push(attachOn(cpu));
    return attachOn(first, closeOthers);
  } catch (err) {
    closeOthers();
    throw err;
  }
}
