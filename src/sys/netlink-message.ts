// Netlink messages as bytes: a request (nlmsghdr, a fixed family header, attributes, nested
// attributes) built into one buffer, and replies split into messages and attribute tables with
// DataView. Used by the NETLINK_ROUTE socket (netlink.ts) for XDP and tc; no I/O here.

/** nlmsghdr flags. */
export const NLM_F = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  ECHO: 0x8,
  /** In an NLMSG_ERROR: the original request's payload was left out (NETLINK_CAP_ACK). */
  CAPPED: 0x100,
  /** In an NLMSG_ERROR: extended-ack attributes follow. */
  ACK_TLVS: 0x200,
  REPLACE: 0x100,
  EXCL: 0x200,
  CREATE: 0x400,
  DUMP: 0x300,
} as const;

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
/** Extended-ack attributes of an NLMSG_ERROR. */
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
/** Set on an attribute type that holds attributes. */
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

const HDR = 16;
const align4 = (n: number): number => (n + 3) & ~3;

/** Builds one request: header, the family's fixed struct, then attributes (nest() for nested ones). */
export class NetlinkRequest {
  #buf = new Uint8Array(256);
  #view = new DataView(this.#buf.buffer);
  #len = HDR;
  readonly #nests: number[] = [];

  /** `fixed`: the family header (ifinfomsg, tcmsg) as bytes, already encoded. */
  constructor(
    readonly type: number,
    readonly flags: number,
    fixed: Uint8Array,
  ) {
    this.#put(fixed);
  }

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf);
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #put(bytes: Uint8Array): void {
    const n = align4(bytes.length);
    this.#room(n);
    this.#buf.set(bytes, this.#len);
    this.#buf.fill(0, this.#len + bytes.length, this.#len + n);
    this.#len += n;
  }

  /** An attribute with raw bytes. */
  attr(type: number, payload: Uint8Array): this {
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint16(0, 4 + payload.length, true);
    new DataView(head.buffer).setUint16(2, type, true);
    this.#room(4 + align4(payload.length));
    this.#buf.set(head, this.#len);
    this.#len += 4;
    this.#put(payload);
    return this;
  }
  u32(type: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, value >>> 0, true);
    return this.attr(type, b);
  }
  i32(type: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, value, true);
    return this.attr(type, b);
  }
  /** A NUL-terminated string attribute. */
  str(type: number, text: string): this {
    const bytes = new TextEncoder().encode(text);
    const b = new Uint8Array(bytes.length + 1);
    b.set(bytes);
    return this.attr(type, b);
  }
  /** Opens a nested attribute (NLA_F_NESTED set); end() closes it. */
  nest(type: number): this {
    this.#room(4);
    this.#view.setUint16(this.#len + 2, type | NLA_F_NESTED, true);
    this.#nests.push(this.#len);
    this.#len += 4;
    return this;
  }
  end(): this {
    const start = this.#nests.pop();
    if (start === undefined) throw new Error('internal: netlink end() without nest()');
    this.#view.setUint16(start, this.#len - start, true);
    return this;
  }

  /** The finished message with sequence number `seq`. */
  bytes(seq: number): Uint8Array {
    if (this.#nests.length > 0) throw new Error('internal: netlink request has an open nest');
    this.#view.setUint32(0, this.#len, true);
    this.#view.setUint16(4, this.type, true);
    this.#view.setUint16(6, this.flags, true);
    this.#view.setUint32(8, seq, true);
    this.#view.setUint32(12, 0, true);
    return this.#buf.subarray(0, this.#len);
  }
}

/** One reply message: its header fields and its payload (after the 16-byte header). */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  payload: DataView;
}

/** Splits a datagram into messages; throws on a length that runs past the datagram. */
export function splitMessages(data: Uint8Array): NetlinkMessage[] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: NetlinkMessage[] = [];
  for (let off = 0; off + HDR <= data.byteLength; ) {
    const len = view.getUint32(off, true);
    if (len < HDR || off + len > data.byteLength)
      throw new Error(
        `netlink reply: message length ${len} at offset ${off} runs past the ${data.byteLength}-byte datagram`,
      );
    out.push({
      type: view.getUint16(off + 4, true),
      flags: view.getUint16(off + 6, true),
      seq: view.getUint32(off + 8, true),
      payload: new DataView(data.buffer, data.byteOffset + off + HDR, len - HDR),
    });
    off += align4(len);
  }
  return out;
}

/** Attributes from `start` to the end of `view`, by type (nested flag masked off; the last wins). */
export function parseAttrs(view: DataView, start = 0): Map<number, DataView> {
  const out = new Map<number, DataView>();
  for (let off = start; off + 4 <= view.byteLength; ) {
    const len = view.getUint16(off, true);
    if (len < 4 || off + len > view.byteLength) break;
    const type = view.getUint16(off + 2, true) & NLA_TYPE_MASK;
    out.set(type, new DataView(view.buffer, view.byteOffset + off + 4, len - 4));
    off += align4(len);
  }
  return out;
}

/** A string attribute's text (up to its NUL). */
export function attrString(v: DataView): string {
  const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const nul = bytes.indexOf(0);
  return new TextDecoder().decode(nul >= 0 ? bytes.subarray(0, nul) : bytes);
}

/** What an NLMSG_ERROR says: errno (0 for an ack) and the kernel's extended-ack text, if any. */
export function parseError(msg: NetlinkMessage): { errno: number; text: string | undefined } {
  const errno = -msg.payload.getInt32(0, true) || 0; // an ack is 0, not -0
  if (!(msg.flags & NLM_F.ACK_TLVS)) return { errno, text: undefined };
  // The original request's header follows, with its payload unless the ack was capped.
  const origLen = msg.payload.getUint32(4, true);
  const attrsAt = 4 + (msg.flags & NLM_F.CAPPED ? HDR : align4(origLen));
  const text = parseAttrs(msg.payload, attrsAt).get(NLMSGERR_ATTR_MSG);
  return { errno, text: text ? attrString(text) : undefined };
}
