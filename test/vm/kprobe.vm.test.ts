// Runs inside the qemu guest (Debian's 6.1 kernel: kprobes, kretprobes, tracefs kprobe_events,
// fentry/fexit). Every probe counts calls this process (or `rm`) makes, and the count must be
// exact. The tracefs file kprobe_events is the oracle for probe definitions and their cleanup.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AttachError,
  attachFentry,
  attachFexit,
  attachKprobe,
  attachKretprobe,
  kernelSymbol,
  kprobeBlacklist,
  ownProbes,
  tracefsRoot,
} from 'tsbpf';
import { afterEach, describe, expect, it } from 'vitest';
import { tracingLoadOptions } from '../../src/link/tracing.js';
import { distBuilt, holdProbe, killAndWait } from '../link/probe-owner.js';
import { countingProgram } from '../link/programs.js';

/** unlink(2) of a missing file: one do_unlinkat call each (ENOENT inside it). */
function unlinkMissing(times: number): void {
  for (let i = 0; i < times; i++) {
    try {
      unlinkSync(`/tmp/tsbpf-vm-missing-${i}`);
    } catch {
      // ENOENT, as intended
    }
  }
}

function kprobeEvents(): string {
  return readFileSync(`${tracefsRoot()}/kprobe_events`, 'latin1');
}

function failure(f: () => unknown): AttachError {
  try {
    f();
  } catch (e) {
    return e as AttachError;
  }
  throw new Error('did not throw');
}

afterEach(() => {
  expect(ownProbes('kprobe_events')).toEqual([]); // nothing left behind by any test
});

describe('kprobes in the VM', () => {
  for (const legacy of [false, true]) {
    const how = legacy ? 'tracefs kprobe_events' : 'kprobe PMU';
    it(`kprobe and kretprobe on do_unlinkat count every call (${how})`, () => {
      const entry = countingProgram('kprobe', process.pid);
      const ret = countingProgram('kprobe', process.pid);
      try {
        using a = attachKprobe(entry.prog, 'do_unlinkat', { legacy });
        using b = attachKretprobe(ret.prog, 'do_unlinkat', { legacy });
        expect(a).toMatchObject({ kind: 'kprobe', legacy, target: 'do_unlinkat' });
        expect(b).toMatchObject({ kind: 'kretprobe', legacy });
        if (legacy)
          expect(kprobeEvents()).toMatch(
            new RegExp(`^r\\d*:kprobes/tsbpf_${process.pid}_do_unlinkat_\\d+ do_unlinkat`, 'm'),
          );
        unlinkMissing(321);
        expect(entry.count()).toBe(321n);
        expect(ret.count()).toBe(321n);
        a.close();
        b.close();
        unlinkMissing(5);
        expect(entry.count()).toBe(321n);
      } finally {
        entry.close();
        ret.close();
      }
    });
  }

  it('TSBPF_KPROBE_LEGACY=1 forces the tracefs path; maxactive goes into the definition', () => {
    const c = countingProgram('kprobe', process.pid);
    process.env.TSBPF_KPROBE_LEGACY = '1';
    try {
      using a = attachKprobe(c.prog, 'do_unlinkat');
      expect(a.legacy).toBe(true);
      using b = attachKretprobe(c.prog, 'do_unlinkat', { legacy: true, maxactive: 16 });
      expect(kprobeEvents()).toMatch(
        new RegExp(`^r16:kprobes/tsbpf_${process.pid}_do_unlinkat_\\d+ do_unlinkat`, 'm'),
      );
      unlinkMissing(10);
      expect(c.count()).toBe(20n);
      void b;
    } finally {
      delete process.env.TSBPF_KPROBE_LEGACY;
      c.close();
    }
  });

  it("a syscall name resolves to the arch wrapper (unlinkat → __x64_sys_unlinkat), counting rm's calls", () => {
    // rm unlinks with unlinkat(2); count only tasks named "rm".
    const onlyRm = `
    r1 = r10
    r1 += -16
    r2 = 16
    call 16
    r1 = *(u32 *)(r10 - 16)
    r1 &= 0xffffff
    if r1 != 0x6d72 goto out`;
    const c = countingProgram('kprobe', undefined, {}, onlyRm);
    try {
      using link = attachKprobe(c.prog, 'unlinkat', { syscall: true });
      expect(link.target).toBe(process.arch === 'arm64' ? '__arm64_sys_unlinkat' : '__x64_sys_unlinkat');
      const dir = mkdtempSync('/tmp/tsbpf-rm-');
      const files = Array.from({ length: 17 }, (_, i) => join(dir, `f${i}`));
      for (const f of files) writeFileSync(f, '');
      execFileSync('rm', files);
      expect(c.count()).toBe(17n);
    } finally {
      c.close();
    }
  });

  it('explains a missing function, a syscall used as a function, and a blacklisted one', () => {
    const c = countingProgram('kprobe', process.pid);
    try {
      const missing = failure(() => attachKprobe(c.prog, 'tsbpf_no_such_function'));
      expect(missing).toBeInstanceOf(AttachError);
      expect(missing.reason).toBe('not-found');
      expect(missing.message).toBe(
        "kprobe: no kernel function 'tsbpf_no_such_function' (not in /proc/kallsyms)",
      );
      const sys = failure(() => attachKprobe(c.prog, 'unlinkat'));
      expect(sys.message).toMatch(/it is a syscall: use \{ syscall: true \} for __(x64|arm64)_sys_unlinkat/);
      const blacklist = kprobeBlacklist();
      expect(blacklist).not.toBeNull();
      const listed = [...(blacklist ?? [])].find((n) => kernelSymbol(n) !== undefined);
      expect(listed).toBeDefined();
      const black = failure(() => attachKprobe(c.prog, listed as string));
      expect(black.reason).toBe('not-traceable');
      expect(black.message).toBe(
        `kprobe: function '${listed}' cannot be probed (it is on the kprobe blacklist)`,
      );
    } finally {
      c.close();
    }
  });

  it('a SIGKILLed owner leaves its kprobe; the next legacy attach removes it', async () => {
    expect(distBuilt(), 'dist/ is missing: run npm run build').toBe(true);
    const child = await holdProbe('kprobe');
    const mine = () =>
      kprobeEvents()
        .split('\n')
        .filter((l) => l.includes(`/tsbpf_${child.pid}_`));
    expect(mine()).toHaveLength(1);
    expect((await killAndWait(child, 'SIGKILL')).signal).toBe('SIGKILL');
    expect(mine()).toHaveLength(1);
    const c = countingProgram('kprobe', process.pid);
    try {
      using _link = attachKprobe(c.prog, 'do_unlinkat', { legacy: true });
      expect(mine()).toEqual([]);
    } finally {
      c.close();
    }
  });
});

describe('fentry/fexit in the VM', () => {
  for (const kind of ['fentry', 'fexit'] as const) {
    it(`${kind} on do_unlinkat counts every call`, () => {
      const c = countingProgram('tracing', process.pid, tracingLoadOptions(kind, 'do_unlinkat'));
      try {
        using link =
          kind === 'fentry' ? attachFentry(c.prog, 'do_unlinkat') : attachFexit(c.prog, 'do_unlinkat');
        expect(link).toMatchObject({ kind, mode: 'link', target: 'do_unlinkat' });
        unlinkMissing(123);
        expect(c.count()).toBe(123n);
        link.close();
        unlinkMissing(3);
        expect(c.count()).toBe(123n);
      } finally {
        c.close();
      }
    });
  }
});
