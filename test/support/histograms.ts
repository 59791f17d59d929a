// Histograms as the tools print them and as bpftrace prints them, read back into lower bound →
// count maps, and the comparison of two histograms of the same events timed by two programs.
import { expect } from 'vitest';

/** Our tools' histogram text (`  4 -> 7   : 3  |***  |`) as lower bound → count (non-zero rows). */
export function ourHist(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^\s*(-?\d+|-inf) -> \S+\s+: (\d+)\s+\|/gm))
    if (Number(m[2]) > 0) out.set(m[1] === '-inf' ? Number.NEGATIVE_INFINITY : Number(m[1]), Number(m[2]));
  return out;
}

/**
 * bpftrace's hist() and lhist() text (`[4, 8)  3 |@@@ |`, `[1K, 2K)`, `[2000, ...)`) as lower bound
 * → count; the under bucket `(..., 0)` is -Infinity.
 */
export function bpftraceHist(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of text.matchAll(/^\[(\d+)([KMG]?)(?:, [^)]+\))?\]?\s+(\d+) \|/gm))
    if (Number(m[3]) > 0) out.set(Number(m[1]) * 1024 ** ' KMG'.indexOf(m[2] || ' '), Number(m[3]));
  const under = /^\(\.\.\., -?\d+\)\s+(\d+) \|/m.exec(text);
  if (under && Number(under[1]) > 0) out.set(Number.NEGATIVE_INFINITY, Number(under[1]));
  return out;
}

export const total = (h: Map<number, number>) => [...h.values()].reduce((a, b) => a + b, 0);

/**
 * How far the events of one histogram must move to become the other: the earth mover's distance
 * with neighbouring buckets (of either histogram, in order) one step apart. An event moved to the
 * next bucket costs 1; a histogram whose bucket boundaries or units are wrong moves every event
 * at least one step, so it costs at least its total.
 */
export function bucketMoves(ours: Map<number, number>, theirs: Map<number, number>): number {
  const lows = [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => a - b);
  let lag = 0;
  let moves = 0;
  for (const low of lows) {
    lag += (ours.get(low) ?? 0) - (theirs.get(low) ?? 0);
    moves += Math.abs(lag);
  }
  return moves - Math.abs(lag);
}

/**
 * Two latency histograms of the same events, timed by two programs that run one after the other
 * on the same tracepoints: each interval differs by the difference of the programs' run times
 * (a few hundred nanoseconds, a microsecond or more on a loaded machine), always the same way,
 * so the totals may differ by a stamp that raced the other tool's attach and a value near a
 * power of two lands one bucket over. When the values cluster near a boundary (run-queue
 * latencies of 5–10 µs across 8) that can be a quarter of them. Other units, shifted or other
 * boundaries, or lost events move every event and fail.
 */
export function closeHistograms(ours: Map<number, number>, theirs: Map<number, number>): void {
  const n = Math.max(total(ours), total(theirs));
  const shown = `ours ${[...ours]} theirs ${[...theirs]}`;
  expect(Math.abs(total(ours) - total(theirs)), `totals: ${shown}`).toBeLessThanOrEqual(
    Math.max(2, n * 0.05),
  );
  expect(bucketMoves(ours, theirs), `bucket moves: ${shown}`).toBeLessThanOrEqual(Math.max(4, n * 0.4));
}

/**
 * Two log2 histograms of the same events where each program's probes run inside the other's
 * timed interval (two kprobe pairs on one function, in an emulated guest where a BPF program
 * takes microseconds): the same total, and the events in the same bucket or the next one — the
 * cumulative counts lag by at most one bucket either way, but for a few (10%).
 */
export function withinOneBucket(ours: Map<number, number>, theirs: Map<number, number>): void {
  expect(total(ours), 'totals').toBe(total(theirs));
  const lows = [...new Set([...ours.keys(), ...theirs.keys()])].sort((a, b) => a - b);
  const upTo = (h: Map<number, number>, i: number) =>
    lows.slice(0, i + 1).reduce((n, low) => n + (h.get(low) ?? 0), 0);
  const at = (i: number) => `ours ${[...ours]} theirs ${[...theirs]} at ${lows[i]}`;
  // A few events may straddle two boundaries (a preemption inside one tool's interval).
  const slack = Math.max(2, Math.ceil(total(ours) * 0.1));
  for (let i = 0; i + 1 < lows.length; i++) {
    expect(upTo(ours, i + 1) + slack, at(i)).toBeGreaterThanOrEqual(upTo(theirs, i));
    expect(upTo(theirs, i + 1) + slack, at(i)).toBeGreaterThanOrEqual(upTo(ours, i));
  }
}
