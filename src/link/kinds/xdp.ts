// xdp: a program on a network interface's receive path (link/xdp.ts: a BPF link, else netlink).
// Objects' xdp and xdp.frags sections attach to the interface `tsbpf load --iface` names, in the
// mode of --xdp-mode; devmap/cpumap programs run from a map, not an interface.
import { defineKind, type Kind } from './kind.js';

export const xdp: Kind<'xdp'> = defineKind({
  name: 'xdp',
  programType: 'xdp',
  expectedAttachType: 'xdp',
  sections: ['xdp'],
  impl: () => import('../xdp.js'),
  attachSection: (impl, program, def, target) => {
    if (def.expectedAttachType === 'xdp_devmap' || def.expectedAttachType === 'xdp_cpumap')
      target.malformed('an interface XDP program (devmap/cpumap programs run from their map)');
    return impl.attachXdp(program, target.iface(), { mode: target.xdpMode() });
  },
});
