// The processes the profile tests profile: the C fixture test/fixtures/profile/busy.c (built with
// gcc once per test process) spinning in hot_spin or sleeping in sleep_here, and the Node fixture
// hot-loop.mjs. Each prints "ready", waits for `go()`, works, reports and exits.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/profile/${name}`, import.meta.url));

let built: string | undefined;

/** The compiled busy fixture: frame pointers kept, no tail calls, so every frame shows. */
export function busyBinary(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'tsbpf-profile-')), 'busy');
  execFileSync('gcc', [
    '-O2',
    '-fno-omit-frame-pointer',
    '-fno-optimize-sibling-calls',
    '-o',
    out,
    fixture('busy.c'),
  ]);
  built = out;
  return out;
}

export interface Target {
  pid: number;
  child: ChildProcess;
  /** Resolves once it printed "ready". */
  ready: Promise<void>;
  /** Lets it work; resolves with its output once it exited. */
  go(): Promise<string>;
  /** Resolves once it exited (with its output). */
  exited: Promise<string>;
}

function start(command: string, args: string[]): Target {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let readyNow: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    readyNow = resolve;
  });
  child.stdout?.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) readyNow();
  });
  const exited = new Promise<string>((resolve, reject) => {
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${out}`)),
    );
  });
  return {
    pid: child.pid as number,
    child,
    ready,
    exited,
    go() {
      child.stdin?.end('go\n');
      return exited;
    },
  };
}

/** busy SECONDS: spins in hot_spin (main → outer_work → hot_spin), then prints "cpu SECONDS". */
export function startBusy(seconds: number): Target {
  return start(busyBinary(), [String(seconds)]);
}

/** busy SECONDS sleep: one nanosleep of SECONDS made from sleep_here (main → sleep_here). */
export function startSleeper(seconds: number): Target {
  return start(busyBinary(), [String(seconds), 'sleep']);
}

/** node --perf-basic-prof hot-loop.mjs SECONDS: calls the JavaScript function hotLoop for SECONDS. */
export function startNodeHotLoop(seconds: number): Target {
  return start(process.execPath, [
    '--perf-basic-prof',
    '--interpreted-frames-native-stack',
    fixture('hot-loop.mjs'),
    String(seconds),
  ]);
}

/** The CPU seconds the busy fixture reported for its spin. */
export function cpuSeconds(output: string): number {
  const m = /^cpu ([0-9.]+)$/m.exec(output);
  if (!m) throw new Error(`no "cpu" line in ${JSON.stringify(output)}`);
  return Number(m[1]);
}
