// Raw tracepoints: BPF_RAW_TRACEPOINT_OPEN with the tracepoint's name (no tracefs, no perf
// event); the returned fd is the link.
import { rawTracepointOpen } from './bpf-link.js';
import type { Link } from './link.js';

/** Attaches a raw_tracepoint program to tracepoint `name` (e.g. 'sys_enter'). */
export function attachRawTracepoint(prog: { fd: number }, name: string): Link {
  return rawTracepointOpen(prog, name, 'raw_tracepoint', name);
}
