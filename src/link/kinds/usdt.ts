// usdt: a static probe (<sys/sdt.h>, `.note.stapsdt`) of a binary or shared library, by provider
// and name (`usdt:/usr/bin/python3.11:python:function__entry`, globs allowed), attached as uprobes
// at each of its sites with the probe's semaphore raised (link/usdt.ts). Arguments come from the
// probe's argument specs, typed by their size and sign; pointers in them point into the traced
// process's memory.
import { defineKind, type Kind, type KindDescriptor } from './kind.js';

type Impl = typeof import('../usdt.js');

/** `BINARY`, `BINARY:NAME` or `BINARY:PROVIDER:NAME` (a listing pattern) split up. */
function splitPattern(text: string): { binary: string; target: string } {
  const parts = text.split(':');
  if (parts.length === 1) return { binary: text, target: '*' };
  if (parts.length === 2) return { binary: parts[0] as string, target: parts[1] as string };
  const name = parts.pop() as string;
  const provider = parts.pop() as string;
  return { binary: parts.join(':'), target: `${provider}:${name}` };
}

const d: KindDescriptor<'usdt', Impl> = {
  name: 'usdt',
  aliases: ['U'],
  grammar: 'binary-probe',
  programType: 'kprobe',
  args: 'usdt',
  userMemory: () => true,
  impl: () => import('../usdt.js'),
  siteArgs: (impl, spec) => impl.usdtGroups(spec.binary as string, spec.target).map((g) => g.args),
  attach: (impl, program, spec, ctx) =>
    impl.attachUsdt(program, spec.binary as string, spec.target, { pid: ctx.pid }),
  list: {
    // `usdt:BINARY` lists all of its probes, `usdt:BINARY:[PROVIDER:]GLOB` those matching.
    targets: (impl, pattern) => {
      const { binary, target } = splitPattern(pattern);
      const names = new Set<string>();
      for (const s of impl.matchingUsdt(binary, target)) names.add(`${s.provider}:${s.name}`);
      return [...names].sort().map((n) => `${binary}:${n}`);
    },
  },
};

export const usdt: Kind<'usdt'> = defineKind(d);
