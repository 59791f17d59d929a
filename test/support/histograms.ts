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
 * Two latency histograms of the same events, timed by two programs a few hundred nanoseconds
 * apart: the totals may differ by a stamp that raced the other tool's attach, and a value near a
 * power of two may land one bucket over. Anything larger (other units, shifted or other
 * boundaries, lost events) moves most of the counts and fails.
 */
export function closeHistograms(ours: Map<number, number>, theirs: Map<number, number>): void {
  const n = Math.max(total(ours), total(theirs));
  expect(Math.abs(total(ours) - total(theirs)), 'totals').toBeLessThanOrEqual(Math.max(2, n * 0.05));
  let moved = 0;
  for (const low of new Set([...ours.keys(), ...theirs.keys()]))
    moved += Math.abs((ours.get(low) ?? 0) - (theirs.get(low) ?? 0));
  expect(moved, `bucket differences: ours ${[...ours]} theirs ${[...theirs]}`).toBeLessThanOrEqual(
    Math.max(4, n * 0.2),
  );
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
