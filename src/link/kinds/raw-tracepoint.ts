// raw_tracepoint: a tracepoint by name through BPF_RAW_TRACEPOINT_OPEN (link/raw-tracepoint.ts),
// its arguments the raw u64 array. Objects' raw_tp/ sections only: probe specs spell
// `rawtracepoint:` as tp_btf, which types the same arguments.
import { defineKind, type Kind } from './kind.js';

export const rawTracepoint: Kind<'raw_tracepoint'> = defineKind({
  name: 'raw_tracepoint',
  programType: 'raw_tracepoint',
  sections: ['raw_tp'],
  impl: () => import('../raw-tracepoint.js'),
  attachSection: (impl, program, _def, target) =>
    impl.attachRawTracepoint(program, target.need('tracepoint')),
});
