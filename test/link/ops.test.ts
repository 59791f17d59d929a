// Link operations on real links: info() names each link's target (checked against bpftool's JSON
// for the same link), Link.ids/fromId/openPinned find a link again, pin/unpin, update() gives
// a link a new program (or refuses: raw tracepoint links cannot be updated) and detach() of a
// link type that cannot be detached: typed errors, the link still attached.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { attachRawTracepoint, attachTracepoint, BpfError, Link } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe, requireKernel } from '../support/kernel.js';
import { countingProgram, NR_GETPPID } from './programs.js';

const ONLY_GETPPID = `
    r1 = *(u64 *)(r6 + 8)
    if r1 != ${NR_GETPPID} goto out`;

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

function bpftoolLink(id: number): Record<string, unknown> {
  return JSON.parse(execFileSync('bpftool', ['-j', 'link', 'show', 'id', String(id)], { encoding: 'utf8' }));
}
const hasBpftool = existsSync('/usr/sbin/bpftool') || existsSync('/usr/bin/bpftool');

kernelDescribe('link operations', ['raw_tp', 'tracepoints', 'bpffs'], () => {
  it('fromId and openPinned find a raw tracepoint link; unpin removes the pin', () => {
    const dir = `/sys/fs/bpf/tsbpf-ops-${process.pid}`;
    const c = countingProgram('raw_tracepoint', process.pid, {}, ONLY_GETPPID);
    try {
      using link = attachRawTracepoint(c.prog, 'sys_enter');
      const info = link.info();
      expect(info.typeName).toBe('raw_tracepoint');
      expect(info.name).toBe('sys_enter');
      // CI installs bpftool (.ci/run): there its absence fails rather than skips the comparison.
      if (hasBpftool || requireKernel()) {
        const tool = bpftoolLink(info.id);
        expect(tool).toMatchObject({
          id: info.id,
          type: 'raw_tracepoint',
          prog_id: info.progId,
          tp_name: 'sys_enter',
        });
      }
      {
        using again = Link.fromId(info.id);
        expect(again.kind).toBe('raw_tracepoint');
        expect(again.target).toBe('sys_enter');
        expect(again.info().progId).toBe(c.prog.info().id);
      }
      link.pin(`${dir}/l`);
      expect(link.pinnedPath).toBe(`${dir}/l`);
      {
        using pinned = Link.openPinned(`${dir}/l`);
        expect(pinned.info().id).toBe(info.id);
      }
      link.unpin();
      expect(existsSync(`${dir}/l`)).toBe(false);
      expect(() => link.unpin()).toThrow(/not pinned/);
      // Raw tracepoint links cannot take another program or be detached: typed errors, still counting.
      const other = countingProgram('raw_tracepoint', process.pid, {}, ONLY_GETPPID);
      try {
        expect(() => link.update(other.prog)).toThrow(BpfError);
        expect(() => link.detach()).toThrow(BpfError);
      } finally {
        other.close();
      }
      getppid(7);
      expect(c.count()).toBe(7n);
    } finally {
      c.close();
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a tracepoint perf link reports its tracepoint; fromId of no link is a BpfError', () => {
    const c = countingProgram('tracepoint', process.pid);
    try {
      using link = attachTracepoint(c.prog, 'syscalls', 'sys_enter_getppid');
      const info = link.info();
      expect(info.typeName).toBe('perf_event');
      expect(info.perfEventType).toBe('tracepoint');
      expect(info.name).toBe('sys_enter_getppid');
      using again = Link.fromId(info.id);
      expect(again.kind).toBe('tracepoint');
      expect(again.target).toBe('sys_enter_getppid');
      expect([...Link.ids()]).toContain(info.id);
    } finally {
      c.close();
    }
    expect(() => Link.fromId(0x7fff_fff0)).toThrow(BpfError);
  });
});
