// A BPF link pinned in bpffs keeps the program attached after the Link is closed (until the pin is
// removed); info() names the link type and the program. On the real kernel (raw_tracepoint).
import { existsSync, rmSync } from 'node:fs';
import { attachRawTracepoint, Link } from 'tsbpf';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';
import { countingProgram, NR_GETPPID } from './programs.js';

const ONLY_GETPPID = `
    r1 = *(u64 *)(r6 + 8)
    if r1 != ${NR_GETPPID} goto out`;

function getppid(times: number): void {
  for (let i = 0; i < times; i++) void process.ppid;
}

kernelDescribe('pinned links', ['raw_tp', 'bpffs'], () => {
  it('info() names the link and its program; a pinned link stays attached after close()', () => {
    const dir = `/sys/fs/bpf/tsbpf-test-${process.pid}`;
    const path = `${dir}/link`;
    const c = countingProgram('raw_tracepoint', process.pid, {}, ONLY_GETPPID);
    try {
      const link = attachRawTracepoint(c.prog, 'sys_enter');
      const info = link.info();
      expect(info.type).toBe(1); // BPF_LINK_TYPE_RAW_TRACEPOINT
      expect(info.progId).toBe(c.prog.info().id);
      expect([...Link.ids()]).toContain(info.id);
      link.pin(path);
      link.close();
      getppid(50);
      expect(c.count()).toBe(50n);
      expect([...Link.ids()]).toContain(info.id); // the pin holds it (the kernel frees it after the unlink, later)
    } finally {
      c.close();
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    }
  });
});
