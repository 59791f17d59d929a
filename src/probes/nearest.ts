// "Did you mean": the names closest to a mistyped one, by edit distance (a swap of two
// neighbouring letters counts as one edit, as typos go).

/** Edits (insert, delete, replace, swap neighbours) from `a` to `b`, or more than `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (prev2[j - 2] as number) + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > limit) return limit + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/** Up to `max` of `candidates` nearest to `name` (a third of its length in edits at most), best first. */
export function nearestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === lower ? 0 : distance(lower, c.toLowerCase(), limit);
    if (d <= limit) scored.push({ c, d });
  }
  return scored
    .sort((x, y) => x.d - y.d || x.c.length - y.c.length || (x.c < y.c ? -1 : 1))
    .slice(0, max)
    .map((s) => s.c);
}

/** `; did you mean 'x'?` (or `'x' or 'y'`), or '' when nothing is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const near = nearestNames(name, candidates);
  if (near.length === 0) return '';
  return `; did you mean ${near.map((n) => `'${n}'`).join(' or ')}?`;
}
