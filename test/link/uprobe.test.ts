// uprobes on the real kernel: a function of a program the test builds (tsbpf_target) and a libc
// function (getppid, found through ld.so.cache), entry and return, through the uprobe PMU and
// through tracefs uprobe_events. Counts must equal the calls the target made.
import { execFileSync } from 'node:child_process';
import {
  AttachError,
  attachUprobe,
  attachUretprobe,
  ownProbes,
  resolveBinary,
  symbolFileOffset,
} from 'tsbpf';
import { beforeAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { openFds } from './fds.js';
import { countingProgram } from './programs.js';
import { startTarget, uprobeTarget } from './target.js';

kernelDescribe('uprobe attach', ['uprobes'], () => {
  let target: string;
  beforeAll(() => {
    target = uprobeTarget();
  });

  it('resolves symbols to the file offsets nm and readelf agree on', () => {
    // Oracle: binutils. nm gives st_value; readelf -S gives the section's address and offset.
    const nm = execFileSync('nm', [target], { encoding: 'latin1' });
    const value = BigInt(`0x${/^([0-9a-f]+) T tsbpf_target$/m.exec(nm)?.[1]}`);
    const sections = execFileSync('readelf', ['-SW', target], { encoding: 'latin1' });
    const text = /\.text\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(sections);
    const expected = Number(value - BigInt(`0x${text?.[1]}`)) + Number.parseInt(text?.[2] ?? '', 16);
    expect(symbolFileOffset(target, 'tsbpf_target')).toBe(expected);

    const libc = resolveBinary('libc.so.6');
    expect(libc).toMatch(/\/libc\.so\.6$/);
    const dyn = execFileSync('readelf', ['--dyn-syms', '-W', libc], { encoding: 'latin1' });
    const getppid = /^\s*\d+: ([0-9a-f]+)\s+\d+ FUNC\s+\w+\s+DEFAULT\s+\d+ getppid(@|$)/m.exec(dyn);
    // libc's code segment maps at file offset == vaddr for .text on Debian (checked by readelf -l).
    const segs = execFileSync('readelf', ['-lW', libc], { encoding: 'latin1' });
    const load = [
      ...segs.matchAll(/LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+) 0x[0-9a-f]+ R E/g),
    ][0];
    const v = Number.parseInt(getppid?.[1] ?? '', 16);
    const fileOffset = v - Number.parseInt(load?.[2] ?? '', 16) + Number.parseInt(load?.[1] ?? '', 16);
    expect(symbolFileOffset(libc, 'getppid')).toBe(fileOffset);

    // Every function libc exports, at readelf's value (first entry of a name, as the lookup takes).
    const shift = Number.parseInt(load?.[2] ?? '', 16) - Number.parseInt(load?.[1] ?? '', 16);
    const first = new Map<string, number>();
    for (const m of dyn.matchAll(/^\s*\d+: ([0-9a-f]+)\s+\d+ (?:FUNC|IFUNC)\s+\w+\s+\w+\s+(\d+) ([^@\s]+)/gm))
      if (!first.has(m[3] as string)) first.set(m[3] as string, Number.parseInt(m[1] as string, 16) - shift);
    expect(first.size).toBeGreaterThan(1000);
    const wrong = [...first].filter(([name, off]) => symbolFileOffset(libc, name) !== off);
    expect(wrong).toEqual([]);
    // A name that is only the start of others is not found in them.
    expect(() => symbolFileOffset(libc, 'getpp')).toThrow(/no function 'getpp'/);
  });

  for (const legacy of [false, true]) {
    const how = legacy ? 'tracefs uprobe_events' : 'uprobe PMU';
    it(`counts calls of a function of a built program, entry and return (${how})`, async () => {
      const before = openFds();
      const entry = countingProgram('kprobe', undefined);
      const ret = countingProgram('kprobe', undefined);
      try {
        const t = startTarget(300);
        const a = attachUprobe(entry.prog, target, { symbol: 'tsbpf_target', legacy });
        const b = attachUretprobe(ret.prog, target, { symbol: 'tsbpf_target', legacy });
        expect(a).toMatchObject({ kind: 'uprobe', legacy });
        expect(b).toMatchObject({ kind: 'uretprobe', legacy });
        if (legacy) expect(ownProbes('uprobe_events')).toHaveLength(2);
        expect(await t.go()).toBe(String(300 * 300 + 300));
        expect(entry.count()).toBe(300n);
        expect(ret.count()).toBe(300n);
        a.close();
        b.close();
        expect(ownProbes('uprobe_events')).toEqual([]); // tracefs definitions removed again
      } finally {
        entry.close();
        ret.close();
      }
      expect(openFds()).toBe(before);
    });
  }

  it('counts a libc function for one pid only', async () => {
    const c = countingProgram('kprobe', undefined);
    try {
      const t = startTarget(250);
      using link = attachUprobe(c.prog, 'libc.so.6', { symbol: 'getppid', pid: t.pid });
      expect(link.target).toMatch(/libc\.so\.6:getppid$/);
      for (let i = 0; i < 50; i++) void process.ppid; // Node's own getppid calls are another pid
      await t.go();
      expect(c.count()).toBe(250n);
    } finally {
      c.close();
    }
  });

  it('explains a missing binary, library or symbol', () => {
    const c = countingProgram('kprobe', undefined);
    try {
      const fail = (f: () => unknown) => {
        try {
          f();
        } catch (e) {
          return e as AttachError;
        }
        throw new Error('did not throw');
      };
      const a = fail(() => attachUprobe(c.prog, '/no/such/binary', { symbol: 'main' }));
      expect(a).toBeInstanceOf(AttachError);
      expect(a.message).toBe("uprobe: no file '/no/such/binary'");
      const b = fail(() => attachUprobe(c.prog, 'libnosuch.so.9', { symbol: 'x' }));
      expect(b.reason).toBe('not-found');
      expect(b.message).toMatch(/^uprobe: library 'libnosuch.so.9' not found/);
      const s = fail(() => attachUprobe(c.prog, target, { symbol: 'no_such_function' }));
      expect(s.message).toBe(`uprobe: no function 'no_such_function' in ${target} (.symtab/.dynsym)`);
      const e = fail(() => attachUprobe(c.prog, '/etc/hostname', { symbol: 'x' }));
      expect(e.message).toMatch(/^uprobe: cannot read '\/etc\/hostname' as ELF: /);
    } finally {
      c.close();
    }
  });
});
