// Malformed command lines, as a new user types them: probe specs, options, files. Each must end
// with ONE clear line on stderr (naming what is wrong) and a non-zero exit status — never a
// JavaScript engine error (`Cannot read properties`, `is not a function`) or a stack.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), `tsbpf-malformed-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, data: string | Uint8Array): string => {
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
};
const ok = file('ok.s', 'r0 = 0\nexit\n');
const loop = file('loop.s', 'r0 = 0\nr0 += 1\nif r0 < 100 goto -2\nexit\n');
const badAsm = file('bad.s', 'r0 = 0\nconstructor r0\nexit\n');
const seven = file('seven.bin', new Uint8Array(7));
const garbage = file('garbage.o', 'not an ELF file at all\n');
const badResult = file('bad-result.data', '-- asm\nmov %r0, 1\nexit\n-- result\nconstructor\n');
const missingInclude = file('include.data', '-- asm @ no-such-file.asm\n-- result\n0x0\n');
const noData = mkdtempSync(join(dir, 'empty-'));

/** [command line, what the one line must say]. */
type Case = [string[], RegExp];

const pure: Case[] = [
  // commands
  [['constructor'], /unknown command 'constructor'/],
  [['__proto__'], /unknown command '__proto__'/],
  [['toString'], /unknown command 'toString'/],
  [['bogus'], /unknown command 'bogus'/],
  // probe specs that fail before any kernel work
  [['trace', 'constructor:foo'], /unknown probe type 'constructor'/],
  [['trace', 'toString:'], /unknown probe type 'toString'/],
  [['trace', '__proto__:x'], /unknown probe type '__proto__'/],
  [['trace', 'valueOf:'], /unknown probe type 'valueOf'/],
  [['trace', 'hasOwnProperty:x'], /unknown probe type 'hasOwnProperty'/],
  [['count', 'constructor:foo'], /unknown probe type 'constructor'/],
  [['count', '__proto__:bar'], /unknown probe type '__proto__'/],
  [['trace', 'nocolon'], /expected TYPE:TARGET/],
  [['trace', ''], /expected TYPE:TARGET/],
  [['trace', 'kprobe:'], /'' is not a function name/],
  [['trace', 'kprobe:1bad'], /'1bad' is not a function name/],
  [['trace', 'kprobe:foo bar'], /'foo bar' is not a function name/],
  [['trace', 'tracepoint:onlyone'], /expected tracepoint:CATEGORY:EVENT/],
  [['trace', 'tracepoint:a:b:c'], /expected tracepoint:CATEGORY:EVENT/],
  [['trace', 'uprobe:/bin/true'], /expected uprobe:BINARY:SYMBOL/],
  [['trace', 'uprobe::main'], /expected uprobe:BINARY:SYMBOL/],
  [['trace'], /name at least one probe/],
  [['count'], /name at least one probe/],
  [['hist'], /name one kernel function/],
  [['hist', 'a', 'b'], /name one kernel function/],
  [['hist', 'vfs read'], /'vfs read' is not a function name/],
  // options
  [['trace', '-n', '-1', 'tracepoint:sched:sched_switch'], /option '-n' needs a value.*--max-events=VALUE/],
  [['trace', '--max-events=-1', 'tracepoint:sched:sched_switch'], /--max-events: '-1' is not a positive/],
  [['trace', '-n', '0', 'tracepoint:sched:sched_switch'], /--max-events: '0' is not a positive/],
  [['trace', '-n', 'abc', 'tracepoint:sched:sched_switch'], /--max-events: 'abc' is not a positive/],
  [['trace', '-n', '1.5', 'tracepoint:sched:sched_switch'], /--max-events: '1.5' is not a positive integer/],
  [['trace', 'tracepoint:sched:sched_switch', '-n'], /option '-n, --max-events' needs a value/],
  [['trace', '--bogus'], /unknown option '--bogus'/],
  [['trace', '-x', 'tracepoint:sched:sched_switch'], /unknown option '-x'/],
  [['trace', '--json=yes', 'tracepoint:sched:sched_switch'], /option '--json' takes no value/],
  [['trace', '-b', '3', 'tracepoint:sched:sched_switch'], /--buffer: '3' MiB is not a power of 2/],
  [['trace', '--buffer', '4096', 'tracepoint:sched:sched_switch'], /--buffer: '4096' MiB/],
  [['trace', '--pid', 'abc', 'tracepoint:sched:sched_switch'], /--pid: 'abc' is not a positive/],
  [['trace', '--pid', '1.5', 'tracepoint:sched:sched_switch'], /--pid: '1.5' is not a process id/],
  [['trace', '--pid=-5', 'tracepoint:sched:sched_switch'], /--pid: '-5' is not a positive/],
  [['trace', '--pid', '2147483646', 'tracepoint:sched:sched_switch'], /--pid: no process 2147483646/],
  [['trace', '--comm', '', 'tracepoint:sched:sched_switch'], /--comm: '' is not a command name/],
  [['trace', '--comm', 'x'.repeat(20), 'tracepoint:sched:sched_switch'], /is not a command name/],
  [['trace', '-d', '0', 'tracepoint:sched:sched_switch'], /--duration: '0' is not a positive/],
  [['trace', '--duration=-1', 'tracepoint:sched:sched_switch'], /--duration: '-1' is not a positive/],
  [['trace', '--fields', 'a:bogus', 'tracepoint:sched:sched_switch'], /type 'bogus' is not one of/],
  [
    ['trace', '--fields', 'a:constructor', 'tracepoint:sched:sched_switch'],
    /type 'constructor' is not one of/,
  ],
  [['count', '--by', 'bogus', 'tracepoint:sched:sched_switch'], /'bogus' is not a value: a builtin/],
  [
    ['count', '--by', 'constructor', 'tracepoint:sched:sched_switch'],
    /'constructor' is not a value: a builtin/,
  ],
  [['count', '--top', '0', 'tracepoint:sched:sched_switch'], /--top: '0' is not a positive/],
  [['count', '--top', '2.5', 'tracepoint:sched:sched_switch'], /--top: '2.5' is not a positive integer/],
  [['count', '-t', '-3', 'tracepoint:sched:sched_switch'], /option '-t' needs a value/],
  [['count', '-i', 'x', 'tracepoint:sched:sched_switch'], /--interval: 'x' is not a positive/],
  [['hist', '--ns', '--ms', 'vfs_read'], /choose one of --ns, --us, --ms/],
  [['hist', '--by', 'pid', 'vfs_read'], /--by: 'pid' is not supported/],
  [['hist', '-i', '0', 'vfs_read'], /--interval: '0' is not a positive/],
  [['list', '--bogus'], /unknown option '--bogus'/],
  [['features', 'extra'], /unexpected argument 'extra'/],
  [['demo', '--bogus'], /unknown option '--bogus'/],
  [['isa-demo', 'extra'], /unexpected argument 'extra'/],
  // btf
  [['btf'], /expected a subcommand: dump or show/],
  [['btf', 'constructor'], /unknown subcommand 'constructor'/],
  [['btf', 'dump', '--format', 'xml'], /--format must be c, raw or json/],
  [['btf', 'dump', '--format', 'constructor'], /--format must be c, raw or json/],
  [['btf', 'show'], /show takes exactly one type name/],
  [['btf', 'show', 'a', 'b'], /show takes exactly one type name/],
  [['btf', 'dump', '--file', join(dir, 'no-such-file')], /no-such-file/],
  [['btf', 'dump', '--file', garbage], /BTF|magic/i],
  [['btf', 'dump', '--file', dir], /EISDIR|directory/],
  // asm / disasm / run / conformance
  [['asm', join(dir, 'no-such.s')], /no-such\.s/],
  [['asm', '--dialect', 'x', ok], /--dialect must be llvm or ubpf/],
  [['asm', '--format', 'x', ok], /--format must be raw, hex or elf/],
  [['asm', ok, ok], /at most one input file/],
  [['asm', badAsm], /bad\.s:2:\d+:/],
  [['asm', '--format', 'elf', '--map', 'm=constructor:4:4:1', ok], /'constructor' is not a map type/],
  [['asm', '--format', 'elf', '--map', 'm=__proto__:4:4:1', ok], /--map takes NAME=TYPE|is not a map type/],
  [['asm', '--format', 'elf', '--map', 'm=tostring:4:4:1', ok], /'tostring' is not a map type/],
  [['asm', '--format', 'elf', '--map', 'm=hash:4:4:99999999999', ok], /max entries 99999999999 is not in/],
  [['asm', '--format', 'elf', '--map', 'm=hash:4294967296:4:1', ok], /key size 4294967296 is not in/],
  [['asm', '--format', 'elf', '--map', 'm=hash:4:4:0', ok], /max entries 0 is not in/],
  [['asm', '--format', 'elf', '--map', 'm=hash:4:4:1:0x100000000', ok], /flags 0x100000000 is not in/],
  [['asm', '--format', 'elf', '--map', 'bad', ok], /--map takes NAME=TYPE:KEY:VALUE:MAX/],
  [['asm', '--map', 'm=hash:4:4:1', ok], /--map needs --format elf/],
  [['asm', '-o', join(dir, 'no-dir', 'out.bin'), ok], /no-dir/],
  [['disasm', join(dir, 'no-such.bin')], /no-such\.bin/],
  [['disasm', '--format', 'hex', garbage], /garbage\.o:1:1: 'not' is not hex bytes/],
  [['disasm', '--format', 'elf', seven], /seven\.bin: .*ELF/],
  [['disasm', garbage, '--format', 'constructor'], /--format/],
  [['run', join(dir, 'no-such.s')], /no-such\.s/],
  [['run', '--format', 'constructor', ok], /--format must be asm, raw, elf or data/],
  [['run', '--max-steps', '0', ok], /--max-steps must be a positive integer/],
  [['run', '--max-steps=-1', ok], /--max-steps must be a positive integer/],
  [['run', '--max-steps', '10', loop], /10 instructions|max/i],
  [['run', '--mem', 'zz', ok], /--mem:1:1: 'zz' is not hex bytes/],
  [['run', '--format', 'elf', garbage], /ELF/],
  [['run', badResult], /result 'constructor' is not a number/],
  [['run', missingInclude], /no-such-file\.asm/],
  [['run', '--dialect', 'constructor', ok], /--dialect must be llvm or ubpf/],
  [['conformance', join(dir, 'no-such-dir')], /is not a directory/],
  [['conformance', noData], /no \.data files/],
  [['conformance', dir, dir], /at most one directory/],
  // load
  [['load'], /expected one object file/],
  [['load', join(dir, 'no-such.o')], /no-such\.o/],
  [['load', garbage], /ELF/],
  [['load', '--set', 'novalue', garbage], /--set takes NAME=VALUE, not 'novalue'/],
  [['load', '--duration=-1', garbage], /--duration takes seconds/],
  [['load', '--kconfig', '=1', garbage], /--kconfig takes NAME=VALUE/],
];

