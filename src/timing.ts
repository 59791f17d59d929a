// Start-up phase timing: with TSBPF_TIMING=1 in the environment (or `tsbpf --timing …`), each
// phase of getting to the first event (modules, koffi, BTF, program build, load, attach, ring
// buffer, first event) prints one line on stderr as it ends. Off, each call is one boolean test:
// the phases it marks run once per probe, never per event.
import { writeSync } from 'node:fs';
import type { Performance as NodePerformance } from 'node:perf_hooks';

/**
 * A monotonic clock in milliseconds for marking phases. Not performance.now(): the first use of
 * `performance` loads Node's perf_hooks (~1.5 ms, a tenth of what a command adds to bare Node's
 * start-up), which only a timed run needs, to print times since the process started.
 */
export function clockMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** When Node's own start-up ended, in milliseconds since the process started (printing only). */
function bootstrapComplete(): number {
  return (performance as unknown as NodePerformance).nodeTiming.bootstrapComplete;
}

/** clockMs() reading → milliseconds since the process started (loads perf_hooks: printing only). */
let sinceStart: ((clock: number) => number) | undefined;
function fromStart(clock: number): number {
  if (sinceStart === undefined) {
    const offset = performance.now() - clockMs();
    sinceStart = (c) => c + offset;
  }
  return sinceStart(clock);
}

interface TimingState {
  enabled: boolean;
  headerDone: boolean;
  /** Where the last outermost phase ended: time before the next one is shown as unmarked. */
  lastEnd: number;
  /** Time spent in phases nested in each open phase (innermost last): a line gives its own time. */
  nested: number[];
}

// One state per process, whichever copy of this module marks a phase: the library's loader and
// the layer it loads are separate bundles, each with this file in it.
const fromEnv = process.env.TSBPF_TIMING;
const STATE = Symbol.for('tsbpf.timing');
const shared = globalThis as Record<symbol, TimingState | undefined>;
shared[STATE] ??= {
  enabled: fromEnv !== undefined && fromEnv !== '' && fromEnv !== '0',
  headerDone: false,
  lastEnd: 0,
  nested: [],
};
const state = shared[STATE];
const nested = state.nested;

/** Whether phases are being timed. */
export function timingEnabled(): boolean {
  return state.enabled;
}

/** Turns timing on (the CLI's --timing). */
export function enableTiming(): void {
  state.enabled = true;
}

const ms = (x: number) => x.toFixed(1).padStart(7);
const label = (name: string) => `tsbpf timing: ${name.padEnd(30)}`;

function line(text: string): void {
  // Synchronous, straight to fd 2: the lines keep their order with the command's own stderr and
  // are not lost if the process ends or crashes right after.
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: timing is best-effort diagnostics.
  }
}

/** The first line (Node's own start-up), then the unmarked time since the last phase if any. */
function before(start: number): void {
  if (!state.headerDone) {
    state.headerDone = true;
    // performance.now() counts from the process's start; Node's own start-up ends here.
    const boot = bootstrapComplete();
    line(`${label('node bootstrap')} ${ms(boot)} ms  (0.0 → ${boot.toFixed(1)})\n`);
    state.lastEnd = boot;
  }
  if (nested.length > 0) return; // inside a phase: its own time, not a gap
  if (start - state.lastEnd >= 1)
    line(
      `${label('(between phases)')} ${ms(start - state.lastEnd)} ms  (${state.lastEnd.toFixed(1)} → ${start.toFixed(1)})\n`,
    );
}

function print(name: string, startClock: number, endClock: number, inner: number): void {
  const start = fromStart(startClock);
  const end = fromStart(endClock);
  before(start);
  if (nested.length === 0) state.lastEnd = Math.max(state.lastEnd, end);
  const total = end - start;
  const range = `(${start.toFixed(1)} → ${end.toFixed(1)}${inner > 0 ? `; ${total.toFixed(1)} ms with nested phases` : ''})`;
  line(`${label(name)} ${ms(total - inner)} ms  ${range}\n`);
}

/** Prints a phase that began at `start` (a clockMs() reading) and ends now. */
export function phaseEnd(name: string, start: number): void {
  if (!state.enabled) return;
  const end = clockMs();
  if (nested.length > 0) nested[nested.length - 1] += end - start;
  print(name, start, end, 0);
}

/** Runs `fn` as the phase `name`; phases inside it are printed first and not counted twice. */
export function timed<T>(name: string, fn: () => T): T {
  if (!state.enabled) return fn();
  const start = clockMs();
  nested.push(0);
  try {
    return fn();
  } finally {
    const inner = nested.pop() ?? 0;
    const end = clockMs();
    if (nested.length > 0) nested[nested.length - 1] += end - start;
    print(name, start, end, inner);
  }
}

/**
 * Runs the asynchronous `fn` as the phase `name`. Only for phases that nothing else runs beside
 * (start-up is sequential): other work in between would count as nested.
 */
export async function timedAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!state.enabled) return fn();
  const start = clockMs();
  nested.push(0);
  try {
    return await fn();
  } finally {
    const inner = nested.pop() ?? 0;
    const end = clockMs();
    if (nested.length > 0) nested[nested.length - 1] += end - start;
    print(name, start, end, inner);
  }
}

/** Prints a phase that ran from `start` to `end` (clockMs() readings), measured elsewhere. */
export function phaseBetween(name: string, start: number, end: number): void {
  if (state.enabled) print(name, start, end, 0);
}

/** Prints the phase from the end of Node's own start-up to now (the CLI's entry modules). */
export function sinceBootstrap(name: string): void {
  if (!state.enabled) return;
  const now = clockMs();
  phaseEnd(name, now - (fromStart(now) - bootstrapComplete()));
}

/** Prints a moment (no duration), such as the first event. */
export function timingMark(name: string): void {
  if (!state.enabled) return;
  const at = performance.now();
  before(at);
  if (nested.length === 0) state.lastEnd = at;
  line(`${label(name)} ${' '.repeat(10)}   (at ${at.toFixed(1)} ms since start)\n`);
}
