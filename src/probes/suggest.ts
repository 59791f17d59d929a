// When nothing in a probe's chain attaches: the nearest probe points that do work on this kernel
// (tracepoints always attach where tracefs exists), so the error leads somewhere. For a kernel
// function `vfs_read`: the tracepoints of the syscalls named for its subject (read, pread64,
// readv, preadv, preadv2), then other tracepoints named for it. For a name the kernel does not
// have: the nearest names it has.

import { nearestNames } from '../compiler/nearest.js';
import { kallsyms } from '../kallsyms.js';
import { syscallsWithTracepoints } from './fallback.js';
import { tracepoints } from './list.js';
import { isReturnProbe, type ProbeSpec } from './spec.js';

const MAX = 5;

/** The subject of a kernel function's name: `vfs_read` → `read`, `__x64_sys_openat` → `openat`. */
function subject(fn: string): string {
  return fn
    .replace(
      /^(?:__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|ksys_|do_sys_|sys_|vfs_|do_|__+)/,
      '',
    )
    .replace(/_(?:iter|common|internal)$/, '');
}

const tp = (category: string, event: string): ProbeSpec => ({
  kind: 'tracepoint',
  target: `${category}:${event}`,
  category,
  event,
  text: `tracepoint:${category}:${event}`,
});

/**
 * Probe points that would work here instead of `spec`, nearest first (maybe none); or, for a
 * function the kernel does not have, the nearest names it has (`typo`).
 */
export function nearestProbePoints(
  spec: ProbeSpec,
  attempts: { spec: string; reason: string }[],
): { points: ProbeSpec[]; typo: boolean } {
  const none = { points: [] as ProbeSpec[], typo: false };
  try {
    if (
      spec.kind !== 'kprobe' &&
      spec.kind !== 'kretprobe' &&
      spec.kind !== 'fentry' &&
      spec.kind !== 'fexit'
    )
      return none;
    const fn = spec.target;
    const symbols = kallsyms();
    if (!symbols.has(fn)) {
      // A name the kernel does not have: its nearest names (a typo), as the same kind of probe.
      const names = nearestNames(fn, functionNames(symbols), 3);
      return {
        points: names.map((n) => ({ kind: spec.kind, target: n, text: `${spec.kind}:${n}` })),
        typo: true,
      };
    }
    if (attempts.some((a) => a.spec.startsWith('tracepoint:'))) return none; // it had syscall tracepoints
    const what = subject(fn);
    if (what.length < 3) return none;
    const exit = isReturnProbe(spec.kind);
    const syscalls = [...syscallsWithTracepoints()]
      .filter((s) => new RegExp(`^[a-z]?${reEscape(what)}(?:v|at)?\\d*$`).test(s))
      .sort((a, b) => a.length - b.length || a.localeCompare(b));
    const out = syscalls.map((s) => tp('syscalls', `sys_${exit ? 'exit' : 'enter'}_${s}`));
    if (!exit) {
      const word = new RegExp(`(?:^|_)${reEscape(what)}(?:_|$)`);
      for (const t of tracepoints()) {
        const [category, event] = t.split(':') as [string, string];
        if (category !== 'syscalls' && word.test(event)) out.push(tp(category, event));
      }
    }
    return { points: out.slice(0, MAX), typo: false };
  } catch {
    return none; // suggestions are a courtesy: no tracefs or kallsyms, no suggestions
  }
}

function functionNames(symbols: ReturnType<typeof kallsyms>): string[] {
  const out: string[] = [];
  for (const s of symbols.values())
    if ((s.type === 't' || s.type === 'T') && !s.name.startsWith('__pfx_') && !s.name.startsWith('__cfi_'))
      out.push(s.name);
  return out;
}

function reEscape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
