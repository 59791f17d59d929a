// Legacy tc over rtnetlink, for kernels before tcx (6.6): a clsact qdisc (the ingress and egress
// hooks), a cls_bpf filter in direct-action mode holding the program (its return value is the
// verdict), and their removal. The kernel picks the filter's priority and handle; NLM_F_ECHO
// hands them back so the filter can be deleted exactly.
import type { RouteSocket } from '../sys/netlink.js';
import { NetlinkRequest, NLM_F } from '../sys/netlink-message.js';

const RTM_NEWQDISC = 36;
const RTM_DELQDISC = 37;
const RTM_NEWTFILTER = 44;
const RTM_DELTFILTER = 45;
const RTM_GETTFILTER = 46;
const TCA_KIND = 1;
const TCA_OPTIONS = 2;
const TCA_BPF_FD = 6;
const TCA_BPF_NAME = 7;
const TCA_BPF_FLAGS = 8;
const TCA_BPF_FLAGS_ACT_DIRECT = 1;
/** TC_H_CLSACT: the clsact qdisc's parent; its handle is ffff:0. */
const TC_H_CLSACT = 0xffff_fff1;
const CLSACT_HANDLE = 0xffff_0000;
/** The clsact hooks a filter hangs from (TC_H_MIN_INGRESS / TC_H_MIN_EGRESS under ffff:). */
export const TC_PARENT = { ingress: 0xffff_fff2, egress: 0xffff_fff3 } as const;
/** ETH_P_ALL in network byte order, as tcm_info's protocol half wants it. */
const ETH_P_ALL_BE = 0x0300;

function tcmsg(ifindex: number, handle: number, parent: number, info: number): Uint8Array {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setInt32(4, ifindex, true);
  v.setUint32(8, handle >>> 0, true);
  v.setUint32(12, parent >>> 0, true);
  v.setUint32(16, info >>> 0, true);
  return b;
}

/** Adds the clsact qdisc: true if we created it, false if the interface had one already. */
export function addClsact(sock: RouteSocket, ifindex: number): boolean {
  const req = new NetlinkRequest(
    RTM_NEWQDISC,
    NLM_F.CREATE | NLM_F.EXCL,
    tcmsg(ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0),
  ).str(TCA_KIND, 'clsact');
  try {
    sock.request(req, `adding the clsact qdisc to ifindex ${ifindex}`);
    return true;
  } catch (err) {
    if ((err as { errno?: number }).errno === 17 /* EEXIST */) return false;
    throw err;
  }
}

/** Removes the clsact qdisc (and every filter under it). */
export function deleteClsact(sock: RouteSocket, ifindex: number): void {
  const req = new NetlinkRequest(RTM_DELQDISC, 0, tcmsg(ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0)).str(
    TCA_KIND,
    'clsact',
  );
  sock.request(req, `removing the clsact qdisc of ifindex ${ifindex}`);
}

/** A cls_bpf filter as the kernel made it: where it hangs and the priority/handle it was given. */
export interface BpfFilter {
  ifindex: number;
  parent: number;
  handle: number;
  /** tcm_info: the priority (high 16 bits) and protocol. */
  info: number;
}

/** Adds a direct-action cls_bpf filter running `progFd` under `parent`. */
export function addBpfFilter(
  sock: RouteSocket,
  ifindex: number,
  parent: number,
  progFd: number,
  name: string,
): BpfFilter {
  const req = new NetlinkRequest(
    RTM_NEWTFILTER,
    NLM_F.CREATE | NLM_F.EXCL | NLM_F.ECHO,
    tcmsg(ifindex, 0, parent, ETH_P_ALL_BE),
  )
    .str(TCA_KIND, 'bpf')
    .nest(TCA_OPTIONS)
    .u32(TCA_BPF_FD, progFd)
    .str(TCA_BPF_NAME, name)
    .u32(TCA_BPF_FLAGS, TCA_BPF_FLAGS_ACT_DIRECT)
    .end();
  const replies = sock.request(req, `adding a cls_bpf filter to ifindex ${ifindex}`);
  const echo = replies.find((m) => m.type === RTM_NEWTFILTER);
  if (!echo) throw new Error(`cls_bpf filter on ifindex ${ifindex}: the kernel did not echo the new filter`);
  return {
    ifindex,
    parent,
    handle: echo.payload.getUint32(8, true),
    info: echo.payload.getUint32(16, true),
  };
}

/** Deletes one filter. */
export function deleteFilter(sock: RouteSocket, f: BpfFilter): void {
  const req = new NetlinkRequest(RTM_DELTFILTER, 0, tcmsg(f.ifindex, f.handle, f.parent, f.info)).str(
    TCA_KIND,
    'bpf',
  );
  sock.request(req, `removing the cls_bpf filter ${f.handle.toString(16)} of ifindex ${f.ifindex}`);
}

/** How many filters hang under the clsact hooks of `ifindex` (both directions). */
export function countFilters(sock: RouteSocket, ifindex: number): number {
  let n = 0;
  for (const parent of Object.values(TC_PARENT)) {
    const req = new NetlinkRequest(RTM_GETTFILTER, NLM_F.DUMP, tcmsg(ifindex, 0, parent, 0));
    // A dump lists each priority's chain head (handle 0) as well as the filters themselves.
    n += sock
      .request(req, `listing the filters of ifindex ${ifindex}`)
      .filter((m) => m.type === RTM_NEWTFILTER && m.payload.getUint32(8, true) !== 0).length;
  }
  return n;
}
