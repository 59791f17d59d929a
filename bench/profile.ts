// tsbpf profile against bpftrace's profile one-liner on ONE busy process, same run, alternating.
// Run: node dist/bench/profile.js [SECONDS] (after npm run build; needs root and gcc; bpftrace
// optional). SECONDS of sampling per run (default 5); 3 rounds at 99 Hz and 3 at 999 Hz, each
// round one tsbpf run then one bpftrace run, over the same spinning C process P:
//   ours   `tsbpf profile --pid P --hz H --duration S --format folded -o FILE`
//   peer   `bpftrace -e 'profile:hz:H /pid == P/ { @[ustack] = count(); }'`, SIGINT after S s
// Both sample every CPU and filter on the pid in the program, so their program runs compare.
// Figures, each `name: ours X, peer Y, ratio Z` (minimum over the rounds, median in brackets):
//  - kernel ns per program run: kernel.bpf_stats_enabled=1 for the bench (restored after), then
//    run_time_ns / run_cnt of the tool's perf_event program, read through an fd the bench holds
//    so the final figures survive the tool's exit;
//  - tool CPU time: the tool process's utime + stime (this process's cutime + cstime grow by
//    exactly that when it is reaped: the bench starts no other child meanwhile);
//  - peak RSS: the tool's VmHWM, polled every 100 ms (growth in its last 100 ms can be missed);
//  - samples captured: the counts in the tool's output: ≈ H × S when the spinner has a CPU to
//    itself; on a loaded machine ≈ H × the spinner's CPU time over the S s (utime + stime), so
//    samples / (H × that) is shown too (≈ 1 when nothing is lost).
// Every wait is bounded: a tool that has not attached within START_MS, or has not exited by its
// stop time (bpftrace: S s after attaching; tsbpf: GRACE_MS past its own --duration) gets SIGINT,
// once more after RESIGNAL_MS, SIGKILL after KILL_MS; past BUDGET_MS no further run starts (one
// run takes at most START_MS + S + GRACE_MS + KILL_MS: under 3 minutes in all).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Program } from '../src/program.js';
import { type Stat, stat } from './support/stats.js';

const CLI = fileURLToPath(new URL('../cli/tsbpf.js', import.meta.url));
const BUSY = fileURLToPath(new URL('../../test/fixtures/profile/busy.c', import.meta.url));
const BPFTRACE = ['/usr/bin/bpftrace', '/usr/sbin/bpftrace'].find((p) => existsSync(p));
const SECONDS = Number(process.argv[2] ?? 5);
const ROUNDS = 3;
const HZS = [99, 999];
const STATS = '/proc/sys/kernel/bpf_stats_enabled';
const PERF_EVENT = 7; // BPF_PROG_TYPE_PERF_EVENT
const START_MS = 30_000;
const GRACE_MS = 10_000;
const RESIGNAL_MS = 5_000;
const KILL_MS = 10_000; // after the first SIGINT
const BUDGET_MS = 120_000;
const TICK_S = 0.01; // USER_HZ: /proc stat times are in 1/100 s

interface Run {
  nsPerRun: number;
  programRuns: number;
  samples: number;
  coverage: number;
  cpuS: number;
  hwmMiB: number;
  killed: boolean;
}

/** Children's CPU time (cutime + cstime, s) of this process: what reaped children used. */
function childrenCpu(): number {
  const s = readFileSync('/proc/self/stat', 'latin1');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_S;
}

/** utime + stime (s) of a live process, or undefined once it is gone. */
function cpuOf(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_S;
  } catch {
    return undefined;
  }
}

/** VmHWM (KiB) of a live process, or undefined once it is gone. */
function hwmKiB(pid: number): number | undefined {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1]);
  } catch {
    return undefined;
  }
}

