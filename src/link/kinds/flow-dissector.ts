// flow_dissector: a program that replaces the kernel's flow dissector in a network namespace,
// attached by a netns link (link/netns.ts), one per namespace. Attached through the API
// (attachFlowDissector); tested without traffic by BPF_PROG_TEST_RUN.
import { defineKind, type Kind } from './kind.js';

export const flowDissector: Kind<'flow_dissector'> = defineKind({
  name: 'flow_dissector',
  programType: 'flow_dissector',
  expectedAttachType: 'flow_dissector',
  impl: () => import('../netns.js'),
});
