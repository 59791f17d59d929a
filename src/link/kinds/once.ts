// BEGIN and END: bpftrace's probes that run once, when the tracer has attached everything and
// when it ends. Nothing is attached: the tracer runs the program itself (BPF_PROG_TEST_RUN of a
// raw_tracepoint program, which takes an arguments array as its context; these have none).
import { defineKind, type Kind } from './kind.js';

export const begin: Kind<'begin'> = defineKind({
  name: 'begin',
  word: 'BEGIN',
  grammar: 'none',
  programType: 'raw_tracepoint',
  args: 'none',
  runsOnce: 'start',
});

export const end: Kind<'end'> = defineKind({
  name: 'end',
  word: 'END',
  grammar: 'none',
  programType: 'raw_tracepoint',
  args: 'none',
  runsOnce: 'end',
});
