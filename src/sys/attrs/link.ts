// Attr encoders for attaching: BPF_LINK_CREATE (the common head plus the per-attach-type union
// members we use), BPF_LINK_UPDATE, BPF_LINK_DETACH, BPF_PROG_ATTACH/DETACH, the kprobe_multi and
// uprobe_multi links and BPF_RAW_TRACEPOINT_OPEN. perf_event_attr's encoder is perfAttr in ../perf.ts.
import {
  KprobeMultiLinkCreate,
  LinkCreate,
  LinkCreateNetfilter,
  LinkDetach,
  LinkUpdate,
  ProgAttach,
  RawTracepointOpen,
  UprobeMultiLinkCreate,
} from '../attr.js';
import { AttachType } from '../types.js';
import { AttrWriter, cString, keepAlive } from './writer.js';

export interface LinkCreateAttr {
  progFd: number;
  /** The hook: a perf event fd, cgroup fd, ifindex, … (0 for tracing programs). */
  targetFd?: number;
  /** enum bpf_attach_type. */
  attachType: number;
  flags?: number;
  /** perf_event links: the value bpf_get_attach_cookie returns. */
  perfEventCookie?: bigint;
  /** Tracing links to a BTF id of a target program/module (target_btf_id). */
  targetBtfId?: number;
}

/** BPF_LINK_CREATE. */
export function encodeLinkCreate(a: LinkCreateAttr): Buffer {
  if (a.perfEventCookie !== undefined && a.targetBtfId !== undefined)
    throw new TypeError('LINK_CREATE: perfEventCookie and targetBtfId share a slot; give one');
  return new AttrWriter(LinkCreate.SIZE)
    .u32(LinkCreate.prog_fd, a.progFd)
    .u32(LinkCreate.target_fd, a.targetFd)
    .u32(LinkCreate.attach_type, a.attachType)
    .u32(LinkCreate.flags, a.flags)
    .u64(LinkCreate.perf_event_bpf_cookie, a.perfEventCookie)
    .u32(LinkCreate.target_btf_id, a.targetBtfId)
    .done();
}

/** BPF_RAW_TRACEPOINT_OPEN: `name` null for BTF programs (tp_btf/fentry/fexit on old kernels). */
export function encodeRawTracepointOpen(a: { name: string | null; progFd: number }): Buffer {
  return new AttrWriter(RawTracepointOpen.SIZE)
    .ptr(RawTracepointOpen.name, a.name === null ? null : cString(a.name))
    .u32(RawTracepointOpen.prog_fd, a.progFd)
    .done();
}

export interface ProgAttachAttr {
  /** The hook: a cgroup fd, a map fd (sockmap), a netns fd. */
  targetFd: number;
  /** The program (PROG_DETACH: 0 detaches the only one of a non-multi hook). */
  progFd: number;
  /** enum bpf_attach_type. */
  attachType: number;
  /** BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI, BPF_F_REPLACE. */
  flags?: number;
  /** With BPF_F_REPLACE: the program to replace. */
  replaceFd?: number;
}

/** BPF_LINK_CREATE of a netfilter link (6.4+): protocol family, hook, priority and flags. */
export function encodeNetfilterLinkCreate(a: {
  progFd: number;
  attachType: number;
  pf: number;
  hooknum: number;
  priority: number;
  flags?: number;
}): Buffer {
  const L = LinkCreateNetfilter;
  return new AttrWriter(L.SIZE)
    .u32(L.prog_fd, a.progFd)
    .u32(L.attach_type, a.attachType)
    .u32(L.pf, a.pf)
    .u32(L.hooknum, a.hooknum)
    .i32(L.priority, a.priority)
    .u32(L.nf_flags, a.flags)
    .done();
}

/** BPF_F_REPLACE: BPF_LINK_UPDATE and BPF_PROG_ATTACH replace only if the old program matches. */
export const F_REPLACE = 1 << 2;

/** BPF_LINK_UPDATE: `oldProgFd` given, only if that program is the one attached (BPF_F_REPLACE). */
export function encodeLinkUpdate(a: { linkFd: number; newProgFd: number; oldProgFd?: number }): Buffer {
  return new AttrWriter(LinkUpdate.SIZE)
    .u32(LinkUpdate.link_fd, a.linkFd)
    .u32(LinkUpdate.new_prog_fd, a.newProgFd)
    .u32(LinkUpdate.flags, a.oldProgFd === undefined ? 0 : F_REPLACE)
    .u32(LinkUpdate.old_prog_fd, a.oldProgFd)
    .done();
}

