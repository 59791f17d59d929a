// Histograms as text, in the shape bcc's tools print them:
//      usecs               : count    distribution
//          0 -> 1          : 3        |****                                    |
import type { Bucket } from './aggregation.js';

const BAR = 40;

function bound(n: number): string {
  return n === Number.POSITIVE_INFINITY ? 'inf' : n === Number.NEGATIVE_INFINITY ? '-inf' : String(n);
}

/** Rows from the first to the last non-empty bucket, bars scaled to the largest count. */
export function formatHistogram(buckets: readonly Bucket[], unit = 'value'): string {
  const used = buckets.map((b, i) => (b.count > 0 ? i : -1)).filter((i) => i >= 0);
  if (used.length === 0) return `${unit.padStart(14)}: (no events)\n`;
  const first = used[0] as number;
  const last = used[used.length - 1] as number;
  const rows = buckets.slice(first, last + 1);
  const max = Math.max(...rows.map((b) => b.count));
  const span = Math.max(...rows.map((b) => `${bound(b.low)} -> ${bound(b.high)}`.length), unit.length);
  const countWidth = Math.max(8, String(max).length);
  const lines = [
    `${unit.padStart(Math.ceil(span / 2) + 10).padEnd(span + 8)} : ${'count'.padEnd(countWidth)} distribution`,
  ];
  for (const b of rows) {
    const range = `${bound(b.low).padStart(Math.ceil(span / 2) + 4)} -> ${bound(b.high)}`.padEnd(span + 8);
    const stars = '*'.repeat(max === 0 ? 0 : Math.round((b.count / max) * BAR));
    lines.push(`${range} : ${String(b.count).padEnd(countWidth)} |${stars.padEnd(BAR)}|`);
  }
  return `${lines.join('\n')}\n`;
}
