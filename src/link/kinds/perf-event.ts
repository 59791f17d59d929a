// perf_event: a program run by a sampling software or hardware counter on each CPU
// (link/perf-counters.ts: attachPerfEventProgram, attachPerfEventAllCpus). An object's
// perf_event section names no event or rate, so it is attached by hand, not from its section.
import { defineKind, type Kind } from './kind.js';

export const perfEvent: Kind<'perf_event'> = defineKind({
  name: 'perf_event',
  programType: 'perf_event',
  impl: () => import('../perf-counters.js'),
});
