// Socket filters: a socket_filter program on one socket (SO_ATTACH_BPF), run on every packet the
// socket receives; its return value is how many bytes to keep (0 drops the packet). The socket is
// the caller's — an fd, or a bound Node dgram/net socket, whose fd Node keeps in its handle. The
// attachment holds its own duplicate of the socket, and close() detaches the filter (SO_DETACH_BPF).
import { closeRawFd } from '../fd.js';
import type { Program } from '../program.js';
import { type SocketTarget, socketFd } from '../socket-fd.js';
import { Errno, errnoName } from '../sys/errno.js';
import { attachSocketBpf, detachSocketBpf, dupFd } from '../sys/socket.js';
import { programTypeName } from '../sys/types.js';
import { AttachError, Link } from './link.js';

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
