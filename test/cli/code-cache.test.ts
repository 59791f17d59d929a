// The executable's V8 code cache (src/cli/code-cache.ts), through the real `tsbpf` process: a
// successful run saves, the next one uses it, a damaged or foreign file is never used, and
// TSBPF_CODE_CACHE=0 leaves nothing behind. The state is read from the --timing line.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const PROGRAM = 'r0 = 7\nexit\n';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'tsbpf-codecache-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

/** Runs `tsbpf --timing asm --format hex` on a small program; returns the cache state and output. */
function asm(env: Record<string, string> = {}, extra: string[] = []) {
  const r = spawnSync(process.execPath, [MAIN, '--timing', 'asm', '--format', 'hex', ...extra], {
    input: PROGRAM,
    encoding: 'utf8',
    env: { ...process.env, XDG_CACHE_HOME: home, ...env },
  });
  const state = /CLI bundle compile \(code cache (\w+)\)/.exec(r.stderr)?.[1];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, state };
}

const files = () => readdirSync(join(home, 'tsbpf')).filter((n) => n.endsWith('.v8cache'));

describe('the CLI code cache', () => {
  it('a first run misses and saves; the next hits, with the same output', () => {
    const first = asm();
    expect(first.status, first.stderr).toBe(0);
    expect(first.state).toBe('miss');
    expect(files()).toHaveLength(1);
    expect(files()[0]).toMatch(/^asm-\d+-\d+-\d+-v\d+\.\d+\.\d+-\w+\.v8cache$/);
    const dir = statSync(join(home, 'tsbpf'));
    expect(dir.mode & 0o777).toBe(0o700);
    expect(statSync(join(home, 'tsbpf', files()[0] as string)).mode & 0o777).toBe(0o600);

    const second = asm();
    expect(second.state).toBe('hit');
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout).toMatch(/b7 00 00 00 07 00 00 00/);
  });

  it('a damaged file is rejected by V8, the run still right, and replaced by a good one', () => {
    const good = asm();
    const file = join(home, 'tsbpf', files()[0] as string);
    const size = statSync(file).size;
    writeFileSync(file, Buffer.alloc(size, 0x5a), { mode: 0o600 });
    const damaged = asm();
    expect(damaged.status, damaged.stderr).toBe(0);
    expect(damaged.state).toBe('rejected');
    expect(damaged.stdout).toBe(good.stdout);
    expect(readFileSync(file).equals(Buffer.alloc(size, 0x5a))).toBe(false);
    expect(asm().state).toBe('hit');
  });

  it('a file others can write, or owned by another user, is not read', () => {
    asm();
    const file = join(home, 'tsbpf', files()[0] as string);
    chmodSync(file, 0o666);
    expect(asm().state).toBe('miss');
    // The miss saved a private file in its place.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(asm().state).toBe('hit');
    if (process.geteuid?.() === 0) {
      chownSync(file, 65534, 65534);
      expect(asm().state).toBe('miss');
      expect(statSync(file).uid).toBe(0);
    }
  });

  it('a cache directory that is not the user’s own is neither read nor written', () => {
    if (process.geteuid?.() !== 0) return; // making a foreign owner needs root
    chownSync(home, 65534, 65534);
    const r = asm();
    expect(r.status, r.stderr).toBe(0);
    expect(r.state).toBe('off');
    expect(readdirSync(home)).toEqual([]);
  });

  it('TSBPF_CODE_CACHE=0 is off and writes nothing; --help and failures save nothing', () => {
    const off = asm({ TSBPF_CODE_CACHE: '0' });
    expect(off.status, off.stderr).toBe(0);
    expect(off.state).toBe('off');
    expect(readdirSync(home)).toEqual([]);
    expect(asm({}, ['--help']).state).toBe('miss');
    expect(asm({}, ['--no-such-option']).status).not.toBe(0);
    expect(() => files()).toThrow();
  });
});

/** `tsbpf --timing trace` of a tracepoint, killed with SIGKILL once attached; the cache state. */
function killedTrace(): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [MAIN, '--timing', 'trace', 'tracepoint:syscalls:sys_enter_getppid'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, XDG_CACHE_HOME: home },
      },
    );
    let stderr = '';
    let attached = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (attached || !stderr.includes('Ctrl-C to end')) return;
      attached = true;
      // The save follows the line at once (write to a temporary name, then rename): wait for the
      // file, up to a few seconds, then kill. A hit writes nothing.
      const began = Date.now();
      const poll = setInterval(() => {
        const saved = existsSync(join(home, 'tsbpf')) && files().some((f) => f.startsWith('trace-'));
        if (saved || stderr.includes('code cache hit') || Date.now() - began > 5000) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 10);
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL' || !stderr.includes('Ctrl-C to end')) reject(new Error(stderr));
      else resolve(/CLI bundle compile \(code cache (\w+)\)/.exec(stderr)?.[1]);
    });
  });
}

kernelDescribe('the CLI code cache of a trace', ['tracepoints', 'ringbuf'], () => {
  it('is saved once the probes are attached, so a trace killed by a signal still leaves it', async () => {
    expect(await killedTrace()).toBe('miss');
    expect(files().filter((f) => f.startsWith('trace-'))).toHaveLength(1);
    expect(await killedTrace()).toBe('hit');
  });
});
