// `tsbpf trace --help`'s readline example, run as printed: it must show the line bash read, not
// the address readline returned (a uprobe's registers are untyped; ret:str reads the string).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runChild } from '../support/child.js';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));

kernelDescribe('tsbpf trace --help: the readline example', ['uprobes', 'ringbuf'], () => {
  it('prints the line an interactive bash read', async () => {
    const help = spawnSync(process.execPath, [MAIN, 'trace', '--help'], { encoding: 'utf8' }).stdout;
    const example = /^\s*tsbpf (trace uretprobe:\/bin\/bash:readline.*)$/m.exec(help)?.[1];
    expect(example, help).toBeDefined();
    const args = (example as string).trim().split(/\s+/);
    const line = `echo readline-${process.pid}`;
    const r = await runChild(process.execPath, [MAIN, ...args, '--max-events', '1'], {
      ready: /tracing 1 probe/,
      // An interactive bash reads its commands through readline, also from a pipe.
      during: () => spawnSync('bash', ['--norc', '--noprofile', '-i'], { input: `${line}\nexit\n` }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`ret=${JSON.stringify(line)}`);
  });
});
