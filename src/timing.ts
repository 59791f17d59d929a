// Start-up phase timing: with TSBPF_TIMING=1 in the environment (or `tsbpf --timing …`), each
// phase of getting to the first event (modules, koffi, BTF, program build, load, attach, ring
// buffer, first event) prints one line on stderr as it ends. Off, each call is one boolean test:
// the phases it marks run once per probe, never per event.
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const fromEnv = process.env.TSBPF_TIMING;
let enabled = fromEnv !== undefined && fromEnv !== '' && fromEnv !== '0';
let headerDone = false;
/** Where the last outermost phase ended: time before the next one is shown as unmarked. */
let lastEnd = 0;
/** Time spent in phases nested in each open phase (innermost last): a line gives its own time. */
const nested: number[] = [];

/** Whether phases are being timed. */
export function timingEnabled(): boolean {
  return enabled;
}

/** Turns timing on (the CLI's --timing). */
export function enableTiming(): void {
  enabled = true;
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
  if (!headerDone) {
    headerDone = true;
    // performance.now() counts from the process's start; Node's own start-up ends here.
    const boot = performance.nodeTiming.bootstrapComplete;
    line(`${label('node bootstrap')} ${ms(boot)} ms  (0.0 → ${boot.toFixed(1)})\n`);
    lastEnd = boot;
  }
  if (nested.length > 0) return; // inside a phase: its own time, not a gap
  if (start - lastEnd >= 1)
    line(
      `${label('(between phases)')} ${ms(start - lastEnd)} ms  (${lastEnd.toFixed(1)} → ${start.toFixed(1)})\n`,
    );
}

function print(name: string, start: number, end: number, inner: number): void {
  before(start);
  if (nested.length === 0) lastEnd = Math.max(lastEnd, end);
  const total = end - start;
  const range = `(${start.toFixed(1)} → ${end.toFixed(1)}${inner > 0 ? `; ${total.toFixed(1)} ms with nested phases` : ''})`;
  line(`${label(name)} ${ms(total - inner)} ms  ${range}\n`);
}

/** Prints a phase that began at `start` (a performance.now() reading) and ends now. */
export function phaseEnd(name: string, start: number): void {
  if (!enabled) return;
  const end = performance.now();
  if (nested.length > 0) nested[nested.length - 1] += end - start;
  print(name, start, end, 0);
}

/** Runs `fn` as the phase `name`; phases inside it are printed first and not counted twice. */
export function timed<T>(name: string, fn: () => T): T {
  if (!enabled) return fn();
  const start = performance.now();
  nested.push(0);
  try {
    return fn();
  } finally {
    const inner = nested.pop() ?? 0;
    const end = performance.now();
    if (nested.length > 0) nested[nested.length - 1] += end - start;
    print(name, start, end, inner);
  }
}

/**
 * Runs the asynchronous `fn` as the phase `name`. Only for phases that nothing else runs beside
 * (start-up is sequential): other work in between would count as nested.
 */
export async function timedAsync<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const start = performance.now();
  nested.push(0);
  try {
    return await fn();
  } finally {
    const inner = nested.pop() ?? 0;
    const end = performance.now();
    if (nested.length > 0) nested[nested.length - 1] += end - start;
    print(name, start, end, inner);
  }
}

/** Prints a phase that ran from `start` to `end` (performance.now() readings), measured elsewhere. */
export function phaseBetween(name: string, start: number, end: number): void {
  if (enabled) print(name, start, end, 0);
}

/** Prints the phase from the end of Node's own start-up to now (the CLI's entry modules). */
export function sinceBootstrap(name: string): void {
  phaseEnd(name, performance.nodeTiming.bootstrapComplete);
}

/** Prints a moment (no duration), such as the first event. */
export function timingMark(name: string): void {
  if (!enabled) return;
  const at = performance.now();
  before(at);
  if (nested.length === 0) lastEnd = at;
  line(`${label(name)} ${' '.repeat(10)}   (at ${at.toFixed(1)} ms since start)\n`);
}
