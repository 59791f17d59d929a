// The possible-CPU count: per-CPU map values have one slot per possible CPU (not online CPU).
import { readFileSync } from 'node:fs';

let cached: number | undefined;

/** Parses a kernel CPU list like `0-3,5,7-8` into the number of CPUs it names. */
export function parseCpuList(text: string): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad CPU list '${text.trim()}'`);
    n += m[2] === undefined ? 1 : Number(m[2]) - Number(m[1]) + 1;
  }
  return n;
}

/** Number of possible CPUs (/sys/devices/system/cpu/possible), cached per process. */
export function possibleCpus(): number {
  cached ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'latin1'));
  return cached;
}
