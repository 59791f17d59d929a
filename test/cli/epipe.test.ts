// Every command ends quietly on a closed stdout (`tsbpf list | head`): exit status 0, nothing on
// stderr about EPIPE, no stack. The read end of the pipe is closed before the command writes, so
// its first write fails, whatever the amount of output.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), `tsbpf-epipe-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI with its stdout a pipe whose reader has already gone. */
function closedStdout(
  args: string[],
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

function expectQuiet(r: { code: number | null; signal: string | null; stderr: string }): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at |ERR_STREAM/);
}

describe('closed stdout: commands that print and end', () => {
  const loop = join(dir, 'loop.s');
  writeFileSync(loop, 'r0 = 0\nr0 += 1\nif r0 < 20000 goto -2\nexit\n');
  const cases: string[][] = [
    ['--help'],
    ['trace', '--help'],
    ['btf', 'dump', '--format', 'c'],
    ['btf', 'dump', '--format', 'raw'],
    ['btf', 'dump', '--format', 'json'],
    ['btf', 'show', 'task_struct'],
    ['run', '--trace', loop],
    ['asm', '--format', 'hex', loop],
    ['list', 'tracepoint:*'],
    ['list', '-v', 'tracepoint:syscalls:*'],
    ['list', '--json', 'sched'],
    ['features'],
  ];
  for (const args of cases)
    it(`tsbpf ${args.join(' ')}`, async () => {
      expectQuiet(await closedStdout(args));
    });
});

kernelDescribe('closed stdout: commands that run until stopped', ['tracepoints', 'ringbuf', 'btf'], () => {
  // sched:sched_switch fires all the time: the first output comes at once and fails.
  it('trace stops at its first failed write', async () => {
    expectQuiet(await closedStdout(['trace', 'tracepoint:sched:sched_switch']));
  });
  it('count -i stops at its first failed table', async () => {
    expectQuiet(await closedStdout(['count', 'tracepoint:sched:sched_switch', '-i', '0.2']));
  });
  it('hist -i stops at its first failed histogram', async () => {
    expectQuiet(await closedStdout(['hist', 'do_sys_openat2', '-i', '0.2']));
  });
});
