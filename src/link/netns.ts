// Programs attached to a network namespace through a netns BPF link (BPF_LINK_CREATE with the
// namespace's fd): sk_lookup (5.9+), which picks the socket a new connection or datagram goes to,
// and flow_dissector (5.8+ as a link), which replaces the kernel's flow dissector there.
import { closeSync, openSync } from 'node:fs';
import { AttachType } from '../sys/types.js';
import { networkAttachError } from './attach-errors.js';
import { linkCreateTry } from './bpf-link.js';
import { AttachError, Link } from './link.js';

/** A network namespace: its path (`/proc/PID/ns/net`, `/run/netns/NAME`) or an open fd of it. */
export type NetnsRef = string | number;

/** This process's network namespace. */
export const OWN_NETNS = '/proc/self/ns/net';

function attachNetns(prog: { fd: number }, netns: NetnsRef, kind: 'sk_lookup' | 'flow_dissector'): Link {
  const target = typeof netns === 'number' ? `netns fd ${netns}` : netns;
  let fd: number;
  if (typeof netns === 'number') fd = netns;
  else {
    try {
      fd = openSync(netns, 'r');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      throw new AttachError(
        'not-found',
        target,
        `${kind}: cannot open network namespace '${netns}': ${code}`,
      );
    }
  }
  try {
    const r = linkCreateTry(prog.fd, fd, AttachType[kind]);
    if (r < 0) throw networkAttachError('BPF_LINK_CREATE', kind, target, -r);
    return new Link(r, kind, target, 'link', false);
  } finally {
    if (typeof netns !== 'number') closeSync(fd);
  }
}

/**
 * Attaches an sk_lookup program to a network namespace (default: this process's). Several may be
 * attached; they run in order until one assigns a socket (bpf_sk_assign) or drops.
 */
export function attachSkLookup(prog: { fd: number }, netns: NetnsRef = OWN_NETNS): Link {
  return attachNetns(prog, netns, 'sk_lookup');
}

/** Attaches a flow_dissector program to a network namespace (default: this process's); one per netns. */
export function attachFlowDissector(prog: { fd: number }, netns: NetnsRef = OWN_NETNS): Link {
  return attachNetns(prog, netns, 'flow_dissector');
}
