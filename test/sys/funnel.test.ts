// The syscall funnel's own rules, on a scripted raw bpf(2): EINTR is retried, PROG_LOAD's EAGAIN
// a bounded number of times, other errnos come back as -errno, no syscall number means ENOSYS.
// And withSyscallFunnel: a fake replaces the kernel for everything made inside, and is removed after.
import { describe, expect, it } from 'vitest';
import { u32 } from '../../src/codec.js';
import { BpfMap } from '../../src/map.js';
import { Cmd } from '../../src/sys/bpf.js';
import { Errno } from '../../src/sys/errno.js';
import { funnel, kernelFunnel, type RawBpf, withSyscallFunnel } from '../../src/sys/funnel.js';
import { FakeKernel } from '../support/fake-kernel.js';

function scripted(results: number[], available = true): RawBpf & { calls: number } {
  let errno = 0;
  const raw = {
    calls: 0,
    available,
    call(): number {
      raw.calls++;
      const r = results.shift() ?? 0;
      if (r < 0) errno = -r;
      return r < 0 ? -1 : r;
    },
    callAt(): number {
      return raw.call();
    },
    errno: () => errno,
  };
  return raw;
}

describe('kernel funnel', () => {
  const attr = Buffer.alloc(8);
  it('retries EINTR until the call answers', () => {
    const raw = scripted([-Errno.EINTR, -Errno.EINTR, 7]);
    expect(kernelFunnel(raw).bpf(Cmd.MAP_LOOKUP_ELEM, attr, 8)).toBe(7);
    expect(raw.calls).toBe(3);
    const hot = scripted([-Errno.EINTR, 0]);
    expect(kernelFunnel(hot).bpfAt(Cmd.MAP_LOOKUP_ELEM, 0x1000, 32)).toBe(0);
    expect(hot.calls).toBe(2);
  });
  it('returns other errnos as -errno without retrying', () => {
    const raw = scripted([-Errno.ENOENT, 0]);
    expect(kernelFunnel(raw).bpf(Cmd.MAP_LOOKUP_ELEM, attr, 8)).toBe(-Errno.ENOENT);
    expect(raw.calls).toBe(1);
    expect(kernelFunnel(scripted([-Errno.EAGAIN, 0])).bpf(Cmd.MAP_UPDATE_ELEM, attr, 8)).toBe(-Errno.EAGAIN);
  });
  it("retries PROG_LOAD's EAGAIN a bounded number of times", () => {
    const once = scripted([-Errno.EAGAIN, 5]);
    expect(kernelFunnel(once).bpf(Cmd.PROG_LOAD, attr, 8)).toBe(5);
    const always = scripted(Array(20).fill(-Errno.EAGAIN));
    expect(kernelFunnel(always).bpf(Cmd.PROG_LOAD, attr, 8)).toBe(-Errno.EAGAIN);
    expect(always.calls).toBe(5);
  });
  it('answers ENOSYS without a call where bpf(2) has no syscall number', () => {
    const raw = scripted([0], false);
    expect(kernelFunnel(raw).bpf(Cmd.MAP_CREATE, attr, 8)).toBe(-Errno.ENOSYS);
    expect(kernelFunnel(raw).bpfAt(Cmd.MAP_LOOKUP_ELEM, 0x1000, 32)).toBe(-Errno.ENOSYS);
    expect(raw.calls).toBe(0);
  });
});

describe('withSyscallFunnel', () => {
  it('sends every call made inside to the fake and restores the kernel after', () => {
    const before = funnel();
    const fake = new FakeKernel();
    const m = withSyscallFunnel(fake, () =>
      BpfMap.create({ type: 'hash', key: u32, value: u32, maxEntries: 4 }),
    );
    expect(funnel()).toBe(before);
    m.set(1, 2); // the element hot path keeps the funnel its attrs point into
    expect(fake.calls.map((c) => c.cmd)).toEqual([Cmd.MAP_CREATE, Cmd.MAP_UPDATE_ELEM]);
    m.close();
    expect(fake.fds.size).toBe(0);
  });
  it('restores the previous funnel when the callback throws', () => {
    const before = funnel();
    expect(() =>
      withSyscallFunnel(new FakeKernel(), () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(funnel()).toBe(before);
  });
});
