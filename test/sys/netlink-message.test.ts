// The netlink message codec (src/sys/netlink-message.ts) without a kernel: requests are laid out
// as rtnetlink wants them (lengths, 4-byte padding, nested attributes flagged), and replies —
// including an NLMSG_ERROR with extended-ack text, capped or not — parse back.
import { describe, expect, it } from 'vitest';
import {
  attrString,
  NetlinkRequest,
  NLA_F_NESTED,
  NLM_F,
  NLMSG_ERROR,
  parseAttrs,
  parseError,
  splitMessages,
} from '../../src/sys/netlink-message.js';

describe('netlink messages', () => {
  it('lays out a request: header, fixed part, padded and nested attributes', () => {
    const bytes = new NetlinkRequest(19, NLM_F.ACK, new Uint8Array(16))
      .str(3, 'eth0') // 4 + 5 bytes, padded to 12
      .nest(43)
      .i32(1, -1)
      .u32(3, 2)
      .end()
      .bytes(7);
    const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(bytes.byteLength).toBe(16 + 16 + 12 + 4 + 8 + 8);
    expect([v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true), v.getUint32(8, true)]).toEqual([
      bytes.byteLength,
      19,
      NLM_F.ACK,
      7,
    ]);
    const [msg] = splitMessages(bytes);
    const attrs = parseAttrs(msg?.payload as DataView, 16);
    expect(attrString(attrs.get(3) as DataView)).toBe('eth0');
    expect(v.getUint16(32 + 12 + 2, true)).toBe(43 | NLA_F_NESTED);
    const nested = parseAttrs(attrs.get(43) as DataView);
    expect(nested.get(1)?.getInt32(0, true)).toBe(-1);
    expect(nested.get(3)?.getUint32(0, true)).toBe(2);
  });

  /** An NLMSG_ERROR for `errno` quoting a request header (capped) or the whole request, with `text`. */
  function errorReply(errno: number, text: string | undefined, capped: boolean): Uint8Array {
    const orig = new NetlinkRequest(19, 0, new Uint8Array(16)).u32(1, 5).bytes(3);
    const quoted = capped ? orig.subarray(0, 16) : orig;
    const tail =
      text === undefined
        ? new Uint8Array(0)
        : new NetlinkRequest(0, 0, new Uint8Array(0)).str(1, text).bytes(0).subarray(16);
    const body = new Uint8Array(4 + quoted.byteLength + tail.byteLength);
    new DataView(body.buffer).setInt32(0, -errno, true);
    body.set(quoted, 4);
    body.set(tail, 4 + quoted.byteLength);
    const flags = (capped ? NLM_F.CAPPED : 0) | (text === undefined ? 0 : NLM_F.ACK_TLVS);
    const msg = new Uint8Array(16 + body.byteLength);
    const v = new DataView(msg.buffer);
    v.setUint32(0, msg.byteLength, true);
    v.setUint16(4, NLMSG_ERROR, true);
    v.setUint16(6, flags, true);
    v.setUint32(8, 3, true);
    msg.set(body, 16);
    return msg;
  }

  it('reads the errno and the extended-ack text of an error, capped or not', () => {
    for (const capped of [true, false]) {
      const [msg] = splitMessages(errorReply(16, 'XDP program already attached.', capped));
      expect(parseError(msg as never)).toEqual({ errno: 16, text: 'XDP program already attached.' });
    }
    const [ack] = splitMessages(errorReply(0, undefined, true));
    expect(parseError(ack as never)).toEqual({ errno: 0, text: undefined });
  });

  it('refuses a reply whose length runs past the datagram', () => {
    const bad = errorReply(1, undefined, true).slice(0, 20);
    expect(() => splitMessages(bad)).toThrow(/runs past/);
  });
});
