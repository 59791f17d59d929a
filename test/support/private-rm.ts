// rm(1) under a command name of this test process's own. Test files run in parallel, and several
// of them remove files with `rm` while a probe filters on a command name: with a private name a
// test counts exactly its own removals.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The command name (comm) the private rm runs under: `rm` + this process's pid. */
export const RM_COMM = `rm${process.pid}`.slice(0, 15);
let path: string | undefined;

function privateRm(): string {
  if (!path) {
    path = join(mkdtempSync(join(tmpdir(), 'tsbpf-rm-')), RM_COMM);
    copyFileSync(execFileSync('sh', ['-c', 'command -v rm'], { encoding: 'utf8' }).trim(), path);
    execFileSync('chmod', ['755', path]);
  }
  return path;
}

/** Creates `n` files and removes them with one private rm (one unlinkat each); returns their paths. */
export function removeFiles(n: number, prefix = 'tsbpf-rm-'): string[] {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const paths = Array.from({ length: n }, (_, i) => join(dir, `f${i}`));
  for (const p of paths) writeFileSync(p, '');
  execFileSync(privateRm(), paths);
  rmSync(dir, { recursive: true });
  return paths;
}
