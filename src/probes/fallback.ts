// What to try when a kernel cannot do what was asked: kprobe → fentry → (for a syscall's
// function) the tracepoints of every syscall that reaches it; kretprobe → fexit → their exit
// tracepoints; and fentry/fexit the other way round. Each step that fails leaves its reason, so
// the user reads one line saying what was used instead, what it covers, and why.
import { readdirSync } from 'node:fs';
import { type SyscallRoute, syscallRoutes } from '../compiler/syscall-routes.js';
import { tracefsPath } from '../tracefs.js';
import type { ProbeSpec } from './spec.js';

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
  const specs = routes.map((r): ProbeSpec => {
    const event = `sys_${phase}_${r.syscall}`;
    return {
      kind: 'tracepoint',
      target: `syscalls:${event}`,
      category: 'syscalls',
      event,
      text: `tracepoint:syscalls:${event}`,
    };
  });
  return [{ specs, standIn: { function: fn, routes } }];
}

/** The steps to try for `spec`, first the one asked for. */
export function fallbackChain(spec: ProbeSpec): FallbackStep[] {
  const fn = spec.target;
  const as = (kind: ProbeSpec['kind']): FallbackStep => ({
    specs: [{ kind, target: fn, text: `${kind}:${fn}` }],
  });
  const asked: FallbackStep = { specs: [spec] };
  switch (spec.kind) {
    case 'kprobe':
      return [asked, as('fentry'), ...syscallStep(fn, 'enter')];
    case 'fentry':
      return [asked, as('kprobe'), ...syscallStep(fn, 'enter')];
    case 'kretprobe':
      return [asked, as('fexit'), ...syscallStep(fn, 'exit')];
    case 'fexit':
      return [asked, as('kretprobe'), ...syscallStep(fn, 'exit')];
    default:
      return [asked];
  }
}
