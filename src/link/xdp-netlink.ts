// XDP over rtnetlink, the way kernels before BPF links (5.9) attach it and the way to see what is
// attached: RTM_SETLINK with a nested IFLA_XDP (program fd, mode flags, and the fd expected to be
// there for an atomic replace), RTM_GETLINK to read IFLA_XDP back (attach mode, program ids).
import type { RouteSocket } from '../sys/netlink.js';
import { NetlinkRequest, parseAttrs } from '../sys/netlink-message.js';

const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const RTM_SETLINK = 19;
const IFLA_XDP = 43;
const IFLA_XDP_FD = 1;
const IFLA_XDP_ATTACHED = 2;
const IFLA_XDP_FLAGS = 3;
const IFLA_XDP_PROG_ID = 4;
const IFLA_XDP_DRV_PROG_ID = 5;
const IFLA_XDP_SKB_PROG_ID = 6;
const IFLA_XDP_HW_PROG_ID = 7;
const IFLA_XDP_EXPECTED_FD = 8;

/** XDP_FLAGS_* of include/uapi/linux/if_link.h. */
export const XdpFlags = {
  UPDATE_IF_NOEXIST: 1 << 0,
  SKB_MODE: 1 << 1,
  DRV_MODE: 1 << 2,
  HW_MODE: 1 << 3,
  REPLACE: 1 << 4,
} as const;

/** struct ifinfomsg for `ifindex` (16 bytes, family AF_UNSPEC). */
function ifinfomsg(ifindex: number): Uint8Array {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setInt32(4, ifindex, true);
  return b;
}

/**
 * RTM_SETLINK IFLA_XDP: attach `progFd` (-1 detaches) with `flags`; `expectedFd` makes it a
 * replace of exactly that program (XDP_FLAGS_REPLACE), failing if another one is attached.
 */
export function setXdp(
  sock: RouteSocket,
  ifindex: number,
  progFd: number,
  flags: number,
  expectedFd?: number,
): void {
  const req = new NetlinkRequest(RTM_SETLINK, 0, ifinfomsg(ifindex)).nest(IFLA_XDP).i32(IFLA_XDP_FD, progFd);
  if (expectedFd !== undefined) {
    req.u32(IFLA_XDP_FLAGS, flags | XdpFlags.REPLACE).i32(IFLA_XDP_EXPECTED_FD, expectedFd);
  } else if (flags !== 0) req.u32(IFLA_XDP_FLAGS, flags);
  req.end();
  sock.request(req, `RTM_SETLINK IFLA_XDP on ifindex ${ifindex}`);
}

/** What IFLA_XDP says is attached to an interface. */
export interface XdpAttached {
  /** How the (single) program runs, 'multi' when programs run in several modes, or undefined. */
  mode: 'drv' | 'skb' | 'hw' | 'multi' | undefined;
  /** The program id when one program is attached (in any single mode). */
  progId: number | undefined;
  /** Program ids per mode (a mode without one is absent). */
  skb?: number;
  drv?: number;
  hw?: number;
}

const MODES = [undefined, 'drv', 'skb', 'hw', 'multi'] as const;

/** RTM_GETLINK of `ifindex`: its IFLA_XDP. */
export function getXdp(sock: RouteSocket, ifindex: number): XdpAttached {
  const req = new NetlinkRequest(RTM_GETLINK, 0, ifinfomsg(ifindex));
  const replies = sock.request(req, `RTM_GETLINK of ifindex ${ifindex}`);
  const link = replies.find((m) => m.type === RTM_NEWLINK);
  const out: XdpAttached = { mode: undefined, progId: undefined };
  if (!link) return out;
  const xdp = parseAttrs(link.payload, 16).get(IFLA_XDP);
  if (!xdp) return out;
  const a = parseAttrs(xdp);
  const u32 = (t: number) => a.get(t)?.getUint32(0, true);
  out.mode = MODES[a.get(IFLA_XDP_ATTACHED)?.getUint8(0) ?? 0];
  out.progId = u32(IFLA_XDP_PROG_ID);
  const skb = u32(IFLA_XDP_SKB_PROG_ID);
  const drv = u32(IFLA_XDP_DRV_PROG_ID);
  const hw = u32(IFLA_XDP_HW_PROG_ID);
  if (skb !== undefined) out.skb = skb;
  if (drv !== undefined) out.drv = drv;
  if (hw !== undefined) out.hw = hw;
  // With one program attached the kernel gives only IFLA_XDP_PROG_ID: file it under its mode.
  if (out.progId !== undefined && (out.mode === 'skb' || out.mode === 'drv' || out.mode === 'hw'))
    out[out.mode] ??= out.progId;
  return out;
}
