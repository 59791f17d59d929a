// Tracepoints on the real kernel: a program counting sys_enter_getppid by this process, attached
// through a BPF perf link and through PERF_EVENT_IOC_SET_BPF. `process.ppid` is one getppid(2)
// per read, so the count must equal the number of reads exactly.
import { AttachError, attachTracepoint, tracepointFormat, tracepointId } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { openFds } from './fds.js';
import { countingProgram } from './programs.js';

function getppid(times: number): void {
  let sum = 0;
  for (let i = 0; i < times; i++) sum += process.ppid;
  expect(sum).toBeGreaterThan(0);
}

kernelDescribe('tracepoint attach', ['tracepoints'], () => {
  for (const mode of ['link', 'ioctl'] as const) {
    it(`counts every getppid of this process (${mode})`, () => {
      const before = openFds();
      const c = countingProgram('tracepoint', process.pid);
      try {
        const link = attachTracepoint(c.prog, 'syscalls', 'sys_enter_getppid', { mode });
        expect(link.mode).toBe(mode);
        expect(link.kind).toBe('tracepoint');
        getppid(1234);
        expect(c.count()).toBe(1234n);
        link.close();
        link.close(); // idempotent
        getppid(100);
        expect(c.count()).toBe(1234n); // detached: no more counts
      } finally {
        c.close();
      }
      expect(openFds()).toBe(before);
    });
  }

  it('works with `using`', () => {
    const c = countingProgram('tracepoint', process.pid);
    try {
      {
        using _link = attachTracepoint(c.prog, 'syscalls', 'sys_enter_getppid');
        getppid(10);
      }
      getppid(10);
      expect(c.count()).toBe(10n);
    } finally {
      c.close();
    }
  });

  it('says which tracepoint does not exist', () => {
    const c = countingProgram('tracepoint', process.pid);
    try {
      const err = (() => {
        try {
          attachTracepoint(c.prog, 'syscalls', 'sys_enter_no_such_call');
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(AttachError);
      expect((err as AttachError).reason).toBe('not-found');
      expect((err as AttachError).message).toMatch(/no tracepoint syscalls:sys_enter_no_such_call/);
      expect(() => attachTracepoint(c.prog, '../x', 'y')).toThrow(/bad tracepoint category/);
    } finally {
      c.close();
    }
  });

  it('rejects a program of the wrong type with the reason', () => {
    const c = countingProgram('socket_filter', undefined);
    try {
      expect(() => attachTracepoint(c.prog, 'syscalls', 'sys_enter_getppid')).toThrow(AttachError);
      expect(() => attachTracepoint(c.prog, 'syscalls', 'sys_enter_getppid')).toThrow(/EINVAL/);
    } finally {
      c.close();
    }
  });

  it('reads ids and formats from tracefs', () => {
    const id = tracepointId('syscalls', 'sys_enter_unlinkat');
    const fmt = tracepointFormat('syscalls', 'sys_enter_unlinkat');
    expect(fmt.id).toBe(id);
    expect(fmt.name).toBe('sys_enter_unlinkat');
    const path = fmt.byName.get('pathname');
    expect(path).toMatchObject({ type: 'const char *', size: 8, dataLoc: false, common: false });
    expect(fmt.fields.find((f) => f.name === 'common_pid')).toMatchObject({
      offset: 4,
      size: 4,
      signed: true,
      common: true,
    });
    const comm = tracepointFormat('sched', 'sched_switch').byName.get('prev_comm');
    expect(comm).toMatchObject({ arrayLength: 16, size: 16 });
  });
});

describe('tracepoint format parsing', () => {
  it('parses fields, arrays and __data_loc', async () => {
    const { parseTracepointFormat, FormatParseError } = await import('tsbpf');
    const text = [
      'name: demo',
      'ID: 42',
      'format:',
      '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
      '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
      '',
      '\tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;',
      '\tfield:char comm[16];\toffset:12;\tsize:16;\tsigned:0;',
      '\tfield:const char * path;\toffset:32;\tsize:8;\tsigned:0;',
      '',
      'print fmt: "%s", __get_str(name)',
    ].join('\n');
    const f = parseTracepointFormat(text);
    expect(f).toMatchObject({ name: 'demo', id: 42, printFmt: '"%s", __get_str(name)' });
    expect(f.fields.map((x) => [x.name, x.common])).toEqual([
      ['common_type', true],
      ['common_pid', true],
      ['name', false],
      ['comm', false],
      ['path', false],
    ]);
    expect(f.byName.get('name')).toMatchObject({
      dataLoc: true,
      type: '__data_loc char[]',
      offset: 8,
      size: 4,
    });
    expect(f.byName.get('comm')).toMatchObject({ arrayLength: 16, type: 'char[16]' });
    expect(f.byName.get('path')).toMatchObject({ type: 'const char *' });
    expect(() => parseTracepointFormat('name: x\nID: 1\n\tfield:int a;\toffset:zz;')).toThrow(
      FormatParseError,
    );
    expect(() => parseTracepointFormat('name: x\nID: 1\n\tfield:int a;\toffset:zz;')).toThrow(
      /format line 3/,
    );
  });
});
