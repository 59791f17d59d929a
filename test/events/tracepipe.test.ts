// trace_pipe: bpf_printk from a tracepoint program arrives parsed (task, pid, cpu, flags,
// timestamp, function, message); the parser also handles the line shapes other kernels print.
import { attachTracepoint, onlineCpus, parseTraceLine, TracePipeReader } from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { printkProducer } from './programs.js';

describe('trace_pipe line parsing', () => {
  it('parses the shapes kernels print', () => {
    expect(
      parseTraceLine('           <...>-12345   [001] d..31  6012.345678: bpf_trace_printk: hello world'),
    ).toEqual({
      task: '<...>',
      pid: 12345,
      cpu: 1,
      flags: 'd..31',
      timestamp: 6012.345678,
      function: 'bpf_trace_printk',
      message: 'hello world',
      raw: '           <...>-12345   [001] d..31  6012.345678: bpf_trace_printk: hello world',
    });
    // A task name with dashes and spaces, the record-tgid column, no flags column (old kernels).
    const a = parseTraceLine(' kworker/u8:2-my task-77 (  70) [003] 99.000001: bpf_trace_printk: x: y');
    expect(a).toMatchObject({
      task: 'kworker/u8:2-my task',
      pid: 77,
      tgid: 70,
      cpu: 3,
      flags: '',
      function: 'bpf_trace_printk',
      message: 'x: y',
    });
    const b = parseTraceLine('  node-5 [000] .... 1.5: bpf_trace_printk: ');
    expect(b).toMatchObject({ pid: 5, flags: '....', message: '' });
    expect(parseTraceLine('CPU:1 [LOST 12 EVENTS]')).toBeUndefined();
  });
});

kernelDescribe('trace_pipe reader', ['tracepoints'], () => {
  it('receives bpf_printk lines from this process', async () => {
    const tag = `tsbpf${process.pid % 1000}`;
    const p = printkProducer(process.pid, tag);
    try {
      using reader = TracePipeReader.open();
      reader.drain(() => {}); // whatever was there before
      using _link = attachTracepoint(p.prog, 'syscalls', 'sys_enter_getppid');
      for (let i = 0; i < 25; i++) void process.ppid;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), 5000);
      const mine = [];
      for await (const line of reader.records({ signal: ac.signal })) {
        if (line.message !== `${tag} ${process.pid}`) continue;
        mine.push(line);
        if (mine.length === 25) ac.abort();
      }
      clearTimeout(timer);
      expect(mine).toHaveLength(25);
      for (const l of mine) {
        expect(l.pid).toBe(process.pid);
        expect(l.function).toBe('bpf_trace_printk');
        expect(onlineCpus()).toContain(l.cpu);
        expect(l.timestamp).toBeGreaterThan(0);
      }
      const times = mine.map((l) => l.timestamp);
      expect([...times].sort((x, y) => x - y)).toEqual(times);
    } finally {
      p.close();
    }
  });
});
