// The same calls as an unprivileged user (uid/gid 65534 via setpriv): BpfError EPERM with the
// permission hint, and `tsbpf features` exits 1 with one line on stderr, no stack trace.
// Runs the compiled package (dist/), building it first if it is older than the sources.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const root = resolve(import.meta.dirname, '../..');
const dist = join(root, 'dist/src/index.js');
const hasSetpriv = existsSync('/usr/bin/setpriv') || existsSync('/bin/setpriv');

function stale(): boolean {
  if (!existsSync(dist)) return true;
  const built = statSync(join(root, 'dist/src/map.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return ['src/map.ts', 'src/program.ts', 'src/sys/bpf.ts', 'src/cli/features.ts', 'src/features.ts'].some(
    (f) => statSync(join(root, f)).mtimeMs > built,
  );
}

function asNobody(args: string[]) {
  return spawnSync(
    'setpriv',
    ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, ...args],
    {
      encoding: 'utf8',
      timeout: 30_000,
    },
  );
}

kernelDescribe('unprivileged user', ['bpf'], () => {
  let dir = '';
  beforeAll(() => {
    // tsc emits even when another engineer's file has a type error; we only need our modules.
    if (stale())
      spawnSync(
        process.execPath,
        [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')],
        { cwd: root },
      );
    dir = mkdtempSync('/tmp/tsbpf-nobody-');
    execFileSync('chmod', ['755', dir]);
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasSetpriv)('map create and program load fail with BpfError EPERM and the hint', () => {
    const script = join(dir, 'try.mjs');
    writeFileSync(
      script,
      `import { BpfMap, Program, BpfError } from ${JSON.stringify(dist)};
const out = [];
for (const f of [
  () => BpfMap.create({ type: 'hash', key: 4, value: 4, maxEntries: 1 }),
  () => Program.load({ type: 'socket_filter', instructions: new Uint8Array([0xb7,0,0,0,0,0,0,0,0x95,0,0,0,0,0,0,0]) }),
]) {
  try { f(); out.push({ ok: true }); }
  catch (e) { out.push({ isBpfError: e instanceof BpfError, command: e.command, code: e.code, hint: e.hint, message: e.message }); }
}
console.log(JSON.stringify(out));`,
      { mode: 0o644 },
    );
    const r = asNobody([script]);
    expect(r.stderr).toBe('');
    const results = JSON.parse(r.stdout) as {
      isBpfError: boolean;
      command: string;
      code: string;
      hint: string;
      message: string;
    }[];
    expect(results.map((x) => [x.isBpfError, x.command, x.code])).toEqual([
      [true, 'BPF_MAP_CREATE', 'EPERM'],
      [true, 'BPF_PROG_LOAD', 'EPERM'],
    ]);
    for (const x of results) expect(x.hint).toBe('needs root or CAP_BPF (+CAP_PERFMON for tracing)');
  });

  it.skipIf(!hasSetpriv)('`tsbpf features` exits 1 with a one-line message and no stack', () => {
    const r = asNobody([join(root, 'dist/cli/tsbpf.js'), 'features']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^tsbpf features: bpf\(2\) is not usable here: EPERM — needs root or CAP_BPF/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it.skipIf(!hasSetpriv)(
    'npm start (tsbpf demo) and tsbpf trace as a user: one line saying why, exit 1',
    () => {
      const demo = asNobody([join(root, 'dist/cli/tsbpf.js'), 'demo']);
      expect(demo.status).toBe(1);
      // Run as `node …/tsbpf.js demo` (not through npm start): the same command, with sudo.
      expect(demo.stderr).toBe(
        `tsbpf demo: loading and attaching probes needs root, or CAP_BPF + CAP_PERFMON: try \`sudo ${process.execPath} ${join(root, 'dist/cli/tsbpf.js')} demo\`\n`,
      );
      const trace = asNobody([
        join(root, 'dist/cli/tsbpf.js'),
        'trace',
        'tracepoint:syscalls:sys_enter_getppid',
      ]);
      expect(trace.status).toBe(1);
      expect(trace.stderr.trim().split('\n')).toHaveLength(1);
      expect(trace.stderr).toMatch(/^tsbpf trace: .*(EPERM|EACCES|root)/);
    },
  );
});