/** These reach the kernel (tracefs, BTF, bpf(2)) before they fail. */
const kernel: Case[] = [
  [['trace', 'tracepoint:nocat:noevent'], /nocat:noevent/],
  [['trace', 'tp_btf:no_such_event_xyz'], /no_such_event_xyz/],
  [['count', 'tracepoint:syscalls:sys_enter_nothing'], /sys_enter_nothing/],
  [['trace', 'uprobe:/no/such/binary:main'], /\/no\/such\/binary/],
  [['trace', `uprobe:${garbage}:main`], /garbage\.o/],
  [
    ['trace', '--fields', 'bogus', 'tracepoint:sched:sched_switch'],
    /--fields: 'bogus' is not a field.*prev_comm/,
  ],
  [['btf', 'show', 'no_such_type_xyz'], /no type named 'no_such_type_xyz'/],
  [['btf', 'dump', 'no_such_type_xyz'], /no type named 'no_such_type_xyz'/],
];

function check([args, says]: Case): void {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 60_000 });
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(r.status, `exit status; stderr: ${r.stderr}`).not.toBe(0);
  expect(r.status, r.stderr).not.toBeNull();
  expect(r.stderr).not.toMatch(
    /Cannot read properties|is not a function(?! name)|Cannot destructure|\n\s+at \S|Error:/,
  );
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(says);
  // `tsbpf CMD: …`, or a compiler-style `FILE:LINE:COL: …` / `FILE: …` from asm and disasm.
  expect(lines[0]).toMatch(/^(tsbpf( [\w-]+)?|[^\s:]+(:\d+)*): \S/);
}

describe('malformed command lines: one clear line, non-zero exit', () => {
  it('has at least 60 cases', () => {
    expect(pure.length + kernel.length).toBeGreaterThanOrEqual(60);
  });
  for (const c of pure) it(c[0].map((a) => (a === '' ? "''" : a)).join(' '), () => check(c));
});

kernelDescribe('malformed command lines that reach the kernel', ['tracepoints', 'btf', 'uprobes'], () => {
  for (const c of kernel) it(c[0].join(' '), () => check(c));
});
