// Attr encoder for tcx links: BPF_LINK_CREATE with the program's place among the interface's
// others (6.6+), relative to a program or link, and the revision expected. XDP links use the
// common head (link.ts) with the ifindex as target; BPF_LINK_UPDATE is in link.ts too.
import { AttrWriter } from './writer.js';

/** BPF_LINK_CREATE with the tcx union member (struct { relative_fd/id; expected_revision; }). */
const LinkCreateTcx = {
  SIZE: 32,
  prog_fd: 0,
  target_ifindex: 4,
  attach_type: 8,
  flags: 12,
  relative_fd: 16,
  expected_revision: 24,
} as const;

/** Flags of tcx (mprog) attachments: where the new program goes, and what `relative` is. */
export const MprogFlags = {
  F_REPLACE: 1 << 2,
  F_BEFORE: 1 << 3,
  F_AFTER: 1 << 4,
  F_ID: 1 << 5,
  F_LINK: 1 << 13,
} as const;

export interface TcxLinkCreateAttr {
  progFd: number;
  ifindex: number;
  attachType: number;
  /** BPF_F_BEFORE / BPF_F_AFTER, with BPF_F_LINK or BPF_F_ID saying what `relative` is. */
  flags?: number;
  /** A program fd, link fd or id (per flags); 0 with BEFORE/AFTER means first/last. */
  relative?: number;
  expectedRevision?: bigint;
}

/** BPF_LINK_CREATE of a tcx link. */
export function encodeTcxLinkCreate(a: TcxLinkCreateAttr): Buffer {
  const L = LinkCreateTcx;
  return new AttrWriter(L.SIZE)
    .u32(L.prog_fd, a.progFd)
    .u32(L.target_ifindex, a.ifindex)
    .u32(L.attach_type, a.attachType)
    .u32(L.flags, a.flags)
    .u32(L.relative_fd, a.relative)
    .u64(L.expected_revision, a.expectedRevision)
    .done();
}
