// uprobe and uretprobe: a function of a binary or shared library, at entry or return, through the
// uprobe PMU or tracefs (link/uprobe.ts). Arguments are the saved registers, untyped; pointers in
// them point into the traced process's memory. A wildcard (`uprobe:/bin/bash:*line*`) names every
// matching function of the binary; one program serves them all, through one uprobe_multi link
// where the kernel has them (link/uprobe-multi.ts), else one uprobe per function.
import type { ProbeSpec } from '../../probes/spec.js';
import { asKind, defineKind, type Kind, type KindDescriptor } from './kind.js';

type Impl = typeof import('../uprobe.js') &
  typeof import('../uprobe-symbols.js') &
  typeof import('../uprobe-multi.js') &
  Pick<typeof import('../../features.js'), 'probeUprobeMulti'>;

/** `BINARY:SYMBOL` at its last colon (a path may hold colons, a symbol does not). */
function splitTarget(text: string): { binary: string; symbol: string } | undefined {
  const at = text.lastIndexOf(':');
  return at <= 0 ? undefined : { binary: text.slice(0, at), symbol: text.slice(at + 1) };
}

function uprobeKind<const N extends 'uprobe' | 'uretprobe'>(name: N, retprobe: boolean): Kind<N> {
  const d: KindDescriptor<N, Impl> = {
    name,
    aliases: retprobe ? ['ur'] : ['u'],
    grammar: 'binary-symbol',
    programType: 'kprobe',
    returns: retprobe,
    args: 'user-registers',
    userMemory: () => true,
    returnSide: retprobe ? undefined : (spec: ProbeSpec) => asKind(spec, 'uretprobe'),
    sections: [name],
    impl: async () => ({
      ...(await import('../uprobe.js')),
      ...(await import('../uprobe-symbols.js')),
      ...(await import('../uprobe-multi.js')),
      probeUprobeMulti: (await import('../../features.js')).probeUprobeMulti,
    }),
    attach: (impl, program, spec, ctx) =>
      impl.attachUprobe(program, spec.binary as string, {
        symbol: spec.target,
        retprobe,
        pid: ctx.pid,
        cookie: ctx.cookie,
      }),
    sharedProgram: true,
    multi: {
      expectedAttachType: 'trace_uprobe_multi',
      unavailable: (impl) => {
        const f = impl.probeUprobeMulti();
        return f.supported ? undefined : `no uprobe_multi links here (${f.detail})`;
      },
      attach: (impl, program, specs, label, ctx) =>
        impl.attachUprobeMulti(
          program,
          specs[0]?.binary as string,
          specs.map((s) => s.target),
          label,
          { retprobe, pid: ctx.pid },
        ),
    },
    attachSection: (impl, program, def, target) => {
      // uprobe/BINARY:SYMBOL (libbpf also allows BINARY:SYMBOL+OFFSET; we take the symbol only).
      const t = splitTarget(def.target);
      if (!t) return target.malformed(`${def.attach}/BINARY:SYMBOL`);
      return impl.attachUprobe(program, t.binary, { symbol: t.symbol, retprobe });
    },
    list: {
      // `uprobe:BINARY` lists all of its functions, `uprobe:BINARY:GLOB` those matching.
      targets: (impl, pattern, s) => {
        const t = splitTarget(pattern) ?? { binary: pattern, symbol: '*' };
        const names = s.matching(impl.functionSymbols(impl.resolveBinary(t.binary)), t.symbol);
        return names.map((n) => `${t.binary}:${n}`);
      },
    },
  };
  return defineKind(d);
}

export const uprobe = uprobeKind('uprobe', false);
export const uretprobe = uprobeKind('uretprobe', true);
