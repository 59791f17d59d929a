// Program's logic through a fake kernel (no root): map references patched into the lddw, a
// rejection retried with a log and mapped to a VerifierError at the failing instruction, the
// EPERM path without a retry, test-run in/out, pin/openPinned and fromId/ids, no leaked fd.
// The real-kernel behaviour is tested in test/kernel/programs.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Builder, R1 } from '../../isa/builder/index.js';
import { Program, UnresolvedReferenceError } from '../../src/program.js';
import { Cmd } from '../../src/sys/bpf.js';
import { BpfError, Errno } from '../../src/sys/errno.js';
import { withSyscallFunnel } from '../../src/sys/funnel.js';
import { VerifierError } from '../../src/verifier.js';
import { FakeKernel } from '../support/fake-kernel.js';

let fake = new FakeKernel();
afterEach(() => {
  expect([...fake.fds.keys()], 'fds left open').toEqual([]);
  fake = new FakeKernel();
});
/** A test whose every bpf() call goes to the fake. */
const fit = (name: string, body: () => void) => it(name, () => withSyscallFunnel(fake, body));

const ret0 = () => new Builder().ret(0).build().instructions;

describe('Program logic (fake kernel)', () => {
  fit('loads without a log first and names the program', () => {
    using p = Program.load({ type: 'socket_filter', instructions: ret0(), name: 'ok' });
    expect(p.name).toBe('ok');
    expect(p.typeName).toBe('socket_filter');
    expect(fake.calls.map((c) => c.cmd)).toEqual([Cmd.PROG_LOAD]);
  });

  fit('a rejection is loaded again with a log and becomes a VerifierError at the instruction', () => {
    fake.fail(Cmd.PROG_LOAD, Errno.EACCES, 2);
    fake.verifierLog = '0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\nprocessed 2 insns';
    const insns = new Builder().mov(R1, 1).exit().build().instructions;
    let err: unknown;
    try {
      Program.load({ type: 'socket_filter', instructions: insns, name: 'bad' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.errno).toBe(Errno.EACCES);
    expect(v.log).toContain('R0 !read_ok');
    expect(v.message).toContain("socket_filter program 'bad'");
    expect(fake.calls.map((c) => c.cmd)).toEqual([Cmd.PROG_LOAD, Cmd.PROG_LOAD]);
  });

  fit('EPERM is reported as is, without a second load', () => {
    fake.fail(Cmd.PROG_LOAD, Errno.EPERM);
    expect(() => Program.load({ type: 'socket_filter', instructions: ret0() })).toThrow(BpfError);
    expect(fake.calls.length).toBe(1);
  });

  fit('a rejection with an empty log stays a BpfError with the hint', () => {
    fake.fail(Cmd.PROG_LOAD, Errno.EINVAL, 2);
    expect(() => Program.load({ type: 'socket_filter', instructions: ret0() })).toThrow(
      /BPF_PROG_LOAD.*unknown program type, bad expected attach type/,
    );
  });

  fit('map references: resolved fds go into the lddw, an unknown name fails before any syscall', () => {
    const b = new Builder();
    b.ldMap(R1, 'counts');
    const insns = b.ret(0).build().instructions;
    expect(() => Program.load({ type: 'socket_filter', instructions: insns, maps: {} })).toThrow(
      UnresolvedReferenceError,
    );
    expect(fake.calls).toEqual([]);
    using p = Program.load({ type: 'socket_filter', instructions: insns, maps: { counts: 77 } });
    expect(p.fd).toBeGreaterThan(0);
    expect(fake.lastInsns[1]).toBe((1 << 4) | 1); // src BPF_PSEUDO_MAP_FD, dst r1
    expect(fake.lastInsns.readInt32LE(4)).toBe(77);
  });

  fit('rejects bad names and bytecode before any syscall', () => {
    expect(() => Program.load({ type: 'socket_filter', instructions: ret0(), name: 'a-b' })).toThrow(
      TypeError,
    );
    expect(() => Program.load({ type: 'socket_filter', instructions: new Uint8Array(12) })).toThrow(
      /not a multiple of 8/,
    );
    expect(() => Program.load({ type: 'socket_filter', instructions: new Uint8Array(0) })).toThrow(
      RangeError,
    );
    expect(fake.calls).toEqual([]);
  });

  fit('testRun: data in, data and retval out; a short packet for XDP gets the Ethernet hint', () => {
    using p = Program.load({ type: 'socket_filter', instructions: ret0() });
    fake.retval = 7;
    const r = p.testRun({ data: new Uint8Array([1, 2, 3]), dataSizeOut: 8 });
    expect(r.retval).toBe(7);
    expect([...r.data]).toEqual([1, 2, 3]);
    using x = Program.load({ type: 'xdp', instructions: ret0() });
    fake.fail(Cmd.PROG_TEST_RUN, Errno.EINVAL);
    expect(() => x.testRun({ data: new Uint8Array(4) })).toThrow(/at least 14 bytes of data.*got 4/);
  });

  fit('pin, openPinned, fromId and ids reach the same program', () => {
    const dir = mkdtempSync(join(tmpdir(), `tsbpf-fake-prog-${process.pid}-`));
    try {
      using p = Program.load({ type: 'socket_filter', instructions: ret0(), name: 'pinned' });
      p.pin(join(dir, 'p'));
      using again = Program.openPinned(join(dir, 'p'));
      expect(again.name).toBe('pinned');
      const id = p.info().id;
      expect([...Program.ids()]).toEqual([id]);
      using byId = Program.fromId(id);
      expect(byId.info()).toMatchObject({ id, name: 'pinned', typeName: 'socket_filter', mapIds: [] });
      expect(() => Program.fromId(id + 1)).toThrow(/BPF_PROG_GET_FD_BY_ID/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
