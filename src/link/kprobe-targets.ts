// The kernel functions a wildcard kprobe (`kprobe:vfs_*`) names: kallsyms' text symbols matching
// the pattern, less those kprobes refuse — the kprobe blacklist (debugfs kprobes/blacklist) and,
// where tracefs lets us read it, functions missing from available_filter_functions (not
// traceable: inlined parts, `.cold` splits, notrace code). What is left out is counted, so the
// tracer can say once how many and why.
import { readFileSync } from 'node:fs';
import { kallsyms, kprobeBlacklist } from '../kallsyms.js';
import { globRegExp } from '../probes/glob.js';
import { tracefsRoot } from '../tracefs.js';
import type { Expansion } from './kinds/kind.js';

let traceable: Set<string> | null | undefined;

/** available_filter_functions as a set, or null where it cannot be read (EPERM on some kernels). */
export function traceableFunctions(): Set<string> | null {
  if (traceable !== undefined) return traceable;
  try {
    const text = readFileSync(`${tracefsRoot()}/available_filter_functions`, 'latin1');
    traceable = new Set(text.split('\n').map((l) => l.split(/\s/, 1)[0] as string));
  } catch {
    traceable = null;
  }
  return traceable;
}

/** The functions `pattern` matches that a kprobe may attach to, and how many were left out. */
export function expandKernelFunctions(pattern: string): Expansion {
  const re = globRegExp(pattern);
  const names: string[] = [];
  for (const s of kallsyms().values()) {
    if (s.type !== 't' && s.type !== 'T') continue;
    // The compiler's padding and CFI stubs are not functions anyone means.
    if (s.name.startsWith('__pfx_') || s.name.startsWith('__cfi_')) continue;
    if (re.test(s.name)) names.push(s.name);
  }
  names.sort();
  const blacklist = kprobeBlacklist();
  const ftrace = traceableFunctions();
  const targets: string[] = [];
  let blacklisted = 0;
  let untraceable = 0;
  for (const n of names) {
    if (blacklist?.has(n)) blacklisted++;
    else if (ftrace && !ftrace.has(n)) untraceable++;
    else targets.push(n);
  }
  const skipped: { count: number; why: string }[] = [];
  if (blacklisted > 0) skipped.push({ count: blacklisted, why: 'on the kprobe blacklist' });
  if (untraceable > 0)
    skipped.push({ count: untraceable, why: 'not traceable (not in available_filter_functions)' });
  return { targets, skipped };
}
