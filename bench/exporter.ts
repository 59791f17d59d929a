// The exporter (tsbpf serve), each figure against a peer measured in this same run.
// Run: node dist/bench/exporter.js (after npm run build; needs root, gcc, python3). ~1 minute.
//  1. scrape of 10k series: a count metric labelled by getpgid(2)'s argument, filled by one
//     process calling getpgid(1..10000); ours = reading the kernel map and rendering the
//     Prometheus text (what GET /metrics does), peer = prom-client rendering a Counter holding
//     the same 10k numbers (registry.metrics()). Also the whole HTTP GET /metrics.
//  2. idle RSS of `tsbpf serve` with three metrics, against a Node process serving a prom-client
//     registry of three metrics over node:http (VmRSS, 2 s after start).
//  3. per-event cost of an exported counter: CPU ns per getppid call (bench/c/getppid_cpu.c) with
//     `tsbpf serve` counting it, minus with no probe, against the same with `tsbpf count`. Both
//     load the same program: a keyless per-CPU counter (the kernel's tags are compared).
// Each line: `name: ours X, peer Y, ratio Z`, minimum over repetitions (median in brackets). The
// machine is shared: read ratios, not absolute times.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Counter, Registry } from 'prom-client';
import { parseServeConfig } from '../src/metrics/config.js';
import { Exporter } from '../src/metrics/exporter.js';
import { MetricsServer } from '../src/metrics/server.js';
import { renderText } from '../src/metrics/text.js';
import { now, type Stat, stat } from './support/stats.js';

const CLI = fileURLToPath(new URL('../cli/tsbpf.js', import.meta.url));
const SRC = fileURLToPath(new URL('../../bench/c/', import.meta.url));
const SERIES = 10_000;
const SCRAPE_REPS = 15;
const LOOP_N = 1_000_000;
const LOOP_REPS = 7;
const dir = mkdtempSync(join(tmpdir(), `tsbpf-exporterbench-${process.pid}-`));
const PYTHON = '/usr/bin/python3';

const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
const show = (s: Stat, unit: string) => `${f(s.min)} ${unit} [median ${f(s.median)}]`;
const ratio = (a: Stat, b: Stat) =>
  `${(a.min / b.min).toFixed(2)} (min) ${(a.median / b.median).toFixed(2)} (median)`;
const line = (name: string, ours: Stat, peer: Stat, unit: string) =>
  console.log(`${name}: ours ${show(ours, unit)}, peer ${show(peer, unit)}, ratio ${ratio(ours, peer)}`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function scrapeBench(): Promise<void> {
  const comm = `bench${process.pid}`.slice(0, 15);
  const config = parseServeConfig(
    'bench.yaml',
    `metrics:\n  - name: bench_getpgid_calls\n    probe: tracepoint:syscalls:sys_enter_getpgid\n    aggregate: count\n    labels: ['arg:pid']\n    filter: { comm: ${comm} }\n    max_series: ${SERIES * 2}\n`,
  );
  using exporter = new Exporter((l) => console.log(`# ${l}`));
  const r = await exporter.apply(config);
  if (r.started.length !== 1) throw new Error('the bench metric did not start');
  execFileSync(PYTHON, [
    '-c',
    `import ctypes,os\nctypes.CDLL(None).prctl(15, b"${comm}", 0, 0, 0)\nfor i in range(1, ${SERIES + 1}):\n  try: os.getpgid(i)\n  except OSError: pass`,
  ]);
  const family = exporter.families().find((x) => x.name === 'bench_getpgid_calls_total');
  const n = family?.samples.length ?? 0;
  if (n !== SERIES) throw new Error(`expected ${SERIES} series, got ${n}`);

  const registry = new Registry();
  const counter = new Counter({
    name: 'bench_getpgid_calls_total',
    help: 'h',
    labelNames: ['pid'],
    registers: [registry],
  });
  for (const s of family?.samples ?? []) counter.inc({ pid: s.labels.pid as string }, s.value);

  // Warm both up first (the JIT): the figures are for a running exporter.
  for (let i = 0; i < 3; i++) {
    renderText(exporter.families());
    await registry.metrics();
  }
  const ours: number[] = [];
  const peer: number[] = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPE_REPS; i++) {
    let t = now();
    bytes = renderText(exporter.families()).length;
    ours.push((now() - t) / 1e6);
    t = now();
    await registry.metrics();
    peer.push((now() - t) / 1e6);
  }
  console.log(`# ${SERIES} series, ${(bytes / 1e6).toFixed(2)} MB of text`);
  line(
    `scrape ${SERIES} series (read kernel map + render) vs prom-client render`,
    stat(ours),
    stat(peer),
    'ms',
  );

  const server = await MetricsServer.start({
    listen: { host: '127.0.0.1', port: 0 },
    collect: () => exporter.families(),
  });
  const peerServer = await import('node:http').then(({ createServer }) =>
    createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(await registry.metrics());
    }),
  );
  await new Promise<void>((resolve) => peerServer.listen(0, '127.0.0.1', () => resolve()));
  const peerPort = (peerServer.address() as { port: number }).port;
  const httpOurs: number[] = [];
  const httpPeer: number[] = [];
  // Uncompressed both (ours gzips when asked; the peer server does not).
  const headers = { 'accept-encoding': 'identity' };
  for (let i = 0; i < SCRAPE_REPS; i++) {
    let t = now();
    await (await fetch(`${server.url}/metrics`, { headers })).text();
    httpOurs.push((now() - t) / 1e6);
    t = now();
    await (await fetch(`http://127.0.0.1:${peerPort}/metrics`, { headers })).text();
    httpPeer.push((now() - t) / 1e6);
  }
  line(`GET /metrics ${SERIES} series vs a prom-client server`, stat(httpOurs), stat(httpPeer), 'ms');
  await server.close();
  await new Promise<void>((resolve) => peerServer.close(() => resolve()));
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1]);
}

