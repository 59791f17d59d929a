// The README's first TypeScript block, run as written: compiled as a user's build would (esbuild,
// `using` lowered for Node 20), imported as 'tsbpf' from inside this package, in a child process.
// The test removes files with unlink(2) (its own fs.unlinkSync) and unlinkat(2) (rm) until the
// example prints them, then presses Ctrl-C (SIGINT): the example must end by itself, exit 0.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The first ```ts block of README.md. */
export function readmeFirstBlock(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /^```ts\n([\s\S]*?)^```$/m.exec(readme);
  if (!m) throw new Error('README.md has no ```ts block');
  return m[1] as string;
}

export interface ReadmeRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Removed with unlink(2) by this process. */
  unlinked: string[];
  /** Removed with unlinkat(2) by rm. */
  unlinkedAt: string[];
}

const until = async (what: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
};

export async function runReadmeTracer(timeoutMs = 60_000): Promise<ReadmeRun> {
  // Inside the package, so that `import … from 'tsbpf'` resolves to this package's build.
  const dir = join(root, `.readme-test-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'tsbpf-readme-'));
  const file = join(dir, 'first-block.mjs');
  const { code: js } = transformSync(readmeFirstBlock(), { loader: 'ts', format: 'esm', target: 'node20' });
  writeFileSync(file, js);
  const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const seen = (p: string) => stdout.includes(` ${p}\n`);
  const unlinked: string[] = [];
  const unlinkedAt: string[] = [];
  try {
    // The example prints nothing until an event: remove files until it shows one (attached).
    let n = 0;
    const ready = await until(() => {
      if (child.exitCode !== null) return true;
      if (stdout.includes(join(work, 'ping-'))) return true;
      const p = join(work, `ping-${n++}`);
      writeFileSync(p, '');
      unlinkSync(p);
      return false;
    }, timeoutMs - 10_000);
    if (ready && child.exitCode === null) {
      for (const name of ['a', 'b']) {
        const p = join(work, name);
        writeFileSync(p, '');
        unlinkSync(p);
        unlinked.push(p);
      }
      for (const name of ['c', 'd']) {
        writeFileSync(join(work, name), '');
        unlinkedAt.push(join(work, name));
      }
      execFileSync('rm', unlinkedAt);
      await until(() => [...unlinked, ...unlinkedAt].every(seen), 10_000);
      child.kill('SIGINT');
    }
    const end = await exited;
    return { ...end, stdout, stderr, unlinked, unlinkedAt };
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}
