// sk_msg and sk_skb programs attached to a sockmap or sockhash with BPF_PROG_ATTACH (the map's fd
// as target): they run on the sockets in that map — sk_msg on every sendmsg (verdict: pass, drop,
// or redirect with bpf_msg_redirect_map), sk_skb on received data (a stream parser splitting it
// into messages, a verdict passing, dropping or redirecting each). No link object exists: the
// Link keeps duplicates of the program's and the map's fds and detaches on close().
import { closeRawFd } from '../fd.js';
import { BpfError, Errno } from '../sys/errno.js';
import { dupFdOrThrow, progAttachTry, progDetach } from '../sys/link-ops.js';
import { AttachType } from '../sys/types.js';
import { networkAttachError } from './attach-errors.js';
import { Link } from './link.js';

/** Where on a sockmap a program runs. */
export type SockmapAttachType =
  | 'sk_msg_verdict'
  | 'sk_skb_stream_parser'
  | 'sk_skb_stream_verdict'
  | 'sk_skb_verdict';

const KIND: Record<SockmapAttachType, 'sk_msg' | 'sk_skb'> = {
  sk_msg_verdict: 'sk_msg',
  sk_skb_stream_parser: 'sk_skb',
  sk_skb_stream_verdict: 'sk_skb',
  sk_skb_verdict: 'sk_skb',
};

/**
 * Attaches `prog` to a sockmap or sockhash (`map`) at `attachType`; it runs on sockets added to
 * the map afterwards. One program per map and attach type: attaching another replaces it (then
 * closing the replaced one's Link has nothing left to detach).
 */
export function attachSockmap(
  prog: { fd: number },
  map: { fd: number; name?: string },
  attachType: SockmapAttachType,
): Link {
  const kind = KIND[attachType];
  if (kind === undefined)
    throw new TypeError(
      `unknown sockmap attach type '${attachType}' (one of: ${Object.keys(KIND).join(', ')})`,
    );
  const type = AttachType[attachType];
  const target = `sockmap ${map.name ? `'${map.name}'` : `fd ${map.fd}`} ${attachType}`;
  const mapFd = dupFdOrThrow(map.fd);
  let progFd = -1;
  try {
    progFd = dupFdOrThrow(prog.fd);
    const r = progAttachTry(mapFd, progFd, type);
    if (r < 0)
      throw networkAttachError(
        'BPF_PROG_ATTACH',
        kind,
        target,
        -r,
        `the map is not a sockmap/sockhash, or the program is not an ${kind} program loaded for ${attachType}`,
      );
  } catch (err) {
    closeRawFd(progFd);
    closeRawFd(mapFd);
    throw err;
  }
  const ownProg = progFd;
  return new Link(ownProg, kind, target, 'prog_attach', false, () => {
    try {
      progDetach(mapFd, ownProg, type, target);
    } catch (err) {
      // ENOENT: another program replaced this one; nothing of ours is attached any more.
      if (!(err instanceof BpfError && err.errno === Errno.ENOENT)) throw err;
    } finally {
      closeRawFd(mapFd);
    }
  });
}

/** An sk_msg verdict program on a sockmap/sockhash. */
export const attachSkMsg = (prog: { fd: number }, map: { fd: number; name?: string }): Link =>
  attachSockmap(prog, map, 'sk_msg_verdict');
