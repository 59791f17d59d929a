// kprobe and kretprobe: a kernel function's entry or return, through the kprobe PMU or tracefs
// (link/kprobe.ts). Arguments come from the saved registers, typed by the function's BTF
// prototype; where kprobes are missing, fentry/fexit and then the syscall tracepoints stand in.
// A wildcard (`kprobe:vfs_*`) names every traceable matching function (link/kprobe-targets.ts);
// one program serves them all, through one kprobe_multi link where the kernel has them
// (link/kprobe-multi.ts), else one kprobe per function, each with its index as the cookie.
import type { ProbeSpec } from '../../probes/spec.js';
import { asKind, defineKind, type Kind, type KindDescriptor, type ListSources } from './kind.js';

type Impl = typeof import('../kprobe.js') &
  typeof import('../kprobe-multi.js') &
  typeof import('../kprobe-targets.js') &
  Pick<typeof import('../../features.js'), 'probeKprobeMulti'>;

const loadImpl = async (): Promise<Impl> => ({
  ...(await import('../kprobe.js')),
  ...(await import('../kprobe-multi.js')),
  ...(await import('../kprobe-targets.js')),
  probeKprobeMulti: (await import('../../features.js')).probeKprobeMulti,
});

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
    impl: loadImpl,
    precheck: (impl) => impl.kprobesUnavailable(),
    attach: (impl, program, spec, ctx) =>
      impl.attachKprobe(program, spec.target, { retprobe, cookie: ctx.cookie }),
    expand: (impl, spec) => impl.expandKernelFunctions(spec.target),
    sharedProgram: true,
    multi: {
      expectedAttachType: 'trace_kprobe_multi',
      unavailable: (impl) => {
        const f = impl.probeKprobeMulti();
        return f.supported ? undefined : `no kprobe_multi links here (${f.detail})`;
      },
      attach: (impl, program, specs, label) =>
        impl.attachKprobeMulti(
          program,
          specs.map((s) => s.target),
          label,
          { retprobe },
        ),
    },
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
