// tc: a sched_cls program on an interface's ingress or egress (link/tc.ts: a tcx link, else a
// clsact qdisc + cls_bpf filter). Objects' tcx/ingress, tcx/egress, tc/ingress and tc/egress
// sections attach to the interface `tsbpf load --iface` names, in the direction their name says;
// a bare `tc` or `classifier` section names no direction and is attached by hand.
import { defineKind, type Kind } from './kind.js';

export const tc: Kind<'tc'> = defineKind({
  name: 'tc',
  programType: 'sched_cls',
  sections: ['tc'],
  impl: () => import('../tc.js'),
  attachSection: (impl, program, def, target) => {
    const direction =
      def.expectedAttachType === 'tcx_ingress'
        ? 'ingress'
        : def.expectedAttachType === 'tcx_egress'
          ? 'egress'
          : undefined;
    if (!direction) target.malformed('tc/ingress, tc/egress, tcx/ingress or tcx/egress (a direction)');
    return impl.attachTc(program, target.iface(), { direction });
  },
});
