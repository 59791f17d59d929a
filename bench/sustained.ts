// Ten seconds of the fastest sustained load this machine makes, through every consumer.
// Run: node dist/bench/sustained.js [--seconds S] [--reps N] (after npm run build; needs root, gcc).
// A C process (bench/c/getppid_for.c) pinned to one CPU calls getppid(2) as fast as it can for S
// seconds (default 10) and reports how many calls it made: the in-kernel hits of a probe filtering
// on its pid. Consumers, default settings, each run alone with the generator pinned to CPU
// rep % 2:
//   trace > file, trace | pipe (read by this process), count, hist syscalls:getppid (in-kernel
//   aggregation), and the API (a Tracer in this process: p.count() as an in-kernel hit counter
//   beside p.emit(), records counted by a subscriber).
// Floor: the generator's own rate with the probe attached and no reader (the trace process
// stopped by SIGSTOP once attached; its ring fills, then the kernel refuses records).
// Each line: `name: ours X events/s, floor Y calls/s, ratio Z; lost L; delivered + lost vs hits`.
//                      goal: lost 0, delivered + lost == hits, ratio >= 0.95
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tracer } from '../src/index.js';
import { stat } from './support/stats.js';

const SRC = fileURLToPath(new URL('../../bench/c/', import.meta.url));
const CLI = fileURLToPath(new URL('../cli/tsbpf.js', import.meta.url));
const TP = 'tracepoint:syscalls:sys_enter_getppid';
const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg('--seconds', 10);
const REPS = arg('--reps', 2);

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-sustained-'));
const gen = join(dir, 'getppid_for');
execFileSync('gcc', ['-O2', '-o', gen, join(SRC, 'getppid_for.c')]);
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Run {
  /** Calls the generator made (the probe's in-kernel hits) and their rate. */
  hits: number;
  callsPerSec: number;
  delivered: number;
  lost: number;
}

