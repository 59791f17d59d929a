// netfilter (6.4+): a program giving the verdict on packets at a netfilter hook, attached by a
// netfilter link (link/netfilter.ts) with family, hook and priority. Attached through the API
// (attachNetfilter): a section names no hook.
import { defineKind, type Kind } from './kind.js';

export const netfilter: Kind<'netfilter'> = defineKind({
  name: 'netfilter',
  programType: 'netfilter',
  expectedAttachType: 'netfilter',
  impl: () => import('../netfilter.js'),
});
