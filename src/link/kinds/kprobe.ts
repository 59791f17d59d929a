// kprobe and kretprobe: a kernel function's entry or return, through the kprobe PMU or tracefs
// (link/kprobe.ts). Arguments come from the saved registers, typed by the function's BTF
// prototype; where kprobes are missing, fentry/fexit and then the syscall tracepoints stand in.
import type { ProbeSpec } from '../../probes/spec.js';
import { asKind, defineKind, type Kind, type KindDescriptor, type ListSources } from './kind.js';

type Impl = typeof import('../kprobe.js');

function kprobeKind<const N extends 'kprobe' | 'kretprobe'>(name: N, retprobe: boolean): Kind<N> {
  const d: KindDescriptor<N, Impl> = {
    name,
    aliases: retprobe ? ['kr'] : ['k'],
    grammar: 'function',
    programType: 'kprobe',
    returns: retprobe,
    args: 'kernel-registers',
    fallbacks: retprobe ? { kinds: ['fexit'], syscalls: 'exit' } : { kinds: ['fentry'], syscalls: 'enter' },
    returnSide: retprobe ? undefined : (spec: ProbeSpec) => asKind(spec, 'kretprobe'),
    sections: retprobe ? ['kretprobe', 'kretsyscall'] : ['kprobe', 'ksyscall'],
    impl: () => import('../kprobe.js'),
    precheck: (impl) => impl.kprobesUnavailable(),
    attach: (impl, program, spec) => impl.attachKprobe(program, spec.target, { retprobe }),
    attachSection: (impl, program, def, target) => {
      const syscall = def.attach === 'ksyscall' || def.attach === 'kretsyscall';
      return impl.attachKprobe(program, target.need(syscall ? 'system call' : 'function'), {
        retprobe,
        syscall,
      });
    },
    list: {
      bare: retprobe ? undefined : 2,
      targets: (_impl, pattern, s: ListSources) => s.matching(s.kernelFunctions(), pattern),
      unavailable: (impl) => impl.kprobesUnavailable(),
    },
  };
  return defineKind(d);
}

export const kprobe = kprobeKind('kprobe', false);
export const kretprobe = kprobeKind('kretprobe', true);
