// CPU sets from /sys/devices/system/cpu: the possible CPUs (per-CPU map values have one slot per
// possible CPU, not per online CPU) and the online ones (perf events and perf buffers open one per
// online CPU). One parser for the kernel's list format (`0-3,5,7-8`).
import { readFileSync } from 'node:fs';

let possible: number | undefined;

/** Parses a kernel CPU list like `0-3,5` into the CPU numbers it names, in order. */
export function cpuListNumbers(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m || Number(m[2] ?? m[1]) < Number(m[1])) throw new Error(`bad CPU list '${text.trim()}'`);
    for (let c = Number(m[1]); c <= Number(m[2] ?? m[1]); c++) out.push(c);
  }
  return out;
}

/** The number of CPUs a kernel CPU list names. */
export function parseCpuList(text: string): number {
  return cpuListNumbers(text).length;
}

/** Number of possible CPUs (/sys/devices/system/cpu/possible), cached per process. */
export function possibleCpus(): number {
  possible ??= parseCpuList(readFileSync('/sys/devices/system/cpu/possible', 'latin1'));
  return possible;
}

/** /sys/devices/system/cpu/online, read each call (CPUs come and go). */
export function onlineCpus(): number[] {
  return cpuListNumbers(readFileSync('/sys/devices/system/cpu/online', 'latin1'));
}