/** BPF_LINK_DETACH. */
export function encodeLinkDetach(linkFd: number): Buffer {
  return new AttrWriter(LinkDetach.SIZE).u32(LinkDetach.link_fd, linkFd).done();
}

/** BPF_PROG_ATTACH, and BPF_PROG_DETACH (same layout; flags and replaceFd unset). */
export function encodeProgAttach(a: ProgAttachAttr): Buffer {
  return new AttrWriter(ProgAttach.SIZE)
    .u32(ProgAttach.target_fd, a.targetFd)
    .u32(ProgAttach.attach_bpf_fd, a.progFd)
    .u32(ProgAttach.attach_type, a.attachType)
    .u32(ProgAttach.attach_flags, a.flags)
    .u32(ProgAttach.replace_bpf_fd, a.replaceFd)
    .done();
}

/** The link_create.*_multi flag for return probes (BPF_F_KPROBE_MULTI_RETURN, BPF_F_UPROBE_MULTI_RETURN). */
export const MULTI_RETURN = 1;

/** u64 values as one native-endian array buffer (addresses, offsets, cookies). */
function u64s(values: readonly bigint[]): Buffer {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeBigUInt64LE(BigInt.asUintN(64, v), i * 8);
  return b;
}

/** An array of pointers to NUL-terminated strings; the strings are kept alive with the array. */
function stringArray(attr: Buffer, names: readonly string[]): Buffer {
  const ptrs = Buffer.alloc(names.length * 8);
  names.forEach((n, i) => {
    const s = cString(n);
    keepAlive(attr, s);
    new AttrWriter(ptrs).ptr(i * 8, s);
  });
  return ptrs;
}

export interface KprobeMultiAttr {
  progFd: number;
  /** Kernel function names (or `addrs`). */
  syms?: readonly string[];
  addrs?: readonly bigint[];
  /** One per function: what bpf_get_attach_cookie returns when it fires. */
  cookies?: readonly bigint[];
  retprobe?: boolean;
}

/** BPF_LINK_CREATE of a kprobe_multi link: one program on many kernel functions. */
export function encodeKprobeMultiLink(a: KprobeMultiAttr): Buffer {
  const cnt = a.syms?.length ?? a.addrs?.length ?? 0;
  if (a.cookies && a.cookies.length !== cnt) throw new TypeError('kprobe_multi: one cookie per function');
  const w = new AttrWriter(KprobeMultiLinkCreate.SIZE);
  const L = KprobeMultiLinkCreate;
  w.u32(L.prog_fd, a.progFd)
    .u32(L.attach_type, AttachType.trace_kprobe_multi)
    .u32(L.multi_flags, a.retprobe ? MULTI_RETURN : 0)
    .u32(L.cnt, cnt);
  if (a.syms) w.ptr(L.syms, stringArray(w.buf, a.syms));
  if (a.addrs) w.ptr(L.addrs, u64s(a.addrs));
  if (a.cookies) w.ptr(L.cookies, u64s(a.cookies));
  return w.done();
}

export interface UprobeMultiAttr {
  progFd: number;
  /** The binary or library. */
  path: string;
  /** File offsets of the probed instructions. */
  offsets: readonly bigint[];
  /** USDT semaphores, one per offset (0: none). */
  refCtrOffsets?: readonly bigint[];
  cookies?: readonly bigint[];
  retprobe?: boolean;
  /** Only this process (0: all). */
  pid?: number;
}

/** BPF_LINK_CREATE of a uprobe_multi link: one program on many offsets of one binary. */
export function encodeUprobeMultiLink(a: UprobeMultiAttr): Buffer {
  const cnt = a.offsets.length;
  for (const [what, list] of [
    ['cookie', a.cookies],
    ['ref_ctr_offset', a.refCtrOffsets],
  ] as const)
    if (list && list.length !== cnt) throw new TypeError(`uprobe_multi: one ${what} per offset`);
  const L = UprobeMultiLinkCreate;
  const w = new AttrWriter(L.SIZE)
    .u32(L.prog_fd, a.progFd)
    .u32(L.attach_type, AttachType.trace_uprobe_multi)
    .u32(L.cnt, cnt)
    .u32(L.multi_flags, a.retprobe ? MULTI_RETURN : 0)
    .u32(L.pid, a.pid ?? 0);
  w.ptr(L.path, cString(a.path)).ptr(L.offsets, u64s(a.offsets));
  if (a.refCtrOffsets) w.ptr(L.ref_ctr_offsets, u64s(a.refCtrOffsets));
  if (a.cookies) w.ptr(L.cookies, u64s(a.cookies));
  return w.done();
}