/** perf_event programs loaded since `before`, opened (the caller closes them). */
function newPerfPrograms(before: Set<number>, open: Map<number, Program>): void {
  for (const id of Program.ids()) {
    if (before.has(id) || open.has(id)) continue;
    before.add(id);
    try {
      const p = Program.fromId(id);
      if (p.type === PERF_EVENT) open.set(id, p);
      else p.close();
    } catch {
      // gone between listing and opening: not ours to count
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs one tool: spawns it, waits for its perf_event program, sends SIGINT `stopAfterMs` after
 * that (bpftrace) or GRACE_MS after its own --duration (tsbpf, which stops by itself), repeats the
 * signal once RESIGNAL_MS later (bpftrace now and then misses the first; a second one sooner can cut
 * its printing short), SIGKILL KILL_MS after the first. Returns its figures, `parse` reading its output.
 */
async function runTool(
  command: string,
  args: string[],
  stopAfterMs: number,
  parse: (stdout: string) => number,
  target: number,
  hz: number,
): Promise<Run> {
  const before = new Set(Program.ids());
  const progs = new Map<number, Program>();
  const cpu0 = childrenCpu();
  // Its own process group: a signal it sends its group never reaches the bench.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  let exit: { code: number | null; signal: string | null } | undefined;
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      exit = { code, signal };
      resolve();
    }),
  );
  const spawned = Date.now();
  let attached: number | undefined;
  let interrupted: number | undefined;
  let resignalled = false;
  let spin0: number | undefined;
  let spinCpuS = Number.NaN;
  let killed = false;
  let hwm = 0;
  try {
    while (!exit) {
      const h = hwmKiB(child.pid as number);
      if (h !== undefined && h > hwm) hwm = h;
      if (attached === undefined) {
        newPerfPrograms(before, progs);
        if (progs.size > 0) {
          attached = Date.now();
          spin0 = cpuOf(target);
        }
      }
      const now = Date.now();
      if (attached !== undefined && Number.isNaN(spinCpuS) && now >= attached + SECONDS * 1000)
        spinCpuS = (cpuOf(target) ?? Number.NaN) - (spin0 ?? Number.NaN);
      const stopAt = attached === undefined ? spawned + START_MS : attached + stopAfterMs;
      if (now >= stopAt && !killed) {
        if (interrupted === undefined) {
          interrupted = now;
          child.kill('SIGINT');
        } else if (!resignalled && now - interrupted >= RESIGNAL_MS) {
          resignalled = true;
          child.kill('SIGINT');
        }
        if (now - interrupted >= KILL_MS) {
          child.kill('SIGKILL');
          killed = true;
        }
      }
      await Promise.race([closed, sleep(100)]);
    }
    await closed;
    const cpuS = childrenCpu() - cpu0;
    let runTime = 0n;
    let runs = 0n;
    for (const p of progs.values()) {
      const info = p.info();
      runTime += info.runTimeNs;
      runs += info.runCount;
    }
    const bad = killed || attached === undefined || exit?.code !== 0;
    if (bad)
      process.stderr.write(
        `# ${command.endsWith('bpftrace') ? 'bpftrace' : 'tsbpf'}: ${attached === undefined ? 'never attached; ' : ''}${killed ? 'killed; ' : ''}exit ${exit?.code ?? exit?.signal}: ${stderr.trim().split('\n').slice(-2).join(' | ')}\n`,
      );
    return {
      nsPerRun: Number(runTime) / Number(runs),
      programRuns: Number(runs),
      samples: bad ? Number.NaN : parse(stdout),
      coverage: bad ? Number.NaN : parse(stdout) / (hz * spinCpuS),
      cpuS,
      hwmMiB: hwm / 1024,
      killed: bad,
    };
  } finally {
    if (!exit) child.kill('SIGKILL');
    for (const p of progs.values()) p.close();
  }
}

/** Sum of the counts of `folded` (one `frames count` line per stack). */
const foldedTotal = (folded: string): number =>
  folded
    .split('\n')
    .filter(Boolean)
    .reduce((n, line) => n + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);

