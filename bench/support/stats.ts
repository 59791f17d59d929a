// What every benchmark reports: the minimum and the median of its repetitions (the machine is
// noisy; the minimum is the least disturbed run), and a monotonic clock in nanoseconds.

export type Stat = { min: number; median: number };

export function stat(xs: readonly number[]): Stat {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0] as number, median: s[Math.floor(s.length / 2)] as number };
}

/** CLOCK_MONOTONIC in ns, as a number. */
export const now = (): number => Number(process.hrtime.bigint());
