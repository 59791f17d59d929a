// sk_lookup: a program that picks the listening or bound socket for a new connection or datagram
// in a network namespace, attached by a netns link (link/netns.ts). Attached through the API
// (attachSkLookup): an object's sk_lookup section names no namespace to auto-attach to.
import { defineKind, type Kind } from './kind.js';

export const skLookup: Kind<'sk_lookup'> = defineKind({
  name: 'sk_lookup',
  programType: 'sk_lookup',
  expectedAttachType: 'sk_lookup',
  impl: () => import('../netns.js'),
});
