// tracepoint: a tracefs event (`tracepoint:syscalls:sys_enter_openat`) opened as a perf event
// (link/tracepoint.ts). Arguments are the event's record, at the offsets its `format` file gives;
// syscall tracepoints' pointers point into user memory.
import type { ProbeSpec } from '../../probes/spec.js';
import { defineKind, type Kind } from './kind.js';

type Impl = typeof import('../tracepoint.js') & Pick<typeof import('../../tracefs.js'), 'tracepointFormat'>;

/** The spec of syscall tracepoint `event` (`sys_enter_openat`). */
export function syscallTracepoint(event: string): ProbeSpec {
  return {
    kind: 'tracepoint',
    target: `syscalls:${event}`,
    category: 'syscalls',
    event,
    text: `tracepoint:syscalls:${event}`,
  };
}

/** sys_enter_X → sys_exit_X. */
function syscallExit(spec: ProbeSpec): ProbeSpec | undefined {
  if (spec.category !== 'syscalls' || !spec.event?.startsWith('sys_enter_')) return undefined;
  return syscallTracepoint(`sys_exit_${spec.event.slice('sys_enter_'.length)}`);
}

export const tracepoint: Kind<'tracepoint'> = defineKind<'tracepoint', Impl>({
  name: 'tracepoint',
  aliases: ['t'],
  grammar: 'tracepoint',
  programType: 'tracepoint',
  args: 'tracepoint-format',
  userMemory: (spec) => spec.category === 'syscalls',
  returnSide: syscallExit,
  sections: ['tracepoint'],
  impl: async () => ({
    ...(await import('../tracepoint.js')),
    tracepointFormat: (await import('../../tracefs.js')).tracepointFormat,
  }),
  format: (impl, spec) => impl.tracepointFormat(spec.category as string, spec.event as string),
  attach: (impl, program, spec) =>
    impl.attachTracepoint(program, spec.category as string, spec.event as string),
  attachSection: (impl, program, def, target) => {
    const slash = def.target.indexOf('/');
    if (slash <= 0) return target.malformed('tracepoint/GROUP/NAME');
    return impl.attachTracepoint(program, def.target.slice(0, slash), def.target.slice(slash + 1));
  },
  list: {
    bare: 1,
    // A pattern without a category matches the event name in every category.
    targets: (_impl, pattern, s) =>
      s.matching(s.tracepoints(), pattern.includes(':') ? pattern : `*:${pattern}`),
  },
});
