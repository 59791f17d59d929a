// The helper every kernel test uses.
//
//   import { kernelDescribe } from '../support/kernel.js';
//   kernelDescribe('maps', ['maps'], () => { it(...) });
//
// A kernel suite runs only where the kernel can run it; otherwise it shows ONE skipped test whose
// name says why ("skipped: needs root" …). With TSBPF_REQUIRE_KERNEL=1 (CI on the project's test
// host) a missing capability that host is expected to have — bpf, maps, prog_load, test_run,
// tracepoints, raw_tp, tp_btf, uprobes, ringbuf, btf, bpffs — FAILS the suite instead of skipping,
// so a broken kernel path can never hide behind a skip. Capabilities the host genuinely lacks
// (kprobes, fentry) still skip, with the reason.
//
// Probes are real (they create a map, load a program, look at sysfs) and cached per process.
import { existsSync, readFileSync } from 'node:fs';
import { cgroup2Mount, Program, probeAll, probeBpf, probeMapType, probeProgramType } from 'tsbpf';
import { describe, it } from 'vitest';

export type Capability =
  | 'bpf'
  | 'maps'
  | 'prog_load'
  | 'test_run'
  | 'tracepoints'
  | 'raw_tp'
  | 'tp_btf'
  | 'uprobes'
  | 'ringbuf'
  | 'btf'
  | 'bpffs'
  | 'cgroup2'
  | 'kprobes'
  | 'fentry';

/** Capabilities the project's test host has: under TSBPF_REQUIRE_KERNEL=1 their absence fails. */
export const EXPECTED_ON_HOST: ReadonlySet<Capability> = new Set<Capability>([
  'bpf',
  'maps',
  'prog_load',
  'test_run',
  'tracepoints',
  'raw_tp',
  'tp_btf',
  'uprobes',
  'ringbuf',
  'btf',
  'bpffs',
  'cgroup2',
]);

export const requireKernel = (): boolean => process.env.TSBPF_REQUIRE_KERNEL === '1';

const reasons = new Map<Capability, string | null>();

function probe(cap: Capability): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (cap === 'btf') return existsSync('/sys/kernel/btf/vmlinux') ? null : 'no /sys/kernel/btf/vmlinux';
  if (cap === 'kprobes')
    return existsSync('/sys/bus/event_source/devices/kprobe') ? null : 'no kprobe PMU (CONFIG_KPROBES unset)';
  if (cap === 'uprobes') return existsSync('/sys/bus/event_source/devices/uprobe') ? null : 'no uprobe PMU';
  if (cap === 'cgroup2') {
    if (!cgroup2Mount()) return 'cgroup v2 is not mounted';
    if (process.getuid?.() !== 0) return 'making test cgroups needs root';
  }
  if (cap === 'bpffs') return /\tbpf$/m.test(readFileSync('/proc/filesystems', 'latin1')) ? null : 'no bpffs';
  if (cap === 'tracepoints') {
    if (!/\ttracefs$/m.test(readFileSync('/proc/filesystems', 'latin1'))) return 'no tracefs';
  }
  const bpf = probeBpf();
  if (!bpf.supported)
    return `bpf(2) not usable: ${bpf.detail}${process.getuid?.() !== 0 ? ' (needs root)' : ''}`;
  const check = (feature: { supported: boolean; detail: string }, what: string) =>
    feature.supported ? null : `${what}: ${feature.detail}`;
  switch (cap) {
    case 'bpf':
    case 'maps':
      return check(probeMapType('hash'), 'hash map');
    case 'ringbuf':
      return check(probeMapType('ringbuf'), 'ringbuf map');
    case 'prog_load':
      return check(probeProgramType('socket_filter'), 'socket_filter load');
    case 'raw_tp':
      return check(probeProgramType('raw_tracepoint'), 'raw_tracepoint load');
    case 'tracepoints':
      return check(probeProgramType('tracepoint'), 'tracepoint load');
    case 'tp_btf':
      return check(
        probeAll().find((x) => x.name === 'tp_btf') ?? { supported: false, detail: '?' },
        'tp_btf',
      );
    case 'fentry':
      return check(
        probeAll().find((x) => x.name === 'fentry') ?? { supported: false, detail: '?' },
        'fentry',
      );
    case 'test_run': {
      const prog = Program.load({
        type: 'socket_filter',
        instructions: new Uint8Array([0xb7, 0, 0, 0, 0, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]),
      });
      try {
        prog.testRun({ data: new Uint8Array(64) });
        return null;
      } catch (err) {
        return `BPF_PROG_TEST_RUN: ${(err as Error).message}`;
      } finally {
        prog.close();
      }
    }
    default:
      return null;
  }
}

/** Why the kernel cannot do `cap` here, or null if it can. Cached. */
export function missing(cap: Capability): string | null {
  if (!reasons.has(cap)) {
    let reason: string | null;
    try {
      reason = probe(cap);
    } catch (err) {
      reason = `probe failed: ${(err as Error).message}`;
    }
    reasons.set(cap, reason);
  }
  return reasons.get(cap) ?? null;
}

/** Root and bpf(2) usable. */
export function kernelAvailable(): boolean {
  return missing('bpf') === null;
}

/** The first missing capability among `needs`, with its reason. */
function firstMissing(needs: readonly Capability[]): { cap: Capability; reason: string } | undefined {
  for (const cap of needs) {
    const reason = missing(cap);
    if (reason !== null) return { cap, reason };
  }
  return undefined;
}

/**
 * describe() for a kernel suite. `needs` lists the capabilities it uses ('bpf' is implied).
 * Skips with a reason, or fails under TSBPF_REQUIRE_KERNEL=1 for capabilities the host has.
 */
export function kernelDescribe(name: string, needs: readonly Capability[], body: () => void): void {
  const all: Capability[] = ['bpf', ...needs.filter((c) => c !== 'bpf')];
  const gap = firstMissing(all);
  if (gap === undefined) {
    describe(name, body);
  } else if (requireKernel() && EXPECTED_ON_HOST.has(gap.cap)) {
    describe(name, () => {
      it(`requires ${gap.cap} (TSBPF_REQUIRE_KERNEL=1)`, () => {
        throw new Error(`${gap.cap} is expected on this host but missing: ${gap.reason}`);
      });
    });
  } else {
    describe(name, () => {
      it.skip(`skipped: ${gap.cap}: ${gap.reason}`, () => {});
    });
  }
}
