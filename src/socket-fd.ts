// The file descriptor of a Node socket, for the kernel calls that take one: a sockmap or
// sockhash update from user space (map.set(key, socketFd(s))), SO_ATTACH_BPF. On Linux, Node's
// TCP, pipe and UDP handles expose the descriptor libuv owns; the socket must stay open while
// the kernel uses it (a sockmap holds its own reference to the socket, not to the fd).

import type { Socket as DgramSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';

/** A net.Socket, a listening net.Server, or a bound dgram.Socket. */
export type NodeSocket = Socket | Server | DgramSocket;

/** The fd under a Node socket; a TypeError if it has none (not connected, listening or bound yet). */
export function socketFd(socket: NodeSocket): number {
  const handle = (socket as unknown as { _handle?: { fd?: number } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0)
    throw new TypeError(
      'this socket has no file descriptor yet: use it once it is connected, listening or bound (and on Linux)',
    );
  return fd;
}
