// tsbpf profile against bpftrace's profile one-liner, both whole processes in this same run, and
// an empty perf_event program as the floor of any sampling profiler.
// Run: node dist/bench/profile.js [SECONDS] (after npm run build; needs root, gcc, bpftool; bpftrace
// optional). SECONDS per run (default 10), two runs per tool.
//  1. per-sample cost in the kernel: kernel.bpf_stats_enabled=1 for the run, then run_time_ns /
//     run_cnt of each tool's perf_event programs (bpftool prog show), while a C process spins on
//     one CPU and both CPUs are sampled at 999 Hz:
//       ours   `tsbpf profile --pid P --hz 999` (count by {pid, comm, kernel stack, user stack})
//       peer   `bpftrace -e 'profile:hz:999 /pid == P/ { @[ustack] = count(); }'`
//     (P the spinner: both filter in the program and symbolize one process's stacks at the end)
//       floor  an empty perf_event program (r0 = 0; exit) on the same events: the cost of being
//              run at all (the kernel's run time does not depend on the loader's language)
//  2. peak RSS (VmHWM) of each tool's process over the run, symbolizing and writing at the end
//     included, and the CPU time the tool's own process used (utime + stime).
// Each line: `name: ours X, peer Y, ratio Z` (minimum over the runs, median in brackets).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attachSampling } from '../src/link/sampling.js';
import { Program } from '../src/program.js';
import { type Stat, stat } from './support/stats.js';

const CLI = fileURLToPath(new URL('../cli/tsbpf.js', import.meta.url));
const BUSY = fileURLToPath(new URL('../../test/fixtures/profile/busy.c', import.meta.url));
const BPFTRACE = '/usr/bin/bpftrace';
const SECONDS = Number(process.argv[2] ?? 10);
const RUNS = 2;
const HZ = 999;
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-profilebench-'));
const busy = join(dir, 'busy');
execFileSync('gcc', ['-O2', '-fno-omit-frame-pointer', '-o', busy, BUSY]);

interface ProgStats {
  id: number;
  type: string;
  run_time_ns?: number;
  run_cnt?: number;
}
const perfPrograms = (): ProgStats[] =>
  (JSON.parse(execFileSync('bpftool', ['prog', 'show', '-j'], { encoding: 'utf8' })) as ProgStats[]).filter(
    (p) => p.type === 'perf_event',
  );

/** VmHWM (KiB) and utime+stime (s) of a live process, or undefined once it is gone. */
function usage(pid: number): { hwmKiB: number; cpuS: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1');
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { hwmKiB: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]), cpuS: ticks / 100 };
  } catch {
    return undefined;
  }
}

interface Run {
  nsPerSample: number;
  samples: number;
  hwmMiB: number;
  cpuS: number;
}

/** Runs a tool until it exits by itself, sampling its programs' stats and its usage meanwhile. */
async function runTool(command: string, args: string[]): Promise<Run> {
  const before = new Set(perfPrograms().map((p) => p.id));
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let last = { runTime: 0, runs: 0 };
  let use = { hwmKiB: 0, cpuS: 0 };
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let done = false;
  exited.then(() => {
    done = true;
  });
  while (!done) {
    const u = usage(child.pid as number);
    if (u) use = u;
    const mine = perfPrograms().filter((p) => !before.has(p.id));
    if (mine.length > 0) {
      const runTime = mine.reduce((n, p) => n + (p.run_time_ns ?? 0), 0);
      const runs = mine.reduce((n, p) => n + (p.run_cnt ?? 0), 0);
      if (runs >= last.runs) last = { runTime, runs };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const code = await exited;
  if (code !== 0) throw new Error(`${command} exited ${code}: ${stderr}`);
  return {
    nsPerSample: last.runTime / last.runs,
    samples: last.runs,
    hwmMiB: use.hwmKiB / 1024,
    cpuS: use.cpuS,
  };
}

/** The floor: an empty perf_event program on the same events for the same time. */
async function floorRun(): Promise<Run> {
  using prog = Program.load({
    type: 'perf_event',
    name: 'empty_sample',
    // r0 = 0; exit
    instructions: Uint8Array.from([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
  });
  const link = attachSampling(prog, 'profile', `hz:${HZ}`);
  try {
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const info = prog.info();
    return {
      nsPerSample: Number(info.runTimeNs) / Number(info.runCount),
      samples: Number(info.runCount),
      hwmMiB: 0,
      cpuS: 0,
    };
  } finally {
    link.close();
  }
}

const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
const show = (s: Stat, unit: string) => `${f(s.min)} ${unit} [median ${f(s.median)}]`;
const ratio = (a: Stat, b: Stat) =>
  `${(a.min / b.min).toFixed(2)} (min) ${(a.median / b.median).toFixed(2)} (median)`;

const wasEnabled = readFileSync(STATS, 'latin1').trim();
writeFileSync(STATS, '1');
const spinner = spawn(busy, [String(RUNS * 3 * (SECONDS + 15))], { stdio: ['pipe', 'ignore', 'ignore'] });
spinner.stdin.end('go\n');
try {
  const ours: Run[] = [];
  const peer: Run[] = [];
  const floor: Run[] = [];
  const haveBpftrace = existsSync(BPFTRACE);
  for (let i = 0; i < RUNS; i++) {
    ours.push(
      await runTool(process.execPath, [
        CLI,
        'profile',
        '--hz',
        String(HZ),
        '--duration',
        String(SECONDS),
        '-o',
        '/dev/null',
      ]),
    );
    if (haveBpftrace)
      peer.push(
        await runTool(BPFTRACE, [
          '-e',
          `profile:hz:${HZ} { @[ustack] = count(); } interval:s:${SECONDS} { exit(); }`,
        ]),
      );
    floor.push(await floorRun());
  }
  const s = (runs: Run[], k: keyof Run) => stat(runs.map((r) => r[k]));
  console.log(
    `# ${SECONDS} s per run, ${RUNS} runs per tool, ${HZ} Hz on every CPU; a shared, noisy 2-CPU machine`,
  );
  console.log(
    `samples per run: ours ${show(s(ours, 'samples'), '')}, bpftrace ${haveBpftrace ? show(s(peer, 'samples'), '') : '-'}`,
  );
  console.log(
    `profile per-sample kernel cost vs empty program: ours ${show(s(ours, 'nsPerSample'), 'ns')}, floor ${show(s(floor, 'nsPerSample'), 'ns')}, ratio ${ratio(s(ours, 'nsPerSample'), s(floor, 'nsPerSample'))}`,
  );
  if (haveBpftrace) {
    console.log(
      `profile per-sample kernel cost vs bpftrace: ours ${show(s(ours, 'nsPerSample'), 'ns')}, peer ${show(s(peer, 'nsPerSample'), 'ns')}, ratio ${ratio(s(ours, 'nsPerSample'), s(peer, 'nsPerSample'))}`,
    );
    console.log(
      `profile peak RSS (${SECONDS} s run): ours ${show(s(ours, 'hwmMiB'), 'MiB')}, peer ${show(s(peer, 'hwmMiB'), 'MiB')}, ratio ${ratio(s(ours, 'hwmMiB'), s(peer, 'hwmMiB'))}`,
    );
    console.log(
      `profile tool CPU time (${SECONDS} s run): ours ${show(s(ours, 'cpuS'), 's')}, peer ${show(s(peer, 'cpuS'), 's')}, ratio ${ratio(s(ours, 'cpuS'), s(peer, 'cpuS'))}`,
    );
  }
} finally {
  spinner.kill();
  writeFileSync(STATS, wasEnabled);
}
