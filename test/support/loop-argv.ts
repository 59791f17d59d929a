// The argv of an exec read with p.loop() (an unrolled bounded loop that stops at argv's NULL),
// beside argv.strings() reading the same array: shared by the host test and the VM (6.1) test.
import { spawnSync } from 'node:child_process';
import { Tracer } from 'tsbpf';

export interface LoopArgv {
  /** Per exec of the marker: the loop's (index, string) records, in order. */
  looped: { i: number; s: string }[];
  /** argv.strings() of the same exec. */
  listed: string[];
}

export async function loopArgv(marker: string, args: string[]): Promise<LoopArgv> {
  using t = new Tracer();
  const looped: { i: number; s: string; pid: number }[] = [];
  const listed: { all: string[]; pid: number }[] = [];
  t.probe('tracepoint:syscalls:sys_enter_execve', (p) => {
    const argv = p.arg('argv');
    p.loop(12, (i, loop) => {
      const a = argv.at(i);
      loop.breakIf(a.eq(0));
      p.emit({ pid: p.pid(), i: p.constant(i), s: a.string(48) });
    });
    return p.emit({ pid: p.pid(), all: argv.strings({ max: 12, size: 48 }) });
  }).on((e) => {
    if ('all' in e) listed.push(e as never);
    else looped.push(e as never);
  });
  await t.start();
  const child = spawnSync('/bin/echo', [marker, ...args]).pid as number;
  t.drain();
  return {
    looped: looped.filter((e) => e.pid === child).map(({ i, s }) => ({ i, s })),
    listed: listed.find((e) => e.pid === child)?.all ?? [],
  };
}
