// What to try when a kernel cannot do what was asked, as each kind's descriptor says: kprobe →
// fentry → (for a syscall's function) the tracepoints of every syscall that reaches it; kretprobe
// → fexit → their exit tracepoints; and fentry/fexit the other way round. Each step that fails leaves its reason, so
// the user reads one line saying what was used instead, what it covers, and why.

import { readdirSync } from 'node:fs';
import { type SyscallRoute, syscallRoutes } from '../compiler/syscall-routes.js';
import { kindOf } from '../link/kinds/index.js';
import { asKind } from '../link/kinds/kind.js';
import { syscallTracepoint } from '../link/kinds/tracepoint.js';
import { tracefsPath } from '../tracefs.js';
import type { ProbeKind, ProbeSpec } from './spec.js';

let syscallNames: Set<string> | undefined;

/** The syscalls with tracepoints on this kernel (events/syscalls/sys_enter_*), read once. */
export function syscallsWithTracepoints(): ReadonlySet<string> {
  if (syscallNames) return syscallNames;
  let names: string[] = [];
  try {
    names = readdirSync(tracefsPath('events/syscalls'))
      .filter((n) => n.startsWith('sys_enter_'))
      .map((n) => n.slice('sys_enter_'.length));
  } catch {
    // no tracefs or no syscall tracepoints: no syscall fallback
  }
  syscallNames = new Set(names);
  return syscallNames;
}

/** The syscall a kernel function implements, judged by name and confirmed by its tracepoint. */
export function syscallOf(fn: string): string | undefined {
  const routes = syscallRoutes(fn, syscallsWithTracepoints());
  if (!routes) return undefined;
  const own = fn.replace(
    /^(?:__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|ksys_|do_sys_|do_|sys_)/,
    '',
  );
  return routes.some((r) => r.syscall === own) ? own : routes[0]?.syscall;
}

/** One step of a chain: a spec, or several syscall tracepoints standing in for a function. */
export interface FallbackStep {
  specs: ProbeSpec[];
  /** For syscall tracepoints: the function they stand in for and each one's route. */
  standIn?: { function: string; routes: SyscallRoute[] };
}

function syscallStep(fn: string, phase: 'enter' | 'exit'): FallbackStep[] {
  const routes = syscallRoutes(fn, syscallsWithTracepoints());
  if (!routes || routes.length === 0) return [];
  const specs = routes.map((r) => syscallTracepoint(`sys_${phase}_${r.syscall}`));
  return [{ specs, standIn: { function: fn, routes } }];
}

/** The steps to try for `spec`, first the one asked for, then its kind's fallbacks. */
export function fallbackChain(spec: ProbeSpec): FallbackStep[] {
  const fallbacks = kindOf(spec.kind).descriptor.fallbacks;
  if (!fallbacks) return [{ specs: [spec] }];
  const fn = spec.target;
  const others = fallbacks.kinds.map((kind): FallbackStep => ({ specs: [asKind(spec, kind as ProbeKind)] }));
  return [{ specs: [spec] }, ...others, ...(fallbacks.syscalls ? syscallStep(fn, fallbacks.syscalls) : [])];
}
