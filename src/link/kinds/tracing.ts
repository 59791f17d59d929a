// fentry, fexit and tp_btf: BTF-typed tracing programs (link/tracing.ts). The program names its
// target by vmlinux BTF id at load time and is attached through a BPF trampoline; arguments are
// the u64 array the trampoline passes, typed by BTF. One file for the three, as they share the
// loader; each is its own kind.
import type { ProbeSpec } from '../../probes/spec.js';
import { asKind, defineKind, type Kind, type KindDescriptor } from './kind.js';

type Impl = typeof import('../tracing.js') & Pick<typeof import('../../features.js'), 'probeFentry'>;
type TracingName = 'fentry' | 'fexit' | 'tp_btf';

const loadImpl = async (): Promise<Impl> => ({
  ...(await import('../tracing.js')),
  probeFentry: (await import('../../features.js')).probeFentry,
});

/** The parts every tracing kind has: load aimed at the BTF target, attach by link. */
function tracingKind<const N extends TracingName>(
  name: N,
  more: Omit<KindDescriptor<N, Impl>, 'name' | 'programType' | 'impl'>,
): KindDescriptor<N, Impl> {
  return {
    name,
    programType: 'tracing',
    impl: loadImpl,
    precheck: (impl, spec) => impl.tracingTargetMissing(name, spec.target),
    load: (impl, spec, base) => impl.loadTracingProgram(name, spec.target, base),
    attach: (impl, program, spec) => impl.attachTracing(program, name, spec.target),
    attachSection: (impl, program, _def, target) =>
      impl.attachTracing(program, name, target.need(name === 'tp_btf' ? 'tracepoint' : 'function')),
    sections: [name],
    ...more,
  };
}

function trampolineKind<const N extends 'fentry' | 'fexit'>(name: N, returns: boolean): Kind<N> {
  return defineKind(
    tracingKind(name, {
      aliases: returns ? ['fr', 'kretfunc'] : ['f', 'kfunc'],
      grammar: 'function',
      expectedAttachType: returns ? 'trace_fexit' : 'trace_fentry',
      btfTarget: 'func',
      returns,
      args: 'trampoline',
      fallbacks: returns
        ? { kinds: ['kretprobe'], syscalls: 'exit' }
        : { kinds: ['kprobe'], syscalls: 'enter' },
      returnSide: returns ? undefined : (spec: ProbeSpec) => asKind(spec, 'fexit'),
      list: {
        bare: returns ? undefined : 3,
        targets: (_impl, pattern, s) => s.matching(s.btfFunctions(), pattern),
        unavailable: (impl) => {
          const f = impl.probeFentry();
          return f.supported ? undefined : `fentry programs do not load here (${f.detail})`;
        },
      },
    }),
  );
}

export const fentry = trampolineKind('fentry', false);
export const fexit = trampolineKind('fexit', true);

export const tpBtf: Kind<'tp_btf'> = defineKind(
  tracingKind('tp_btf', {
    aliases: ['rawtracepoint', 'rt'],
    grammar: 'btf-tracepoint',
    expectedAttachType: 'trace_raw_tp',
    btfTarget: 'tp_btf',
    args: 'btf-tracepoint',
    list: { bare: 4, targets: (_impl, pattern, s) => s.matching(s.btfTracepoints(), pattern) },
  }),
);
