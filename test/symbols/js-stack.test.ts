// JavaScript frames in user stacks, on the real kernel: a Node process started with
// --perf-basic-prof calls Array.prototype.join from the JS functions joinTwice and hotLoop; a
// uprobe on the join builtin records its user stack, and the symbolizer names the JS functions
// from the process's perf map (read after the process has exited), the builtin and node's C++
// frames (demangled) from node's ELF symbols. Without the perf map, the advice to add the flags
// is given once.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Frame, Tracer, UserSymbolizer } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const SCRIPT = fileURLToPath(new URL('../fixtures/stacks/js-stack.js', import.meta.url));
const JOIN = 'Builtins_ArrayPrototypeJoin';

/** Runs the fixture under a uprobe on the join builtin; the stacks of its hits, as frames. */
async function joinStacks(
  flags: string[],
  calls: number,
  advice: string[],
): Promise<{ pid: number; stacks: Frame[][] }> {
  using tracer = new Tracer();
  const probe = tracer.probe(`uprobe:${process.execPath}:${JOIN}`, (p) =>
    p.emit({ pid: p.pid(), stack: p.ustack() }),
  );
  const seen: { pid: number; stack: number }[] = [];
  probe.on((e) => seen.push(e));
  await tracer.start();
  const child = spawn(process.execPath, [...flags, SCRIPT, String(calls)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = child.pid as number;
  try {
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const sym = new UserSymbolizer({ onAdvice: (m) => advice.push(m) });
    sym.forPid(pid); // first sight: maps captured while the process runs
    const exited = new Promise((r) => child.on('exit', r));
    child.stdin.write('go\n');
    await exited;
    tracer.drain();
    const mine = seen.filter((e) => e.pid === pid);
    const stacks = mine.map((e) => sym.symbolize(pid, tracer.aggregation('stacks').frames(e.stack)));
    return { pid, stacks };
  } finally {
    child.kill();
    rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}

kernelDescribe('JavaScript user stacks', ['uprobes'], () => {
  it('names the JS functions from the perf map (--perf-basic-prof), after the process exited', async () => {
    const advice: string[] = [];
    const { stacks } = await joinStacks(
      ['--perf-basic-prof', '--interpreted-frames-native-stack'],
      20,
      advice,
    );
    // 20 calls of hotLoop's loop, two joins each (plus any join Node's own start-up makes).
    const ours = stacks.filter((s) => s.some((f) => f.symbol?.startsWith('hotLoop ')));
    expect(ours.length).toBe(40);
    for (const frames of ours) {
      expect(frames[0]).toMatchObject({ symbol: JOIN, kind: 'native', module: process.execPath, offset: 0n });
      const hot = frames.find((f) => f.symbol?.startsWith('hotLoop '));
      expect(hot).toMatchObject({ kind: 'js', module: '[perf-map]' });
      expect(hot?.symbol).toMatch(/^hotLoop file:\/\/.*js-stack\.js:\d+:\d+$/);
      // joinTwice is below the builtin and above hotLoop (the perf map names both).
      const names = frames.map((f) => f.symbol?.split(' ')[0]);
      expect(names.indexOf('joinTwice')).toBeGreaterThan(0);
      expect(names.indexOf('joinTwice')).toBeLessThan(names.indexOf('hotLoop'));
      // Node's C++ frames come demangled, and nothing is a bare address.
      expect(frames.some((f) => f.symbol === 'node::Start(int, char**)')).toBe(true);
      for (const f of frames) expect(f.symbol ?? `${f.module}+0x`).not.toMatch(/^0x/);
    }
    expect(advice).toEqual([]);
  });

  it('without a perf map: JS frames show as module+offset and the advice comes once', async () => {
    const advice: string[] = [];
    // --always-sparkplug: JS functions get JIT code at once (anonymous memory, no ELF symbols).
    const { pid, stacks } = await joinStacks(['--always-sparkplug'], 20, advice);
    expect(stacks.length).toBeGreaterThanOrEqual(40);
    expect(stacks.flat().some((f) => f.kind === 'js')).toBe(false);
    const unnamed = stacks.flat().filter((f) => f.kind === 'unknown');
    expect(unnamed.length).toBeGreaterThan(0);
    for (const f of unnamed) expect(f.module).toMatch(/^(\/|\[)/);
    expect(advice).toEqual([
      `pid ${pid}: JavaScript frames are unnamed: start node with --perf-basic-prof --interpreted-frames-native-stack (it writes /tmp/perf-${pid}.map)`,
    ]);
  });
});
