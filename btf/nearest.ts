// "Did you mean": the closest known name to a misspelt one, by edit distance.

/**
 * Edit distance counting a swap of neighbours as one edit (optimal string alignment), bounded:
 * `limit + 1` as soon as it must exceed `limit`. The probe compiler's suggestions use it too.
 */
export function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] as number) + 1);
      row.push(d);
      if (d < best) best = d;
    }
    if (best > limit) return limit + 1;
    before = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/** The candidate nearest to `name` (case-insensitive), if one is close enough to be a typo. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase(), limit);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean 'x'?)`, or the names there are when none is close; '' when there are none. */
export function didYouMean(name: string, candidates: readonly string[]): string {
  const near = nearestName(name, candidates);
  if (near !== undefined) return ` (did you mean '${near}'?)`;
  if (candidates.length === 0) return '';
  const shown = candidates.slice(0, 12).join(', ');
  return ` (have: ${shown}${candidates.length > 12 ? ', …' : ''})`;
}