/** Starts a process, waits for `ready` on stderr/stdout, returns it. */
async function startReady(cmd: string, args: string[], ready: RegExp) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    out += d;
  });
  const end = performance.now() + 60_000;
  while (!ready.test(out)) {
    if (proc.exitCode !== null || performance.now() > end)
      throw new Error(`${cmd} ${args.join(' ')}: ${out}`);
    await sleep(20);
  }
  const exited = new Promise<void>((resolve) => proc.on('exit', () => resolve()));
  return {
    pid: proc.pid as number,
    stop: async () => {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}

const THREE = `metrics:
  - name: getppid_calls
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: count
    labels: [comm]
  - name: openat_calls
    probe: tracepoint:syscalls:sys_enter_openat
    aggregate: count
    labels: [comm]
  - name: getppid_latency
    probe: tracepoint:syscalls:sys_enter_getppid
    aggregate: latency
`;

const PEER_SERVER = `
const { createServer } = require('node:http');
const { Counter, Histogram, Registry } = require(${JSON.stringify(require_resolve('prom-client'))});
const registry = new Registry();
for (const name of ['getppid_calls_total', 'openat_calls_total'])
  new Counter({ name, help: 'h', labelNames: ['comm'], registers: [registry] });
new Histogram({ name: 'getppid_latency_seconds', help: 'h', registers: [registry] });
createServer(async (_q, res) => res.end(await registry.metrics())).listen(0, '127.0.0.1', () => console.error('ready'));
`;

function require_resolve(name: string): string {
  return fileURLToPath(import.meta.resolve(name));
}

async function rssBench(): Promise<void> {
  const config = join(dir, 'three.yaml');
  writeFileSync(config, THREE);
  const peerFile = join(dir, 'peer.cjs');
  writeFileSync(peerFile, PEER_SERVER);
  const ours: number[] = [];
  const peer: number[] = [];
  for (let i = 0; i < 3; i++) {
    const s = await startReady(
      process.execPath,
      [CLI, 'serve', config, '--listen', '127.0.0.1:0'],
      /serving 3 of 3/,
    );
    await sleep(2000);
    ours.push(rssKb(s.pid) / 1024);
    await s.stop();
    const p = await startReady(process.execPath, [peerFile], /ready/);
    await sleep(2000);
    peer.push(rssKb(p.pid) / 1024);
    await p.stop();
  }
  line(
    'idle RSS, tsbpf serve (3 metrics) vs node + prom-client server (3 metrics)',
    stat(ours),
    stat(peer),
    'MiB',
  );
}

function cpuPerCall(bin: string): number {
  return Number(execFileSync(bin, [String(LOOP_N)], { encoding: 'utf8' }).trim());
}

/** Loaded programs with the name tsbpf gives a sys_enter_getppid probe (bpftool), by id. */
function getppidPrograms(): Map<number, string> {
  const r = spawnSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' });
  const list =
    r.status === 0
      ? (JSON.parse(r.stdout) as { id: number; type: string; name?: string; tag: string }[])
      : [];
  return new Map(
    list.filter((p) => p.type === 'tracepoint' && p.name === 'tracepoint_sysc').map((p) => [p.id, p.tag]),
  );
}

async function perEventBench(): Promise<void> {
  const bin = join(dir, 'getppid_cpu');
  execFileSync('gcc', ['-O2', '-o', bin, join(SRC, 'getppid_cpu.c')]);
  const config = join(dir, 'one.yaml');
  writeFileSync(
    config,
    'metrics:\n  - name: getppid_calls\n    probe: tracepoint:syscalls:sys_enter_getppid\n    aggregate: count\n',
  );
  const runs = {
    serve: [process.execPath, [CLI, 'serve', config, '--listen', '127.0.0.1:0'], /serving 1 of 1/],
    count: [process.execPath, [CLI, 'count', 'tracepoint:syscalls:sys_enter_getppid'], /counting /],
  } as const;
  const cost: Record<string, number[]> = { serve: [], count: [] };
  const tags: Record<string, Set<string>> = { serve: new Set(), count: new Set() };
  for (let i = 0; i < LOOP_REPS; i++) {
    for (const name of ['serve', 'count'] as const) {
      const [cmd, args, ready] = runs[name];
      const before = getppidPrograms();
      const bare = cpuPerCall(bin);
      const s = await startReady(cmd, [...args], ready);
      for (const [id, tag] of getppidPrograms()) if (!before.has(id)) tags[name]?.add(tag);
      const probed = cpuPerCall(bin);
      await s.stop();
      // Bare runs on both sides of the probed one: the machine's load drifts.
      cost[name]?.push(probed - (bare + cpuPerCall(bin)) / 2);
    }
  }
  const same = [...(tags.serve ?? [])].some((t) => tags.count?.has(t));
  console.log(
    `# program tags: serve ${[...(tags.serve ?? [])].join(',')}; count ${[...(tags.count ?? [])].join(',')}: ${same ? 'the same program' : 'DIFFERENT'}`,
  );
  line(
    'per-event cost, exported counter (tsbpf serve) vs tsbpf count',
    stat(cost.serve as number[]),
    stat(cost.count as number[]),
    'ns/event',
  );
}

try {
  await scrapeBench();
  await rssBench();
  await perEventBench();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
