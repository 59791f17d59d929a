// Link creation logic through a fake kernel (no root): which bpf command attaches, the fallback
// from LINK_CREATE to RAW_TRACEPOINT_OPEN on kernels before 5.8, and errnos mapped to AttachError
// reasons. The real attaches are tested in test/link/*.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Builder } from '../../isa/builder/index.js';
import { AttachError, Link } from '../../src/link/link.js';
import { attachRawTracepoint } from '../../src/link/raw-tracepoint.js';
import { attachTracing } from '../../src/link/tracing.js';
import { Program } from '../../src/program.js';
import { Cmd } from '../../src/sys/bpf.js';
import { Errno } from '../../src/sys/errno.js';
import { withSyscallFunnel } from '../../src/sys/funnel.js';
import { FakeKernel } from '../support/fake-kernel.js';

let fake = new FakeKernel();
afterEach(() => {
  expect([...fake.fds.keys()], 'fds left open').toEqual([]);
  fake = new FakeKernel();
});
const fit = (name: string, body: () => void) => it(name, () => withSyscallFunnel(fake, body));
const prog = (type: 'raw_tracepoint' | 'tracing') =>
  Program.load({ type, instructions: new Builder().ret(0).build().instructions });

describe('link logic (fake kernel)', () => {
  fit('raw tracepoints open by name; ENOENT and EPERM become AttachError reasons', () => {
    using p = prog('raw_tracepoint');
    using link = attachRawTracepoint(p, 'sys_enter');
    expect(link.mode).toBe('raw_tracepoint');
    expect(fake.lastTracepoint).toBe('sys_enter');
    fake.fail(Cmd.RAW_TRACEPOINT_OPEN, Errno.ENOENT);
    expect(() => attachRawTracepoint(p, 'nope')).toThrow(
      expect.objectContaining({ reason: 'not-found', target: 'nope', errno: Errno.ENOENT }),
    );
    fake.fail(Cmd.RAW_TRACEPOINT_OPEN, Errno.EPERM);
    expect(() => attachRawTracepoint(p, 'sys_enter')).toThrow(
      expect.objectContaining({ reason: 'permission' }),
    );
  });

  fit('tracing programs attach with LINK_CREATE, and with RAW_TRACEPOINT_OPEN(NULL) where it is EINVAL', () => {
    using p = prog('tracing');
    using first = attachTracing(p, 'tp_btf', 'sched_switch');
    expect(first.mode).toBe('link');
    fake.fail(Cmd.LINK_CREATE, Errno.EINVAL);
    fake.lastTracepoint = '';
    using old = attachTracing(p, 'fentry', 'do_unlinkat');
    expect(old.mode).toBe('raw_tracepoint');
    expect(fake.lastTracepoint).toBe(''); // a NULL name: the target is the one loaded for
    fake.fail(Cmd.LINK_CREATE, 524);
    let err: unknown;
    try {
      attachTracing(p, 'fexit', 'do_unlinkat');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AttachError);
    expect((err as AttachError).reason).toBe('unsupported');
    expect((err as AttachError).message).toContain("BPF_LINK_CREATE for fexit 'do_unlinkat'");
  });

  fit('links share the pin/info/ids helper with maps and programs', () => {
    const dir = mkdtempSync(join(tmpdir(), `tsbpf-fake-link-${process.pid}-`));
    try {
      using p = prog('raw_tracepoint');
      using link = attachRawTracepoint(p, 'sys_enter');
      const info = link.info();
      expect(info).toMatchObject({ type: 1, typeName: 'raw_tracepoint', id: info.id, progId: p.info().id });
      expect([...Link.ids()]).toEqual([info.id]);
      link.pin(join(dir, 'link'));
      expect(fake.pins.get(join(dir, 'link'))).toMatchObject({ kind: 'link', id: info.id });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
