// uprobe/uretprobe: the uprobe PMU (perf_event_open with the binary path in config1 and the file
// offset in config2), or tracefs uprobe_events with `legacy: true`. A symbol is resolved to its
// file offset from the binary's ELF symbol tables; a pid limits the probe to one process.
import { readFileSync } from 'node:fs';
import { Errno, SysError } from '../sys/errno.js';
import { perfAttr } from '../sys/perf.js';
import { pmuInfo } from './kprobe.js';
import { AttachError, type Link } from './link.js';
import { attachPerfEvent, openPerfEvent, type PerfAttachMode } from './perf-event.js';
import { createLegacyProbe, trackLegacyProbe } from './tracefs-probes.js';
import { attachTracepointId } from './tracepoint.js';
import { resolveBinary, symbolFileOffset } from './uprobe-symbols.js';

export interface UprobeOptions {
  /** A function of the binary; its file offset is looked up (`offset` is then added to it). */
  symbol?: string;
  /** File offset (or offset past `symbol`). */
  offset?: number;
  /** Only this process (default: every process that maps the binary). */
  pid?: number;
  retprobe?: boolean;
  /** Offset of a USDT semaphore the kernel increments while the probe exists (PMU only). */
  refCtrOffset?: number;
  /** Use tracefs uprobe_events instead of the uprobe PMU. */
  legacy?: boolean;
  mode?: PerfAttachMode;
  cookie?: bigint;
}

function refCtrShift(): bigint {
  try {
    const m = /^config:(\d+)/.exec(
      readFileSync('/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset', 'latin1'),
    );
    return BigInt(m ? Number(m[1]) : 32);
  } catch {
    return 32n;
  }
}

/** Attaches a kprobe-type program to a function of a binary or shared library. */
export function attachUprobe(prog: { fd: number }, binary: string, opts: UprobeOptions = {}): Link {
  const path = resolveBinary(binary);
  const offset = (opts.symbol ? symbolFileOffset(path, opts.symbol) : 0) + (opts.offset ?? 0);
  if (!opts.symbol && opts.offset === undefined)
    throw new TypeError('attachUprobe needs a symbol or an offset');
  const retprobe = opts.retprobe ?? false;
  const kind = retprobe ? 'uretprobe' : 'uprobe';
  const target = `${path}:${opts.symbol ?? '0x'}${opts.symbol ? (opts.offset ? `+${opts.offset}` : '') : offset.toString(16)}`;
  const pid = opts.pid ?? -1;
  const cpu = pid >= 0 ? -1 : 0;
  const pmu = pmuInfo('uprobe');
  const attach = { mode: opts.mode, cookie: opts.cookie };

  if (!opts.legacy && pmu) {
    const file = Buffer.from(`${path}\0`, 'utf8');
    let config = retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n;
    if (opts.refCtrOffset) config |= BigInt(opts.refCtrOffset) << refCtrShift();
    const attr = perfAttr({
      type: pmu.type,
      config,
      config1String: file,
      config2: BigInt(offset),
      samplePeriod: 1n,
      wakeupEvents: 1,
    });
    const fd = openPerfEvent(attr, pid, cpu, kind, target, (errno) =>
      errno === Errno.EINVAL
        ? new AttachError(
            'not-traceable',
            target,
            `${kind} '${target}': EINVAL: offset 0x${offset.toString(16)} is not a probe-able instruction of ${path}`,
            errno,
          )
        : undefined,
    );
    return attachPerfEvent(prog, fd, kind, target, attach);
  }
  if (opts.refCtrOffset)
    throw new AttachError('unsupported', target, `${kind} '${target}': refCtrOffset needs the uprobe PMU`);
  let probe: ReturnType<typeof createLegacyProbe>;
  try {
    probe = createLegacyProbe(
      'uprobe_events',
      retprobe ? 'r' : 'p',
      opts.symbol ?? 'offset',
      `${path}:0x${offset.toString(16)}`,
    );
  } catch (err) {
    if (err instanceof SysError)
      throw new AttachError('not-traceable', target, `${kind} '${target}': ${err.message}`, err.errno);
    throw err;
  }
  // A tracefs uprobe fires for every process; a perf event opened for one pid filters it.
  const link = attachTracepointId(prog, probe.id, kind, target, {
    ...attach,
    pid,
    legacy: true,
    release: probe.remove,
  });
  trackLegacyProbe(probe, () => link.close());
  return link;
}

/** attachUprobe with `retprobe: true`. */
export function attachUretprobe(
  prog: { fd: number },
  binary: string,
  opts: Omit<UprobeOptions, 'retprobe'> = {},
): Link {
  return attachUprobe(prog, binary, { ...opts, retprobe: true });
}
