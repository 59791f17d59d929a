// A NETLINK_ROUTE socket: one request at a time, each acknowledged (NLM_F_ACK), replies read until
// the ack, NLMSG_DONE or an error. Extended acks are on, so a refusal carries the kernel's own
// text ("XDP program already attached."), which NetlinkError puts in its message. The socket
// belongs to the network namespace of the thread that opened it, for its whole life.
import { Errno, SysError } from './errno.js';
import { bind, close as closeFd, lastErrno, recvfrom, sendto, setsockopt, socket } from './libc.js';
import {
  type NetlinkMessage,
  type NetlinkRequest,
  NLM_F,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseError,
  splitMessages,
} from './netlink-message.js';

const AF_NETLINK = 16;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const NETLINK_ROUTE = 0;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SOL_NETLINK = 270;
const NETLINK_CAP_ACK = 10;
const NETLINK_EXT_ACK = 11;
/** A reply that never comes fails after this long instead of hanging the process. */
const RECV_TIMEOUT_S = 5;
const RECV_BUF = 64 * 1024;

/** A netlink request the kernel refused: the errno, and the kernel's extended-ack text if it gave one. */
export class NetlinkError extends SysError {
  override name = 'NetlinkError';
  /** The kernel's own explanation (extended ack), when it gave one. */
  readonly extack: string | undefined;
  constructor(what: string, errno: number, extack: string | undefined) {
    super(what, errno, extack);
    this.extack = extack;
  }
}

function int32(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  return b;
}

/** sockaddr_nl of the kernel (pid 0, no groups). */
const KERNEL_ADDR = (() => {
  const b = new Uint8Array(12);
  new DataView(b.buffer).setUint16(0, AF_NETLINK, true);
  return b;
})();

export class RouteSocket {
  #fd: number;
  #seq = Math.floor(Date.now() / 1000) >>> 0;
  readonly #buf = new Uint8Array(RECV_BUF);

  /** Opens a NETLINK_ROUTE socket in the calling thread's network namespace. */
  constructor() {
    const fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0) throw new SysError('socket(AF_NETLINK, NETLINK_ROUTE)', lastErrno());
    this.#fd = fd;
    try {
      // Extended acks and capped acks are best-effort (kernels before 4.12 lack them).
      setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, int32(1), 4);
      setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, int32(1), 4);
      const tv = new Uint8Array(16);
      new DataView(tv.buffer).setBigInt64(0, BigInt(RECV_TIMEOUT_S), true);
      if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16) !== 0)
        throw new SysError('setsockopt(SO_RCVTIMEO) on a netlink socket', lastErrno());
      if (bind(fd, KERNEL_ADDR, KERNEL_ADDR.length) !== 0)
        throw new SysError('bind(AF_NETLINK)', lastErrno());
    } catch (err) {
      closeFd(fd);
      this.#fd = -1;
      throw err;
    }
  }

  /** The socket's fd (a link made over netlink owns its socket through it). */
  get fd(): number {
    if (this.#fd < 0) throw new Error('netlink socket is closed');
    return this.#fd;
  }

  /**
   * Sends `req` with NLM_F_REQUEST|NLM_F_ACK and returns the replies before the ack (or
   * NLMSG_DONE, for a dump); a refusal throws NetlinkError naming `what`.
   */
  request(req: NetlinkRequest, what: string): NetlinkMessage[] {
    this.#seq = (this.#seq + 1) >>> 0;
    const seq = this.#seq;
    const dump = (req.flags & NLM_F.DUMP) === NLM_F.DUMP;
    const flags = NLM_F.REQUEST | (dump ? 0 : NLM_F.ACK);
    const bytes = withFlags(req.bytes(seq), req.flags | flags);
    if (this.#send(bytes) < 0) throw new SysError(`sendto(netlink) for ${what}`, lastErrno());
    const replies: NetlinkMessage[] = [];
    for (;;) {
      for (const msg of this.#receive(what)) {
        if (msg.seq !== seq) continue; // a stale reply to an earlier request
        if (msg.type === NLMSG_DONE) return replies;
        if (msg.type === NLMSG_ERROR) {
          const { errno, text } = parseError(msg);
          if (errno === 0) return replies;
          throw new NetlinkError(what, errno, text);
        }
        replies.push(msg);
      }
    }
  }

  #send(bytes: Uint8Array): number {
    for (;;) {
      const n = sendto(this.#fd, bytes, bytes.length, 0, KERNEL_ADDR, KERNEL_ADDR.length);
      if (n >= 0 || lastErrno() !== Errno.EINTR) return n;
    }
  }

  #receive(what: string): NetlinkMessage[] {
    for (;;) {
      const n = recvfrom(this.fd, this.#buf, this.#buf.length, 0, null, null);
      if (n >= 0) return splitMessages(this.#buf.slice(0, n));
      const errno = lastErrno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN)
        throw new SysError(
          `recvfrom(netlink) for ${what}`,
          Errno.ETIMEDOUT as number,
          `no reply in ${RECV_TIMEOUT_S} s`,
        );
      throw new SysError(`recvfrom(netlink) for ${what}`, errno);
    }
  }

  /** Gives up the fd without closing it (a link takes it over), leaving this object closed. */
  release(): number {
    const fd = this.fd;
    this.#fd = -1;
    return fd;
  }

  close(): void {
    if (this.#fd < 0) return;
    closeFd(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function withFlags(bytes: Uint8Array, flags: number): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint16(6, flags, true);
  return bytes;
}
