// Socket filters: a socket_filter program on one socket (SO_ATTACH_BPF), run on every packet the
// socket receives; its return value is how many bytes to keep (0 drops the packet). The socket is
// the caller's — an fd, or a bound Node dgram/net socket, whose fd Node keeps in its handle. The
// attachment holds its own duplicate of the socket, and close() detaches the filter (SO_DETACH_BPF).
import { closeRawFd } from '../fd.js';
import type { Program } from '../program.js';
import { Errno, errnoName } from '../sys/errno.js';
import { attachSocketBpf, detachSocketBpf, dupFd } from '../sys/socket.js';
import { programTypeName } from '../sys/types.js';
import { AttachError, Link } from './link.js';

/** A socket to filter: an fd, or a Node socket object that has one (a bound dgram.Socket, a
 * connected net.Socket, a listening net.Server). */
export type SocketTarget = number | object;

/**
 * The fd of a Node socket (dgram.Socket once bound, net.Socket once connected, net.Server once
 * listening), read from its libuv handle: Node has no public API for it, so this reaches into the
 * handle the way Node's own cluster code does. Throws TypeError when there is none (yet).
 */
export function socketFd(socket: SocketTarget): number {
  if (typeof socket === 'number') return socket;
  const s = socket as Record<string | symbol, unknown>;
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
    'this socket has no fd yet: bind a dgram socket, connect a net.Socket or listen on a net.Server first',
  );
}

class SocketFilterLink extends Link {
  override close(): void {
    if (this.closed) return;
    // ENOENT: the filter was replaced or detached since; either way it is not ours any more.
    detachSocketBpf(this.fd);
    super.close();
  }
}

/**
 * Attaches a socket_filter program to `socket` with SO_ATTACH_BPF (replacing the socket's
 * filter, if it had one). The returned link keeps a duplicate of the socket; close() detaches.
 */
export function attachSocketFilter(program: Program, socket: SocketTarget): Link {
  const fd = socketFd(socket);
  const where = `socket fd ${fd}`;
  const type = programTypeName(program.type);
  if (type !== 'socket_filter')
    throw new AttachError(
      'mismatch',
      where,
      `a ${type} program cannot filter a socket (needs socket_filter)`,
    );
  const own = dupFd(fd);
  if (own < 0) throw new AttachError('not-found', where, `${where}: ${errnoName(-own)}`, -own);
  const r = attachSocketBpf(own, program.fd);
  if (r < 0) {
    closeRawFd(own);
    const errno = -r;
    if (errno === Errno.ENOTSOCK)
      throw new AttachError('not-found', where, `SO_ATTACH_BPF on ${where}: ENOTSOCK: not a socket`, errno);
    throw new AttachError(
      errno === Errno.EPERM ? 'permission' : 'kernel',
      where,
      `SO_ATTACH_BPF on ${where}: ${errnoName(errno)}`,
      errno,
    );
  }
  return new SocketFilterLink(own, 'socket_filter', where, 'socket', false);
}
