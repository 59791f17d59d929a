// profile and interval: timed probes on a cpu-clock perf event (link/sampling.ts), as bpftrace's.
// `profile:hz:99` fires on every CPU (what runs there is sampled: p.stack() is its stack);
// `interval:s:1` fires on one CPU, once per period, for periodic work. The rate follows the kind:
// hz:N, s:N, ms:N or us:N.
import { defineKind, type Kind } from './kind.js';

type Impl = typeof import('../sampling.js');

const impl = () => import('../sampling.js');

export const profile: Kind<'profile'> = defineKind<'profile', Impl>({
  name: 'profile',
  aliases: ['p'],
  grammar: 'rate',
  programType: 'perf_event',
  args: 'none',
  impl,
  attach: (impl, program, spec) => impl.attachSampling(program, 'profile', spec.target),
});

export const interval: Kind<'interval'> = defineKind<'interval', Impl>({
  name: 'interval',
  aliases: ['i'],
  grammar: 'rate',
  programType: 'perf_event',
  args: 'none',
  // It runs in a timer, on behalf of no process: a --pid or --comm filter would never match.
  taskless: true,
  impl,
  attach: (impl, program, spec) => impl.attachSampling(program, 'interval', spec.target, [0]),
});
