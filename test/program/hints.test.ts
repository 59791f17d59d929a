// The messages a new user meets first say what to do: permissions as `features` words them, the
// demo's `sudo` command for where it runs, the input a packet test run needs, and the verifier's
// own words when a program is over its complexity limit (E2BIG, as an attr too big would be).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfError, Program, VerifierError } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { afterAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const asm = (text: string) => assemble(text, { dialect: 'llvm' }).instructions;
const NOBODY = 65534;

// A consumer project: tsbpf installed under node_modules (a link to this build), readable by all.
const project = mkdtempSync(join(tmpdir(), 'tsbpf-consumer-'));
chmodSync(project, 0o755);
mkdirSync(join(project, 'node_modules'));
symlinkSync(root, join(project, 'node_modules', 'tsbpf'));
const CLI = join(project, 'node_modules/tsbpf/dist/cli/tsbpf.js');
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** The CLI as an unprivileged user, from the consumer project, with `env` added. */
function asNobody(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: project,
    uid: NOBODY,
    gid: NOBODY,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stderr: r.stderr };
}

kernelDescribe('hints for a first hour', ['prog_load', 'test_run', 'tracepoints'], () => {
  it('non-root probe commands: needs root, or CAP_BPF + CAP_PERFMON (not a tracefs mount error)', () => {
    for (const args of [
      ['trace', 'tracepoint:syscalls:sys_enter_openat', '-d', '1'],
      ['list', 'tracepoint:sys*'],
    ]) {
      const r = asNobody(args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/needs root, or CAP_BPF \+ CAP_PERFMON/);
      expect(r.stderr).not.toMatch(/mount tracefs/);
    }
  });

  it("demo as a dependency suggests npx, not the user's own npm start", () => {
    // `npm start` in a user's project runs the user's start script, not tsbpf's demo.
    const dep = asNobody(['demo'], { npm_lifecycle_event: 'start', npm_package_name: 'my-app' });
    expect(dep.code).toBe(1);
    expect(dep.stderr).toMatch(/needs root, or CAP_BPF \+ CAP_PERFMON: try `sudo npx tsbpf demo`/);
    expect(dep.stderr).not.toMatch(/npm start/);
    // In tsbpf's own checkout, `npm start` is the demo.
    const own = asNobody(['demo'], { npm_lifecycle_event: 'start', npm_package_name: 'tsbpf' });
    expect(own.stderr).toMatch(/try `sudo npm start`/);
  });

  it('testRun of XDP with less than an Ethernet header says it needs 14 bytes', () => {
    using p = Program.load({ type: 'xdp', name: 'xdp_pass', instructions: asm('r0 = 2\nexit') });
    expect(p.testRun({ data: new Uint8Array(14) }).retval).toBe(2);
    let err: unknown;
    try {
      p.testRun({ data: new Uint8Array(10) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).code).toBe('EINVAL');
    expect((err as Error).message).toMatch(/xdp program needs at least 14 bytes of data .* got 10/);
  });

  it('a program over the complexity limit reports the verifier’s "too large", not an attr too big', () => {
    // A bounded loop the verifier walks iteration by iteration: 2 million steps to prove it ends.
    const loop = asm(`
      r1 = 0
    loop:
      r1 += 1
      if r1 < 1000000 goto loop
      r0 = 0
      exit`);
    let err: unknown;
    try {
      Program.load({ type: 'socket_filter', name: 'too_complex', instructions: loop }).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    expect((err as VerifierError).code).toBe('E2BIG');
    expect((err as Error).message).toMatch(/BPF program is too large\. Processed 1000001 insn/);
  });
});
