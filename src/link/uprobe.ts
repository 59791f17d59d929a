// uprobe/uretprobe: the uprobe PMU (perf_event_open with the binary path in config1 and the file
// offset in config2), or tracefs uprobe_events with `legacy: true`, through the shared probe-event
// core. A symbol is resolved to its file offset from the binary's ELF symbol tables; a pid limits
// the probe to one process.
import { readFileSync } from 'node:fs';
import { Errno } from '../sys/errno.js';
import { AttachError, type Link } from './link.js';
import type { PerfAttachMode } from './perf-attach.js';
import { attachProbeEvent } from './probe-event.js';
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
  /** Runs once after the link is closed (a USDT link closes its other sites' links). */
  release?: () => void;
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
  return attachProbeEvent(prog, {
    pmu: 'uprobe',
    kind,
    target,
    retprobe,
    name: Buffer.from(`${path}\0`, 'utf8'),
    offset,
    config: opts.refCtrOffset ? BigInt(opts.refCtrOffset) << refCtrShift() : 0n,
    pid: opts.pid ?? -1,
    legacy: opts.legacy ?? false,
    pmuOnly: opts.refCtrOffset ? 'refCtrOffset needs the uprobe PMU' : undefined,
    tracefs: {
      type: retprobe ? 'r' : 'p',
      what: opts.symbol ?? 'offset',
      spec: `${path}:0x${offset.toString(16)}`,
    },
    explainOpen: (errno) =>
      errno === Errno.EINVAL
        ? new AttachError(
            'not-traceable',
            target,
            `${kind} '${target}': EINVAL: offset 0x${offset.toString(16)} is not a probe-able instruction of ${path}`,
            errno,
          )
        : undefined,
    explainTracefs: (err) =>
      new AttachError('not-traceable', target, `${kind} '${target}': ${err.message}`, err.errno),
    mode: opts.mode,
    cookie: opts.cookie,
    release: opts.release,
  });
}

/** attachUprobe with `retprobe: true`. */
export function attachUretprobe(
  prog: { fd: number },
  binary: string,
  opts: Omit<UprobeOptions, 'retprobe'> = {},
): Link {
  return attachUprobe(prog, binary, { ...opts, retprobe: true });
}
