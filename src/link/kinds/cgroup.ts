// The cgroup kinds, one per program type that runs in a cgroup (link/cgroup.ts: attachCgroup):
// cgroup_skb (ingress/egress), cgroup_sock (create/release/post_bind), cgroup_sock_addr
// (bind/connect/sendmsg/recvmsg/getpeername/getsockname), cgroup_sockopt, cgroup_sysctl,
// cgroup_device and sock_ops. Every libbpf cgroup section (cgroup_skb/egress, cgroup/connect4,
// sockops, …) is section kind `cgroup`; the kind whose program type matches the section's attaches
// it, at the section's hook, to the cgroup given by `--cgroup` (or attachBySection's options).
import { defineKind, type Kind } from './kind.js';

type CgroupType =
  | 'cgroup_skb'
  | 'cgroup_sock'
  | 'cgroup_sock_addr'
  | 'cgroup_sockopt'
  | 'cgroup_sysctl'
  | 'cgroup_device'
  | 'sock_ops';

function cgroupKind<const N extends CgroupType>(name: N): Kind<N> {
  return defineKind({
    name,
    programType: name,
    sections: ['cgroup'],
    impl: () => import('../cgroup.js'),
    attachSection: (impl, program, def, target) => {
      const cgroup = target.cgroup();
      // cgroup/skb names no direction (libbpf does not auto-attach it either).
      if (def.expectedAttachType === undefined) target.malformed('cgroup_skb/ingress or cgroup_skb/egress');
      return impl.attachCgroup(program, cgroup, { attachType: def.expectedAttachType as never });
    },
  });
}

export const cgroupSkb = cgroupKind('cgroup_skb');
export const cgroupSock = cgroupKind('cgroup_sock');
export const cgroupSockAddr = cgroupKind('cgroup_sock_addr');
export const cgroupSockopt = cgroupKind('cgroup_sockopt');
export const cgroupSysctl = cgroupKind('cgroup_sysctl');
export const cgroupDevice = cgroupKind('cgroup_device');
export const sockOps = cgroupKind('sock_ops');
