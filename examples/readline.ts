// readline: every command line typed into any bash on this machine, caught as bash's readline()
// returns it (a uretprobe: the return value is a pointer to the line, in the user's memory).
// Uprobes need no kernel BTF and work on every kernel tsbpf runs on.
//
//   sudo node dist/examples/readline.js [--duration SEC] [--binary /bin/bash]
//   (then type commands in an interactive bash)
import { parseArgs } from 'node:util';
import { Tracer } from 'tsbpf';

const { values } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, binary: { type: 'string', short: 'b' } },
});
const bash = values.binary ?? '/bin/bash';

using tracer = new Tracer();
tracer
  .probe(`uretprobe:${bash}:readline`, (p) =>
    p.emit({ time: p.ktime(), pid: p.pid(), line: p.ret().string(256, { user: true }) }),
  )
  .on((e) => console.log(`${String(e.pid).padStart(7)}  ${e.line}`));

await tracer.start();
console.error(`tracing readline() in ${bash}; Ctrl-C to stop`);
console.log(`${'PID'.padStart(7)}  COMMAND`);
const stop = new AbortController();
process.once('SIGINT', () => stop.abort());
await tracer.run({
  signal: stop.signal,
  durationMs: values.duration === undefined ? undefined : Number(values.duration) * 1000,
});
