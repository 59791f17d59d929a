// What to try when a kernel cannot do what was asked: kprobe → fentry → (for a syscall) its
// tracepoint; kretprobe → fexit → the syscall's exit tracepoint; and fentry/fexit the other way
// round. Each step that fails leaves its reason, so the user reads one line saying what was used
// instead and why.
import { existsSync } from 'node:fs';
import { tracefsPath } from '../tracefs.js';
import type { ProbeSpec } from './spec.js';

const SYSCALL_PREFIXES =
  /^(?:__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|ksys_|do_sys_|do_|sys_)/;

/** The syscall a kernel function implements, judged by name and confirmed by its tracepoint. */
export function syscallOf(fn: string): string | undefined {
  const name = fn.replace(SYSCALL_PREFIXES, '');
  if (name === fn && !fn.startsWith('sys_')) return undefined;
  try {
    return existsSync(tracefsPath(`events/syscalls/sys_enter_${name}`)) ? name : undefined;
  } catch {
    return undefined;
  }
}

/** The specs to try for `spec`, first the one asked for. */
export function fallbackChain(spec: ProbeSpec): ProbeSpec[] {
  const fn = spec.target;
  const sys = (phase: 'enter' | 'exit'): ProbeSpec[] => {
    const name = syscallOf(fn);
    if (!name) return [];
    const target = `syscalls:sys_${phase}_${name}`;
    return [
      {
        kind: 'tracepoint',
        target,
        category: 'syscalls',
        event: `sys_${phase}_${name}`,
        text: `tracepoint:${target}`,
      },
    ];
  };
  const as = (kind: ProbeSpec['kind']): ProbeSpec => ({ kind, target: fn, text: `${kind}:${fn}` });
  switch (spec.kind) {
    case 'kprobe':
      return [spec, as('fentry'), ...sys('enter')];
    case 'fentry':
      return [spec, as('kprobe'), ...sys('enter')];
    case 'kretprobe':
      return [spec, as('fexit'), ...sys('exit')];
    case 'fexit':
      return [spec, as('kretprobe'), ...sys('exit')];
    default:
      return [spec];
  }
}
