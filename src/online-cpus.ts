// The CPUs that are online now (perf events and perf buffers open one per online CPU).
import { readFileSync } from 'node:fs';

/** Parses a kernel CPU list like `0-3,5` into the CPU numbers it names. */
export function cpuListNumbers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`bad CPU list '${text.trim()}'`);
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

/** /sys/devices/system/cpu/online, read each call (CPUs come and go). */
export function onlineCpus(): number[] {
  return cpuListNumbers(readFileSync('/sys/devices/system/cpu/online', 'latin1'));
}
