// Legacy (tracefs) probes outlive their process unless removed. These tests use uprobe_events,
// which this host has (the VM suite repeats them for kprobe_events): a process holding a probe
// is killed with SIGKILL (its definition stays; the next legacy attach removes it because the
// owner's pid is dead) or SIGTERM (tsbpf's handler removes it, and the process still dies of
// the signal). The oracle is tracefs's own uprobe_events file.
import { readFileSync } from 'node:fs';
import { attachUprobe, ownProbes, tracefsRoot } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { distBuilt, holdProbe, killAndWait } from './probe-owner.js';
import { countingProgram } from './programs.js';

function definedFor(pid: number | undefined): string[] {
  const text = readFileSync(`${tracefsRoot()}/uprobe_events`, 'latin1');
  return text.split('\n').filter((l) => l.includes(`/tsbpf_${pid}_`));
}

kernelDescribe('legacy probe cleanup', ['uprobes'], () => {
  it('a SIGKILLed owner leaves its probe; the next legacy attach removes it', async () => {
    expect(distBuilt(), 'dist/ is missing: run npm run build').toBe(true);
    const child = await holdProbe('uprobe');
    expect(definedFor(child.pid)).toHaveLength(1);
    const end = await killAndWait(child, 'SIGKILL');
    expect(end.signal).toBe('SIGKILL');
    expect(definedFor(child.pid)).toHaveLength(1); // nobody removed it
    const c = countingProgram('kprobe', undefined);
    try {
      using link = attachUprobe(c.prog, 'libc.so.6', { symbol: 'getppid', legacy: true });
      expect(link.legacy).toBe(true);
      expect(definedFor(child.pid)).toEqual([]); // the dead owner's probe is gone
      expect(ownProbes('uprobe_events')).toHaveLength(1);
    } finally {
      c.close();
    }
    expect(ownProbes('uprobe_events')).toEqual([]);
  });

  it('SIGTERM removes the probe and still ends the process by the signal', async () => {
    const child = await holdProbe('uprobe');
    expect(definedFor(child.pid)).toHaveLength(1);
    const end = await killAndWait(child, 'SIGTERM');
    expect(end.signal).toBe('SIGTERM');
    expect(definedFor(child.pid)).toEqual([]);
  });
});
