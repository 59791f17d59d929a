// The `tsbpf` command. Each subcommand lives in its own module and is imported only when used,
// so that `tsbpf asm` never pays for koffi or BTF and start-up stays close to bare Node.
import { enableTiming, phaseBetween, phaseEnd, sinceBootstrap, timedAsync } from '../timing.js';
import { codeCacheReport } from './code-cache.js';
import { type CommandRun, failureStatus } from './command.js';
import { stdoutClosed, watchStdout } from './stdout.js';

type CommandModule = { run: CommandRun };

const commands: Record<string, { summary: string; load: () => Promise<CommandModule> }> = {
  trace: {
    summary: 'one line per event of kprobes, tracepoints, uprobes, fentry (like bpftrace)',
    load: () => import('./trace.js'),
  },
  count: {
    summary: 'count events per probe, comm or pid; a live top-N table',
    load: () => import('./count.js'),
  },
  hist: {
    summary: 'latency histogram of a kernel function (entry/return pairs)',
    load: () => import('./hist.js'),
  },
  profile: {
    summary: 'CPU profile: stacks sampled on every CPU, as folded stacks, speedscope or a flame graph SVG',
    load: () => import('./profile.js'),
  },
  offcpu: {
    summary: 'off-CPU time per stack (sched_switch), as folded stacks, speedscope or a flame graph SVG',
    load: () => import('./offcpu.js'),
  },
  serve: {
    summary: 'a Prometheus exporter: probes from a config file, counts and histograms at /metrics',
    load: () => import('./serve.js'),
  },
  list: {
    summary: "probe points: kernel functions, tracepoints, tp_btf, a binary's functions (-v: arguments)",
    load: () => import('./list.js'),
  },
  demo: {
    summary: 'trace do_unlinkat with kprobe+kretprobe while unlinking a few files (npm start)',
    load: () => import('./demo.js'),
  },
  load: {
    summary: 'load a BPF object (clang -target bpf), attach by section, stream its output',
    load: () => import('./load.js'),
  },
  show: {
    summary: 'the BPF programs, maps or links loaded in the kernel (like bpftool … show)',
    load: () => import('./show.js'),
  },
  map: {
    summary: "dump a loaded map's entries, BTF-formatted (map dump ID|NAME)",
    load: () => import('./map-dump.js'),
  },
  features: { summary: 'what this kernel supports (probed)', load: () => import('./features.js') },
  btf: { summary: 'dump or show BTF types (C header, raw, json)', load: () => import('./btf.js') },
  asm: { summary: 'assemble eBPF text into bytecode', load: () => import('./asm.js') },
  disasm: { summary: 'disassemble eBPF bytecode into text', load: () => import('./disasm.js') },
  run: {
    summary: 'run a program in the interpreter (--trace shows every step)',
    load: () => import('./run.js'),
  },
  conformance: {
    summary: 'run the BPF conformance suite (interpreter or --kernel)',
    load: () => import('./conformance.js'),
  },
  playground: {
    summary: 'serve the eBPF playground page on 127.0.0.1 (root: load and test-run in the kernel)',
    load: () => import('./playground.js'),
  },
  'isa-demo': {
    summary: 'assemble a small program, show it, load it and test-run it in the kernel',
    load: () => import('./isa-demo.js'),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `usage: tsbpf <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'tsbpf <command> --help' for a command's options.\n--timing (first) or TSBPF_TIMING=1: the time of each start-up phase on stderr.\n`;
}

async function main(args: string[]): Promise<number> {
  // --timing (or TSBPF_TIMING=1): each start-up phase's time on stderr (docs/troubleshooting.md).
  const argv = args[0] === '--timing' ? args.slice(1) : args;
  if (argv !== args) enableTiming();
  // Set by the executable (launch.ts): reading and compiling the bundle, with or without V8's cache.
  const cache = codeCacheReport();
  if (cache) {
    phaseBetween(`CLI bundle compile (code cache ${cache.state})`, cache.start, cache.end);
    phaseEnd('CLI entry modules', cache.end);
  } else sinceBootstrap('CLI entry modules');
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  // Own properties only: `tsbpf constructor` is not a command.
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    process.stderr.write(
      `tsbpf: unknown command '${name}' (commands: ${Object.keys(commands).join(', ')}; tsbpf --help)\n`,
    );
    return 2;
  }
  try {
    const mod = await timedAsync(`${name} command modules`, command.load);
    return await mod.run(rest);
  } catch (err) {
    return failureStatus(name, err);
  }
}

watchStdout();
main(process.argv.slice(2)).then(
  (code) => {
    // Output cut short by its reader is not a failure (`tsbpf btf dump | head`).
    process.exitCode = stdoutClosed.aborted ? 0 : code;
  },
  (err) => {
    if (stdoutClosed.aborted) return;
    process.stderr.write(`tsbpf: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
