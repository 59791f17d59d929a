// profile() and offCpu() on real processes, checked against what the processes did: the C fixture
// spins in hot_spin for a known CPU time (samples ≈ hz × CPU seconds) or sleeps one known
// nanosleep in sleep_here (off-CPU time ≈ the sleep), and the Node fixture runs hotLoop.
import { offCpu, profile } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { parseFolded, type StackNode } from '../../src/format/profile/stacks.js';
import { kernelObjectFds } from '../link/fds.js';
import { kernelDescribe } from '../support/kernel.js';
import { cpuSeconds, startBusy, startNodeHotLoop, startSleeper, type Target } from './targets.js';

/** Runs `collect` from the target's "go" until it exited (and a little after, for the switch-in). */
async function whileItRuns<T>(
  target: Target,
  collect: (o: { signal: AbortSignal; onStart: () => void }) => Promise<T>,
): Promise<{ result: T; output: string }> {
  await target.ready;
  const end = new AbortController();
  let output = '';
  const result = await collect({
    signal: end.signal,
    onStart: () => {
      target.go().then(
        (out) => {
          output = out;
          setTimeout(() => end.abort(), 200);
        },
        () => end.abort(),
      );
    },
  });
  await target.exited;
  return { result, output };
}

/** The child of `node` named `name`. */
function child(node: StackNode | undefined, name: string): StackNode | undefined {
  return node?.children.find((c) => c.name === name);
}

function maxSelf(node: StackNode): StackNode {
  let best = node;
  for (const c of node.children) {
    const b = maxSelf(c);
    if (b.self > best.self) best = b;
  }
  return best;
}

kernelDescribe('profile() of real processes', ['tracepoints', 'btf'], () => {
  it('samples the C fixture hz × its CPU seconds times (±10%), hot_spin the widest frame', async () => {
    const hz = 199;
    const target = startBusy(2);
    const before = kernelObjectFds();
    const { result, output } = await whileItRuns(target, (o) => profile({ pid: target.pid, hz, ...o }));
    expect(kernelObjectFds()).toEqual(before);
    const expected = hz * cpuSeconds(output);
    expect(result.unit).toBe('samples');
    expect(result.total).toBeGreaterThanOrEqual(Math.floor(expected * 0.9));
    expect(result.total).toBeLessThanOrEqual(Math.ceil(expected * 1.1));
    // Every stack is the fixture's: its comm at the root.
    expect(result.samples.every((s) => s.stack[0] === 'busy')).toBe(true);
    const tree = result.tree();
    const main = child(child(tree, 'busy'), '__libc_start_call_main') ?? child(child(tree, 'busy'), 'main');
    const mainNode = main?.name === 'main' ? main : child(main, 'main');
    const hot = child(child(mainNode, 'outer_work'), 'hot_spin');
    expect(hot).toBeDefined();
    // hot_spin holds (nearly) all of the samples, and more of them itself than any other frame.
    expect((hot as StackNode).value).toBeGreaterThanOrEqual(result.total * 0.9);
    expect(maxSelf(tree).name).toBe('hot_spin');
    expect(result.lostStacks).toBe(0);
    expect(result.dropped).toBe(0);
    // The folded text says the same, line by line.
    const folded = parseFolded(result.folded());
    expect(folded.reduce((n, s) => n + s.value, 0)).toBe(result.total);
    expect(result.folded()).toMatch(/^busy;.*;main;outer_work;hot_spin \d+$/m);
  });

  it('names the JavaScript function a Node process spends its time in (≥ 60% of samples)', async () => {
    const target = startNodeHotLoop(2);
    const { result } = await whileItRuns(target, (o) => profile({ pid: target.pid, hz: 99, ...o }));
    const samples = parseFolded(result.folded());
    const total = samples.reduce((n, s) => n + s.value, 0);
    const inHotLoop = samples
      .filter((s) => s.stack.some((f) => /^hotLoop\b.*_\[j\]$/.test(f)))
      .reduce((n, s) => n + s.value, 0);
    expect(total).toBeGreaterThan(50);
    expect(inHotLoop / total).toBeGreaterThanOrEqual(0.6);
  });

  it('kernel-only and user-only profiles keep to their half', async () => {
    const target = startBusy(0.5);
    const { result } = await whileItRuns(target, (o) =>
      profile({ pid: target.pid, hz: 199, user: false, ...o }),
    );
    // Spinning in user mode: no kernel stack, so the stacks are the comm alone (or kernel frames).
    for (const s of result.samples) expect(s.stack.slice(1).every((f) => f.endsWith('_[k]'))).toBe(true);
  });

  it('rejects options that cannot work before attaching anything', async () => {
    await expect(profile({ hz: 99 })).rejects.toThrow(/durationMs or signal/);
    await expect(profile({ hz: 0, durationMs: 10 })).rejects.toThrow(/hz 0/);
    await expect(profile({ durationMs: 10, kernel: false, user: false })).rejects.toThrow(/nothing to show/);
    await expect(profile({ durationMs: 10, cgroup: '/no/such/cgroup' })).rejects.toThrow(/ENOENT/);
  });
});

kernelDescribe('offCpu() of a sleeping process', ['tp_btf', 'btf'], () => {
  it('shows main → sleep_here → nanosleep with the time slept (±15%)', async () => {
    const target = startSleeper(1);
    const { result } = await whileItRuns(target, (o) => offCpu({ pid: target.pid, ...o }));
    expect(result.unit).toBe('microseconds');
    const sleeping = result.samples.filter((s) => s.stack.includes('sleep_here'));
    expect(sleeping.length).toBe(1);
    const [stack] = sleeping;
    const us = stack?.value as number;
    expect(us).toBeGreaterThanOrEqual(850_000);
    expect(us).toBeLessThanOrEqual(1_150_000);
    const frames = stack?.stack as string[];
    const at = frames.indexOf('sleep_here');
    expect(frames[at - 1]).toBe('main');
    // Then the kernel half, entered by the nanosleep syscall, ending where it scheduled away.
    const kernel = frames.slice(at + 1);
    expect(kernel.every((f) => f.endsWith('_[k]'))).toBe(true);
    expect(kernel.some((f) => /nanosleep/.test(f))).toBe(true);
    expect(kernel.at(-1)).toMatch(/schedule/);
  });
});

describe('profile options', () => {
  it('are checked before anything loads', async () => {
    await expect(offCpu({ durationMs: 10, minUs: -1 })).rejects.toThrow(/minUs/);
  });
});
