// `tsbpf demo`, what `npm start` runs: the eBPF world's first tracing program — do_unlinkat with a
// kprobe and a kretprobe, printing who removed which file and what the call returned — written in
// TypeScript. It removes a few files of its own so there is something to see, then exits. Where
// the kernel has no kprobes it says so and uses fentry/fexit or the unlinkat tracepoints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from './command.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf demo [--files N]

Traces the kernel's do_unlinkat with a kprobe (the file name, read through struct filename with
CO-RE offsets from this kernel's BTF) and a kretprobe (the return value), while removing N files
(default 3) it creates itself, plus one that does not exist. Prints each event and exits.
Needs root (or CAP_BPF + CAP_PERFMON).
`;

/**
 * The command that runs this demo again as root: `sudo npm start` only in tsbpf's own checkout
 * (npm says which package's script runs); `sudo npx tsbpf demo` where tsbpf is a dependency.
 */
export function asRoot(argv: string[], env = process.env, script = process.argv[1] ?? ''): string {
  if (env.npm_lifecycle_event === 'start' && env.npm_package_name === 'tsbpf') return 'sudo npm start';
  const args = ['demo', ...argv].join(' ');
  if (script.includes('/node_modules/')) return `sudo npx tsbpf ${args}`;
  return `sudo ${process.execPath} ${script} ${args}`;
}

interface Entry {
  pid: number;
  comm: string;
  file: string;
}
interface Exit {
  pid: number;
  ret: number;
}

export const run = command({
  help: HELP,
  options: { files: { type: 'string', short: 'n' } },
  positionals: false,
  run: demo,
});

async function demo(values: { files?: string }, _words: string[], argv: string[]): Promise<number> {
  const files = Number(values.files ?? 3);
  if (!Number.isInteger(files) || files < 1 || files > 1000)
    throw new UsageError(`--files: '${values.files}' is not 1..1000`);
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      `tsbpf demo: loading and attaching probes needs root, or CAP_BPF + CAP_PERFMON: try \`${asRoot(argv)}\`\n`,
    );
    return 1;
  }

  const { Tracer } = await import('../probes/tracer.js');
  const { explainProbeFailure } = await import('./probe-common.js');
  using tracer = new Tracer({
    pid: process.pid, // only our own removals, not the rest of the machine's
    onFallback: (m) => process.stdout.write(`note: ${m}\n`),
  });
  const entries: Entry[] = [];
  const exits: Exit[] = [];
  const entry = tracer.probe('kprobe:do_unlinkat', (p) => {
    // do_unlinkat(int dfd, struct filename *name): the path is name->name (on the syscall
    // tracepoints of a fallback, read from the record's path).
    const file = p.arg('name').field('name').string(128);
    return p.emit({ pid: p.pid(), comm: p.comm(), file });
  });
  const exit = tracer.probe('kretprobe:do_unlinkat', (p) => p.emit({ pid: p.pid(), ret: p.ret().s32() }));
  entry.on((e) => entries.push(e as Entry));
  exit.on((e) => exits.push(e as Exit));
  try {
    await tracer.start();
  } catch (err) {
    return explainProbeFailure(err, 'demo');
  }
  const how = tracer.probes.map((p) => p.usedText).join(' and ');
  process.stdout.write(`tracing do_unlinkat with ${how} (pid ${process.pid})\n\n`);

  const { unlinkat, AT_FDCWD } = await import('../sys/libc.js');
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-demo-'));
  const paths = Array.from({ length: files }, (_, i) => join(dir, `file-${i + 1}`));
  const missing = join(dir, 'no-such-file');
  try {
    for (const path of paths) writeFileSync(path, 'x');
    // unlinkat(2) directly: the syscall both do_unlinkat and the unlinkat tracepoints see.
    for (const path of [...paths, missing]) unlinkat(AT_FDCWD, path, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  tracer.drain();

  process.stdout.write(`${'PID'.padStart(7)}  ${'COMM'.padEnd(16)} ${'RET'.padStart(12)}  FILE\n`);
  entries.forEach((e, i) => {
    const ret = exits[i]?.ret;
    const text = ret === undefined ? '?' : ret < 0 ? `${ret} (${errnoText(-ret)})` : String(ret);
    process.stdout.write(
      `${String(e.pid).padStart(7)}  ${e.comm.padEnd(16)} ${text.padStart(12)}  ${e.file}\n`,
    );
  });
  const expected = [...paths, missing];
  const ok =
    entries.length === expected.length &&
    entries.every((e, i) => e.file === expected[i]) &&
    exits.length === expected.length;
  process.stdout.write(`\n${entries.length} calls seen, ${tracer.lost()} lost\n`);
  if (!ok) {
    process.stderr.write(
      `tsbpf demo: expected ${expected.length} entry and return events for the files removed, got ${entries.length} and ${exits.length}\n`,
    );
    return 1;
  }
  return 0;
}

function errnoText(errno: number): string {
  return errno === 2 ? 'ENOENT' : errno === 13 ? 'EACCES' : errno === 1 ? 'EPERM' : `errno ${errno}`;
}
