// The USDT fixtures (test/fixtures/usdt/): sdt-fixture (probes of provider `tsbpf` with known
// arguments, all with semaphores) and thrower (C++, throws N exceptions through libstdc++), built
// once per process by the folder's build.sh with gcc/g++ and <sys/sdt.h>. Where the header or the
// compilers are missing the USDT suites skip, except in CI, where .ci/run installs them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SDT_HEADERS = ['/usr/include/x86_64-linux-gnu/sys/sdt.h', '/usr/include/sys/sdt.h'];

/** Why the fixtures cannot be built here, or undefined. */
export function usdtFixturesMissing(): string | undefined {
  if (process.arch !== 'x64') return `USDT argument specs are read for x86-64 only (this is ${process.arch})`;
  if (!SDT_HEADERS.some((h) => existsSync(h))) return 'no <sys/sdt.h> (Debian: systemtap-sdt-dev)';
  for (const tool of ['gcc', 'g++']) {
    try {
      execFileSync(tool, ['--version'], { stdio: 'ignore' });
    } catch {
      return `no ${tool}`;
    }
  }
  return undefined;
}

let built: { fixture: string; thrower: string } | undefined;

/** Paths of the built fixture and thrower. */
export function usdtFixtures(): { fixture: string; thrower: string } {
  if (built) return built;
  const script = fileURLToPath(new URL('../fixtures/usdt/build.sh', import.meta.url));
  const out = mkdtempSync(join(tmpdir(), 'tsbpf-usdt-'));
  execFileSync('sh', [script, out]);
  built = { fixture: join(out, 'sdt-fixture'), thrower: join(out, 'thrower') };
  return built;
}

/** Runs a fixture to its end; its stdout. */
export function runFixture(path: string, args: string[]): string {
  return execFileSync(path, args, { encoding: 'latin1' });
}

/** Starts a fixture with --wait: its pid once it has printed it; `go()` lets it run and gives its stdout. */
export async function startWaiting(
  path: string,
  args: string[],
): Promise<{ pid: number; go(): Promise<string> }> {
  const child = spawn(path, ['--wait', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const exited = new Promise<void>((resolve, reject) => {
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path} exited ${code}`))));
  });
  const pid = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /^pid (\d+)$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('error', reject);
  });
  return {
    pid,
    async go() {
      child.stdin.end('go\n');
      await exited;
      return out.replace(/^pid \d+\n/, '');
    },
  };
}
