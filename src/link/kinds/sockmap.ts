// sk_msg and sk_skb: programs on the sockets of a sockmap or sockhash, attached to the map with
// BPF_PROG_ATTACH (link/sockmap.ts): sk_msg on sendmsg, sk_skb as stream parser and verdict on
// received data. Attached through the API (attachSockmap): a section names no map.
import { defineKind, type Kind } from './kind.js';

export const skMsg: Kind<'sk_msg'> = defineKind({
  name: 'sk_msg',
  programType: 'sk_msg',
  expectedAttachType: 'sk_msg_verdict',
  impl: () => import('../sockmap.js'),
});

export const skSkb: Kind<'sk_skb'> = defineKind({
  name: 'sk_skb',
  programType: 'sk_skb',
  impl: () => import('../sockmap.js'),
});
