// The one kernel CPU-list parser (possible and online CPUs), against lists the kernel writes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuListNumbers, onlineCpus, parseCpuList, possibleCpus } from '../../src/cpus.js';

describe('CPU lists', () => {
  it('reads ranges, singles and the trailing newline', () => {
    expect(cpuListNumbers('0-3,5,7-8\n')).toEqual([0, 1, 2, 3, 5, 7, 8]);
    expect(cpuListNumbers('0')).toEqual([0]);
    expect(cpuListNumbers('')).toEqual([]);
    expect(parseCpuList('0-63')).toBe(64);
  });
  it('rejects what is not a CPU list, saying what it got', () => {
    for (const bad of ['a', '1-', '3-1', '0,,x', '-1'])
      expect(() => cpuListNumbers(bad)).toThrow(/bad CPU list/);
  });
  it('agrees with /sys for possible and online CPUs', () => {
    const possible = readFileSync('/sys/devices/system/cpu/possible', 'latin1');
    expect(possibleCpus()).toBe(cpuListNumbers(possible).length);
    expect(onlineCpus().length).toBeGreaterThan(0);
    expect(onlineCpus().length).toBeLessThanOrEqual(possibleCpus());
  });
});
