// `tsbpf profile` and `tsbpf offcpu` as a user runs them (the built CLI in a child process): the
// fixture's hot function in the folded output, a speedscope file on -o, and the exit-status
// contract for bad usage and user errors.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { startBusy, startSleeper, type Target } from './targets.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

/** Runs the CLI on `target`: "go" once the CLI says it runs; it ends when the target exits. */
function profileCli(
  target: Target,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const cli = spawn(process.execPath, [MAIN, ...args, '--pid', String(target.pid)]);
    let stdout = '';
    let stderr = '';
    cli.stdout.on('data', (d) => {
      stdout += d;
    });
    cli.stderr.on('data', (d) => {
      stderr += d;
      if (/Ctrl-C to end/.test(stderr)) target.go().catch(() => {});
    });
    cli.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

kernelDescribe('tsbpf profile and offcpu', ['tracepoints', 'tp_btf', 'btf'], () => {
  it('profile --pid writes folded stacks with the hot function and a summary line', async () => {
    const target = startBusy(1);
    await target.ready;
    const r = await profileCli(target, ['profile', '--hz', '199']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^busy;.*;main;outer_work;hot_spin \d+$/m);
    expect(r.stderr).toMatch(/^tsbpf profile: \d+ samples in \d+ stacks over [0-9.]+ s$/m);
  });

  it('offcpu --format speedscope -o FILE writes a speedscope document with the sleeping stack', async () => {
    const target = startSleeper(0.5);
    await target.ready;
    const out = join(mkdtempSync(join(tmpdir(), 'tsbpf-offcpu-')), 'off.json');
    const r = await profileCli(target, ['offcpu', '--format', 'speedscope', '-o', out, '--user']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.$schema).toBe('https://www.speedscope.app/file-format-schema.json');
    const p = doc.profiles[0];
    expect(p.unit).toBe('microseconds');
    const names = (s: number[]) => s.map((i) => doc.shared.frames[i].name);
    const i = p.samples.findIndex((s: number[]) => names(s).includes('sleep_here'));
    expect(i).toBeGreaterThanOrEqual(0);
    // --user: the stack ends in the fixture's own frame, no kernel frames.
    expect(names(p.samples[i]).slice(-2)).toEqual(['main', 'sleep_here']);
    expect(p.weights[i]).toBeGreaterThan(400_000);
  });
});

describe('tsbpf profile usage', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });
  it('bad usage exits 2 with one line; a missing process exits 1', () => {
    for (const args of [
      ['profile', '--format', 'png'],
      ['profile', '--hz', '0'],
      ['offcpu', 'extra'],
      ['profile', '--kernel', '--user'],
    ]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const r = cli('profile', '--pid', '999999999');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('tsbpf profile: --pid: no process 999999999\n');
  });
});