/** Sum of the counts bpftrace prints for its map (`]: N` after each stack). */
const bpftraceTotal = (out: string): number =>
  [...out.matchAll(/\]: (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-profilebench-'));
const busy = join(dir, 'busy');
execFileSync('gcc', ['-O2', '-fno-omit-frame-pointer', '-fno-optimize-sibling-calls', '-o', busy, BUSY]);

const f = (x: number) => (Number.isNaN(x) ? '-' : Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2));
const show = (s: Stat, unit: string) => `${f(s.min)}${unit} [median ${f(s.median)}${unit}]`;
const ratio = (a: Stat, b: Stat) => `${f(a.min / b.min)} [median ${f(a.median / b.median)}]`;
const good = (xs: number[]) => xs.filter((x) => Number.isFinite(x));
const statOf = (runs: Run[], k: keyof Run): Stat => {
  const xs = good(runs.map((r) => Number(r[k])));
  return xs.length > 0 ? stat(xs) : { min: Number.NaN, median: Number.NaN };
};

const started = Date.now();
const wasEnabled = readFileSync(STATS, 'latin1').trim();
const load0 = loadavg();
// Spins from "go" until well past the budget; killed in finally.
const spinner = spawn(busy, [String(Math.ceil(BUDGET_MS / 1000) + 120)], {
  stdio: ['pipe', 'ignore', 'ignore'],
});
spinner.stdin.end('go\n');
const P = spinner.pid as number;
try {
  writeFileSync(STATS, '1');
  await sleep(200); // past the spinner's start-up
  const results = new Map<number, { ours: Run[]; peer: Run[] }>(
    HZS.map((hz) => [hz, { ours: [], peer: [] }]),
  );
  let skipped = 0;
  for (let round = 0; round < ROUNDS; round++)
    for (const hz of HZS) {
      const r = results.get(hz) as { ours: Run[]; peer: Run[] };
      if (Date.now() - started > BUDGET_MS) {
        skipped++;
        continue;
      }
      const out = join(dir, `ours-${hz}-${round}.folded`);
      r.ours.push(
        await runTool(
          process.execPath,
          [CLI, 'profile', '--pid', String(P), '--hz', String(hz), '--duration', String(SECONDS)].concat([
            '--format',
            'folded',
            '-o',
            out,
          ]),
          SECONDS * 1000 + GRACE_MS,
          () => (existsSync(out) ? foldedTotal(readFileSync(out, 'utf8')) : Number.NaN),
          P,
          hz,
        ),
      );
      if (BPFTRACE)
        r.peer.push(
          await runTool(
            BPFTRACE,
            ['-e', `profile:hz:${hz} /pid == ${P}/ { @[ustack] = count(); }`],
            SECONDS * 1000,
            bpftraceTotal,
            P,
            hz,
          ),
        );
    }
  const load1 = loadavg();
  console.log(
    `# ${SECONDS} s per run, ${ROUNDS} rounds per rate, one spinning process sampled; ${((Date.now() - started) / 1000).toFixed(0)} s in all${skipped ? `, ${skipped} rounds skipped (over budget)` : ''}`,
  );
  console.log(
    `# a shared, noisy 2-CPU machine: load average ${load0.map((x) => x.toFixed(2)).join(' ')} at start, ${load1.map((x) => x.toFixed(2)).join(' ')} at end`,
  );
  if (!BPFTRACE) console.log('# bpftrace absent: ours only');
  for (const hz of HZS) {
    const { ours, peer } = results.get(hz) as { ours: Run[]; peer: Run[] };
    const bad = ours.filter((x) => x.killed).length + peer.filter((x) => x.killed).length;
    if (bad) console.log(`# ${hz} Hz: ${bad} runs did not end cleanly (their samples left out)`);
    const line = (name: string, k: keyof Run, unit: string) => {
      const a = statOf(ours, k);
      const b = statOf(peer, k);
      console.log(`${name}: ours ${show(a, unit)}, peer ${show(b, unit)}, ratio ${ratio(a, b)}`);
    };
    line(`profile ${hz} Hz kernel cost per program run`, 'nsPerRun', ' ns');
    line(`profile ${hz} Hz tool CPU time (${SECONDS} s run)`, 'cpuS', ' s');
    line(`profile ${hz} Hz tool peak RSS`, 'hwmMiB', ' MiB');
    line(`profile ${hz} Hz samples captured (expect ≈ ${hz * SECONDS})`, 'samples', '');
    line(`profile ${hz} Hz samples per (hz × the spinner's CPU s)`, 'coverage', '');
    line(`profile ${hz} Hz program runs (every CPU)`, 'programRuns', '');
  }
} finally {
  spinner.kill('SIGKILL');
  writeFileSync(STATS, wasEnabled);
  rmSync(dir, { recursive: true, force: true });
}