/** The generator, waiting for "go"; `done` resolves with its calls and their span. */
function generator(cpu: number) {
  const child = spawn(gen, [String(SECONDS), String(cpu)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  const done = new Promise<{ calls: number; perSec: number }>((resolve, reject) =>
    child.on('exit', (code) => {
      const m = /calls (\d+) ns (\d+)/.exec(out);
      if (code !== 0 || !m) reject(new Error(`generator exited ${code}: ${out}`));
      else resolve({ calls: Number(m[1]), perSec: Number(m[1]) / (Number(m[2]) / 1e9) });
    }),
  );
  return { pid: child.pid as number, go: () => child.stdin.end('go\n'), done };
}

/** A tsbpf command on the generator's pid; resolves with its stdout, stderr once it ends by itself. */
async function cli(
  args: string[],
  cpu: number,
  sink: 'file' | 'pipe',
  stopReader = false,
): Promise<{
  hits: number;
  perSec: number;
  stdout: string;
  stderr: string;
  lines: number;
  lostLines: number;
}> {
  const g = generator(cpu);
  const file = join(dir, 'out');
  const child = spawn(
    'sh',
    [
      '-c',
      sink === 'file' ? `exec "$0" "$@" > ${file}` : 'exec "$0" "$@"',
      process.execPath,
      CLI,
      ...args,
      '--pid',
      String(g.pid),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The pipe's reader keeps only counts and the last 64 KiB (a reader that kept 100 MB of text
  // would be slower than the trace, and the trace waits for its reader).
  let stdout = '';
  let lines = 0;
  let lostLines = 0;
  let partial = '';
  let stderr = '';
  child.stdout.setEncoding('latin1').on('data', (d: string) => {
    const cut = d.lastIndexOf('\n');
    if (cut < 0) {
      partial += d;
    } else {
      const whole = partial + d.slice(0, cut + 1); // complete lines only
      for (let i = whole.indexOf('\n'); i >= 0; i = whole.indexOf('\n', i + 1)) lines++;
      if (whole.includes('Lost ')) lostLines += whole.match(/^Lost \d+ events\n/gm)?.length ?? 0;
      partial = d.slice(cut + 1);
    }
    stdout = (stdout + d).slice(-65536);
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  for (let i = 0; !/tracing|counting|timing/.test(stderr); i++) {
    if (i > 1500 || child.exitCode !== null) throw new Error(`tsbpf ${args[0]} did not start: ${stderr}`);
    await sleep(10);
  }
  await sleep(300);
  if (stopReader) child.kill('SIGSTOP');
  g.go();
  const calls = await g.done;
  if (stopReader) child.kill('SIGCONT');
  const code = await exited;
  if (code !== 0) throw new Error(`tsbpf ${args.join(' ')} exited ${code}: ${stderr}`);
  if (sink === 'file') {
    // Counted in the bytes: ten seconds of lines can outgrow the longest string V8 makes (512 MiB).
    const out = readFileSync(file);
    lines = 0;
    for (let i = out.indexOf(10); i >= 0; i = out.indexOf(10, i + 1)) lines++;
    lostLines = 0;
    for (let i = out.indexOf('Lost '); i >= 0; i = out.indexOf('Lost ', i + 1)) {
      const end = out.indexOf(10, i);
      if (
        (i === 0 || out[i - 1] === 10) &&
        /^Lost \d+ events$/.test(out.toString('latin1', i, end < 0 ? out.length : end))
      )
        lostLines++;
    }
    stdout = out.toString('latin1', Math.max(0, out.length - 65536));
  }
  return { hits: calls.calls, perSec: calls.perSec, stdout, stderr, lines, lostLines };
}

async function trace(cpu: number, sink: 'file' | 'pipe', stopReader = false): Promise<Run> {
  const r = await cli(['trace', TP], cpu, sink, stopReader);
  const m = /^(\d+) events, (\d+) lost/m.exec(r.stderr);
  if (!m) throw new Error(`no "N events, M lost" from trace: ${r.stderr}`);
  const { lines, lostLines } = r;
  if (lines - lostLines !== Number(m[1]))
    throw new Error(`trace says ${m[1]} events, wrote ${lines - lostLines}`);
  return { hits: r.hits, callsPerSec: r.perSec, delivered: Number(m[1]), lost: Number(m[2]) };
}

async function count(cpu: number): Promise<Run> {
  const r = await cli(['count', TP, '--json'], cpu, 'pipe');
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
  const n = (last.rows as { count: number }[]).reduce((s, row) => s + row.count, 0);
  return { hits: r.hits, callsPerSec: r.perSec, delivered: n, lost: 0 };
}

async function hist(cpu: number): Promise<Run> {
  const r = await cli(['hist', 'syscalls:getppid', '--json'], cpu, 'pipe');
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
  let n = 0;
  for (const h of last.histograms as { buckets: { count: number }[] }[])
    for (const b of h.buckets) n += b.count;
  return { hits: r.hits, callsPerSec: r.perSec, delivered: n, lost: 0 };
}

async function api(cpu: number): Promise<Run> {
  const g = generator(cpu);
  const t = new Tracer({ pid: g.pid });
  try {
    let delivered = 0;
    t.probe(TP, (p) => {
      p.count('hits');
      return p.emit({ pid: p.pid() });
    }).on(() => void delivered++);
    await t.start();
    const stop = new AbortController();
    const running = t.run({ signal: stop.signal });
    g.go();
    const calls = await g.done;
    stop.abort();
    await running;
    t.stop();
    const hits = t.aggregation('hits').total();
    if (hits !== calls.calls)
      throw new Error(`API: ${hits} in-kernel hits, the generator made ${calls.calls} calls`);
    return { hits, callsPerSec: calls.perSec, delivered, lost: t.lost() };
  } finally {
    t.close();
  }
}

const consumers: [string, (cpu: number) => Promise<Run>][] = [
  ['trace > file', (cpu) => trace(cpu, 'file')],
  ['trace | pipe', (cpu) => trace(cpu, 'pipe')],
  ['count', count],
  ['hist syscalls:getppid', hist],
  ['API (Tracer, subscriber)', api],
];

const floor: number[] = [];
const results = new Map<string, Run[]>(consumers.map(([name]) => [name, []]));
for (let rep = 0; rep < REPS; rep++) {
  const cpu = rep % 2;
  floor.push((await trace(cpu, 'file', true)).callsPerSec);
  for (const [name, run] of consumers) (results.get(name) as Run[]).push(await run(cpu));
}
const k = (x: number) => `${(x / 1e3).toFixed(1)}k`;
const fl = stat(floor.map((x) => -x));
const floorBest = -fl.min;
console.log(
  `# machine: ${REPS} runs of ${SECONDS} s, generator pinned to CPU rep % 2; floor (probe attached, no reader) ${k(floorBest)} calls/s [median ${k(-fl.median)}]`,
);
for (const [name, runs] of results) {
  const rates = stat(runs.map((r) => -r.delivered / (r.hits / r.callsPerSec)));
  const exact = runs.every((r) => r.delivered + r.lost === r.hits);
  console.log(
    `${name}, ${SECONDS} s sustained getppid: ours ${k(-rates.min)} events/s [median ${k(-rates.median)}], floor ${k(floorBest)} calls/s, ratio ${(-rates.min / floorBest).toFixed(2)}; lost ${runs.map((r) => r.lost).join('/')}; delivered + lost ${runs.map((r) => r.delivered + r.lost).join('/')} vs hits ${runs.map((r) => r.hits).join('/')} (${exact ? 'equal' : 'NOT EQUAL'})`,
  );
}
console.log('# goal: lost 0, delivered + lost == hits, ratio >= 0.95');
