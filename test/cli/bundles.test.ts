// The command line's bundles (scripts/bundle-cli.mjs): each command runs from a file of its own
// holding that command and what it needs, and the executable picks it by the command's name.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli/', import.meta.url));
const MAIN = `${CLI}tsbpf.js`;
const bundle = (name: string) => readFileSync(`${CLI}commands/${name}.cjs`, 'latin1');
const tsbpf = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

/** The commands `tsbpf --help` lists. */
function commands(): string[] {
  const help = tsbpf('--help').stdout;
  return [...help.slice(help.indexOf('commands:')).matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1] as string);
}

describe('the CLI bundles', () => {
  it('every listed command has its own bundle, and there is no other', () => {
    const listed = commands();
    expect(listed).toContain('trace');
    expect(listed).toContain('asm');
    const files = readdirSync(`${CLI}commands`).map((f) => f.replace(/\.cjs$/, ''));
    expect(files.sort()).toEqual([...listed].sort());
  });

  it("a bundle holds its own command's code and no other's", () => {
    const usage = (text: string) => [...new Set(text.match(/usage: tsbpf [a-z-]+/g))].sort();
    expect(usage(bundle('trace'))).toEqual(['usage: tsbpf trace']);
    expect(usage(bundle('asm'))).toEqual(['usage: tsbpf asm']);
    expect(usage(readFileSync(`${CLI}tsbpf.cjs`, 'latin1'))).toEqual([]);
    // The FFI is only in the bundles of commands that talk to the kernel.
    expect(bundle('trace')).toContain('koffi');
    for (const name of ['asm', 'disasm', 'btf']) expect(bundle(name)).not.toContain('koffi');
  });

  it('runs the named command; help and unknown words go to the dispatcher', () => {
    const asm = spawnSync(process.execPath, [MAIN, 'asm', '--format', 'hex'], {
      input: 'r0 = 1\nexit\n',
      encoding: 'utf8',
    });
    expect(asm.status, asm.stderr).toBe(0);
    expect(asm.stdout).toBe('b7 00 00 00 01 00 00 00\n95 00 00 00 00 00 00 00\n');
    expect(tsbpf('--help').status).toBe(0);
    for (const word of ['nosuch', 'constructor', '../commands/asm', 'ASM']) {
      const r = tsbpf(word);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^tsbpf: unknown command '/);
    }
    expect(existsSync(`${CLI}commands/nosuch.cjs`)).toBe(false);
  });
});
