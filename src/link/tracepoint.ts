// Tracepoints: the event id from tracefs, a PERF_TYPE_TRACEPOINT perf event, and the program
// (type tracepoint) attached to it through the perf-event core.
import { TracepointNotFoundError, tracepointId } from '../tracefs.js';
import { AttachError, type Link } from './link.js';
import { attachTracepointId, type PerfAttachMode } from './perf-attach.js';

export interface TracepointOptions {
  /** 'auto' (default): a BPF link where the kernel has them, else PERF_EVENT_IOC_SET_BPF. */
  mode?: PerfAttachMode;
  /** Read in the program with bpf_get_attach_cookie (link mode only). */
  cookie?: bigint;
}

/** Attaches a tracepoint program to `category:event` (e.g. 'syscalls', 'sys_enter_getppid'). */
export function attachTracepoint(
  prog: { fd: number },
  category: string,
  event: string,
  opts: TracepointOptions = {},
): Link {
  const target = `${category}:${event}`;
  let id: number;
  try {
    id = tracepointId(category, event);
  } catch (err) {
    if (err instanceof TracepointNotFoundError) throw new AttachError('not-found', target, err.message);
    throw err;
  }
  return attachTracepointId(prog, id, 'tracepoint', target, opts);
}
