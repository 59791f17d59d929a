// The file descriptor of a Node socket, for the kernel calls that take one: a sockmap or
// sockhash update from user space (map.set(key, socketFd(s))), SO_ATTACH_BPF. Node has no public
// API for it; on Linux its TCP, pipe and UDP handles expose the descriptor libuv owns, which this
// reads the way Node's own cluster code does. The socket must stay open while the kernel uses it
// (a sockmap holds its own reference to the socket, not to the fd).

import type { Socket as DgramSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';

/** A net.Socket, a listening net.Server, or a bound dgram.Socket. */
export type NodeSocket = Socket | Server | DgramSocket;

/** A socket given to the kernel: its fd, or a Node socket that has one. */
export type SocketTarget = number | NodeSocket;

/** The fd under a socket; a TypeError if it has none (not connected, listening or bound yet). */
export function socketFd(socket: SocketTarget): number {
  if (typeof socket === 'number') return socket;
  const s = socket as unknown as Record<string | symbol, unknown>;
  const handles: unknown[] = [];
  // net.Socket and net.Server keep their handle in _handle; dgram.Socket under a state symbol
  // (its _handle getter is deprecated).
  for (const sym of Object.getOwnPropertySymbols(s))
    if (String(sym) === 'Symbol(state symbol)')
      handles.push((s[sym] as { handle?: unknown } | undefined)?.handle);
  if (handles.length === 0 && '_handle' in s) handles.push(s._handle);
  for (const h of handles) {
    const fd = (h as { fd?: unknown } | null | undefined)?.fd;
    if (typeof fd === 'number' && fd >= 0) return fd;
  }
  throw new TypeError(
    'this socket has no file descriptor yet: bind a dgram socket, connect a net.Socket or listen on a net.Server first (Linux only)',
  );
}
