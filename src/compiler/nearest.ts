// "Did you mean": the names closest to a mistyped one, by edit distance (a swap of two
// neighbouring letters counts as one edit, as typos go).
import { editDistance } from '../../btf/nearest.js';

/** Up to `max` of `candidates` nearest to `name` (a third of its length in edits at most), best first. */
export function nearestNames(name: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.max(1, Math.floor(name.length / 3));
  const lower = name.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), limit);
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
