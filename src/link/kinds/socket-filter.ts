// socket_filter: a program on one socket the caller owns (link/socket-filter.ts:
// attachSocketFilter, SO_ATTACH_BPF). An object's `socket` section names no socket, so it is
// attached by hand, not from its section.
import { defineKind, type Kind } from './kind.js';

export const socketFilter: Kind<'socket_filter'> = defineKind({
  name: 'socket_filter',
  programType: 'socket_filter',
  impl: () => import('../socket-filter.js'),
});
