// `tsbpf list [PATTERN...]`: the probe points this kernel (or a binary) offers, as the other
// commands take them, optionally with the arguments a probe can read.
import { command } from './command.js';

const HELP = `usage: tsbpf list [PATTERN...] [options]

Lists probe points, one per line, in the form tsbpf trace/count/hist take them.
  PATTERN   KIND:GLOB        kprobe:vfs_*, fentry:do_unlink*, tp_btf:sched_*
            tracepoint:CATEGORY:EVENT glob, e.g. tracepoint:syscalls:sys_enter_open*
            uprobe:BINARY[:GLOB]  the functions of an executable or library (uprobe:libc.so.6:malloc*)
            usdt:BINARY[:PROVIDER][:GLOB]  its static (USDT) probes; -v: their argument specs
            a bare glob (or a plain substring) searches tracepoints, kprobes, fentry and tp_btf
  -v, --verbose   the arguments each probe can read (p.arg(name)), and the return value's type
      --json      one JSON object per line: {"probe", "kind", "args"?, "ret"?}
  -h, --help      show this help
Kinds this kernel cannot attach are left out of a bare search, with a note on stderr.
Exits 1 when nothing matches.
examples:
  tsbpf list unlink
  tsbpf list -v tracepoint:syscalls:sys_enter_unlinkat
  tsbpf list 'uprobe:/bin/bash:readline*'
  tsbpf list -v 'usdt:libstdc++.so.6:*'
`;

export const run = command({
  help: HELP,
  options: {
    verbose: { type: 'boolean', short: 'v' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    const { listProbePoints } = await import('../probes/list.js');
    const { points, notes } = await listProbePoints(positionals, { verbose: values.verbose ?? false });
    for (const note of notes) process.stderr.write(`tsbpf list: ${note}\n`);
    if (points.length === 0) {
      const what = positionals.length > 0 ? positionals.map((p) => `'${p}'`).join(' ') : 'anything';
      process.stderr.write(`tsbpf list: no probe points match ${what}\n`);
      return 1;
    }
    const lines: string[] = [];
    for (const p of points) {
      if (values.json) {
        lines.push(JSON.stringify(p));
        continue;
      }
      lines.push(p.probe);
      for (const a of p.args ?? []) lines.push(`    ${a}`);
      if (p.ret !== undefined) lines.push(`    ${p.ret}`); // named `ret`: what p.ret() reads
      if (p.error !== undefined) lines.push(`    (arguments unknown: ${p.error})`);
    }
    lines.push('');
    process.stdout.write(lines.join('\n'));
    return 0;
  },
});
