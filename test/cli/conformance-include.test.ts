// ubpf's test files may include their program (`-- asm @ FILE`): `tsbpf run` and `tsbpf
// conformance` read FILE relative to the .data file, and an unreadable FILE is an error naming
// it. And a local subprogram that runs off its end into the next one is refused as the kernel
// refuses it: "last insn is not an exit or jmp".
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConformanceFormatError, conformanceProgram, Interpreter, parseConformanceTest } from 'tsbpf/isa';
import { afterAll, describe, expect, it } from 'vitest';
import { runOnKernel } from '../../src/conformance-kernel.js';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), `tsbpf-include-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const tsbpf = (args: string[], cwd = tmpdir()) =>
  spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd, timeout: 60_000 });

mkdirSync(join(dir, 'suite', 'progs'), { recursive: true });
writeFileSync(join(dir, 'suite', 'progs', 'sum.asm'), 'mov %r0, 40\nadd %r0, 2\nexit\n');
writeFileSync(join(dir, 'suite', 'sum.data'), '-- asm @ progs/sum.asm\n-- result\n0x2a\n');
const missing = join(dir, 'missing.data');
writeFileSync(missing, '# the program lives elsewhere\n-- asm @ nowhere.asm\n-- result\n0x0\n');

/** main calls f and g; f has no exit and would run on into g. */
const FALLS_THROUGH = `-- asm
mov %r0, 0
call local f
call local g
exit
f:
mov %r0, 1
add %r0, 1
g:
mov %r0, 2
exit
-- result
0x2
`;

describe('-- asm @ FILE', () => {
  it('tsbpf run reads FILE relative to the .data file, from any working directory', () => {
    const r = tsbpf(['run', join(dir, 'suite', 'sum.data')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('r0 = 42 (0x2a)\n');
    expect(r.status).toBe(0);
  });

  it('tsbpf conformance runs an including test like any other', () => {
    const r = tsbpf(['conformance', join(dir, 'suite')]);
    expect(r.stdout).toBe('1 passed, 0 failed\n');
    expect(r.status).toBe(0);
  });

  it('an unreadable FILE is an error naming the test, its line and FILE', () => {
    const r = tsbpf(['run', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^tsbpf run: .*missing\.data:2: cannot read 'nowhere\.asm': ENOENT/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('the parser without a reader refuses the include instead of running an empty program', () => {
    expect(() => parseConformanceTest('x.data', '-- asm @ prog.asm\n')).toThrow(ConformanceFormatError);
    expect(() => parseConformanceTest('x.data', '-- asm @ prog.asm\n')).toThrow(/x\.data:1: .*'prog\.asm'/);
  });
});

describe('a subprogram without exit', () => {
  it('faults where the kernel refuses, with the kernel message', () => {
    const program = conformanceProgram(parseConformanceTest('f.data', FALLS_THROUGH));
    expect(() => new Interpreter(program).run()).toThrow(/last insn is not an exit or jmp/);
    const path = join(dir, 'falls.data');
    writeFileSync(path, FALLS_THROUGH);
    const r = tsbpf(['run', path]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/pc 5: r0 \+= 0x1: last insn is not an exit or jmp/);
  });

  it('a subprogram that ends in ja is fine (ubpf call-local-tail-jump)', () => {
    const text = '-- asm\nmov %r0, 0\ncall local body\nexit\nbody:\nmov %r0, 1\nexit\nadd %r0, 1\nja body\n';
    const program = conformanceProgram(parseConformanceTest('t.data', text));
    expect(new Interpreter(program).run().r0).toBe(1n);
  });
});

kernelDescribe('a subprogram without exit, in the kernel', ['prog_load', 'test_run'], () => {
  it('the kernel refuses it with the message the interpreter gives', () => {
    const program = conformanceProgram(parseConformanceTest('f.data', FALLS_THROUGH));
    const out = runOnKernel(program);
    expect(out.kind).toBe('rejected');
    expect(out.kind === 'rejected' && out.log).toMatch(/last insn is not an exit or jmp/);
  });
});
