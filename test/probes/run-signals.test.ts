// Ctrl-C ends a tracing session the way bpftrace users expect: `await tracer.run()` returns on
// SIGINT or SIGTERM, the code after it prints the aggregations, the process exits 0 by itself.
// And a probe's records can be read with `for await`.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tracer } from 'tsbpf';
import { afterAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { RM_COMM, removeFiles } from '../support/private-rm.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
// Inside the package, so that 'tsbpf' resolves to this build, as in a user's project.
const dir = join(root, `.run-signals-${process.pid}`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCRIPT = `
import { Tracer } from 'tsbpf';
const tracer = new Tracer({ comm: process.argv[2] });
tracer.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => { p.count('unlinks'); });
await tracer.start();
console.log('ready');
await tracer.run(__OPTIONS__);
console.log('unlinks', tracer.aggregation('unlinks').total());
tracer.close();
`;

/** Runs the script; once it is ready, removes 3 files under RM_COMM and sends `signal`. */
function session(signal: NodeJS.Signals, options = '') {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `session-${signal}-${options ? 'opt' : 'default'}.mjs`);
  writeFileSync(file, SCRIPT.replace('__OPTIONS__', options));
  const child = spawn(process.execPath, [file, RM_COMM], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.stdout.on('data', (d) => {
        stdout += d;
        if (stdout === 'ready\n') {
          removeFiles(3);
          child.kill(signal);
        }
      });
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code, sig) => {
        clearTimeout(killer);
        resolve({ code, signal: sig, stdout, stderr });
      });
    },
  );
}

kernelDescribe('Tracer.run() and signals', ['tracepoints', 'ringbuf'], () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`${signal}: run() resolves, the code after it prints the count, exit 0`, async () => {
      const r = await session(signal);
      expect(r.stderr).toBe('');
      expect(r).toMatchObject({ code: 0, signal: null, stdout: 'ready\nunlinks 3\n' });
    });

  it('stopOnSignals: false leaves signals to the process (SIGINT kills it as before)', async () => {
    const r = await session('SIGINT', '{ stopOnSignals: false }');
    expect(r).toMatchObject({ code: null, signal: 'SIGINT', stdout: 'ready\n' });
  });

  it('for await over a probe: its records in order; break detaches nothing else', async () => {
    using t = new Tracer({ comm: RM_COMM });
    const probe = t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) =>
      p.emit({ path: p.arg('pathname').string() }),
    );
    await t.start();
    const paths = removeFiles(3);
    const seen: string[] = [];
    for await (const e of probe) {
      seen.push(e.path as string);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(paths);
    // A second loop gets what comes next.
    const more = removeFiles(1);
    for await (const e of probe) {
      expect(e.path).toBe(more[0]);
      break;
    }
  });

  it('for await ends when the tracer closes', async () => {
    const t = new Tracer({ comm: 'no-such-comm' });
    const probe = t.probe('tracepoint:syscalls:sys_enter_unlinkat', (p) => p.emit({ pid: p.pid() }));
    await t.start();
    setTimeout(() => t.close(), 50);
    let n = 0;
    for await (const _ of probe) n++;
    expect(n).toBe(0);
  });
});
