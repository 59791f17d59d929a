// kprobe/kretprobe: the kprobe PMU (perf_event_open with the function name in config1), or
// tracefs kprobe_events on kernels without it (or when asked: `legacy: true`,
// TSBPF_KPROBE_LEGACY=1). Before attaching, the target is checked so a failure says which one it
// is: no kprobes in this kernel, no such function, a blacklisted function, or permission.
import { existsSync, readFileSync } from 'node:fs';
import { kernelSymbol, kprobeBlacklist, syscallFunction, syscallPrefix } from '../kallsyms.js';
import { Errno, SysError } from '../sys/errno.js';
import { perfAttr } from '../sys/perf.js';
import { tracefsPath } from '../tracefs.js';
import { AttachError, type Link } from './link.js';
import { attachPerfEvent, openPerfEvent, type PerfAttachMode } from './perf-event.js';
import { createLegacyProbe, trackLegacyProbe } from './tracefs-probes.js';
import { attachTracepointId } from './tracepoint.js';

export interface KprobeOptions {
  /** Offset into the function (bytes). */
  offset?: number;
  retprobe?: boolean;
  /** kretprobe instances in flight at once (tracefs path only: `r<maxactive>:`). */
  maxactive?: number;
  /** `name` is a syscall (`unlinkat`): probe the arch wrapper (`__x64_sys_unlinkat`). */
  syscall?: boolean;
  /** Use tracefs kprobe_events instead of the kprobe PMU. Default: TSBPF_KPROBE_LEGACY=1 or no PMU. */
  legacy?: boolean;
  mode?: PerfAttachMode;
  cookie?: bigint;
}

/** A PMU's perf type and the config bit of its `retprobe` flag, from sysfs; undefined without it. */
export function pmuInfo(pmu: 'kprobe' | 'uprobe'): { type: number; retprobeBit: number } | undefined {
  const dir = `/sys/bus/event_source/devices/${pmu}`;
  try {
    const type = Number(readFileSync(`${dir}/type`, 'latin1').trim());
    const fmt = readFileSync(`${dir}/format/retprobe`, 'latin1').trim(); // "config:0"
    const m = /^config:(\d+)$/.exec(fmt);
    return { type, retprobeBit: m ? Number(m[1]) : 0 };
  } catch {
    return undefined;
  }
}

function tracefsHasKprobeEvents(): boolean {
  try {
    return existsSync(tracefsPath('kprobe_events'));
  } catch {
    return false;
  }
}

/** Why kprobes cannot work at all here, or undefined. */
export function kprobesUnavailable(): string | undefined {
  if (pmuInfo('kprobe') || tracefsHasKprobeEvents()) return undefined;
  return 'kernel without kprobes (CONFIG_KPROBES unset: no /sys/bus/event_source/devices/kprobe and no tracefs kprobe_events)';
}

/** The function a kprobe request names, after syscall resolution and the pre-attach checks. */
export function resolveKprobeTarget(name: string, syscall: boolean): string {
  const unavailable = kprobesUnavailable();
  if (unavailable) throw new AttachError('unsupported', name, `kprobe '${name}': ${unavailable}`);
  let fn = name;
  if (syscall) {
    const wrapped = syscallFunction(name);
    if (!wrapped) {
      const prefix = syscallPrefix();
      throw new AttachError(
        'not-found',
        name,
        `kprobe: no syscall '${name}' (no ${prefix ?? 'syscall wrapper '}${name} in /proc/kallsyms)`,
      );
    }
    fn = wrapped;
  }
  if (!kernelSymbol(fn)) {
    const hint = syscall
      ? ''
      : syscallFunction(fn)
        ? ` (it is a syscall: use { syscall: true } for ${syscallFunction(fn)})`
        : '';
    throw new AttachError(
      'not-found',
      fn,
      `kprobe: no kernel function '${fn}' (not in /proc/kallsyms)${hint}`,
    );
  }
  if (kprobeBlacklist()?.has(fn)) {
    throw new AttachError(
      'not-traceable',
      fn,
      `kprobe: function '${fn}' cannot be probed (it is on the kprobe blacklist)`,
    );
  }
  if (process.getuid?.() !== 0 && !hasCapabilities()) {
    throw new AttachError(
      'permission',
      fn,
      `kprobe '${fn}': needs root (or CAP_PERFMON + CAP_BPF)`,
      Errno.EPERM,
    );
  }
  return fn;
}

/** CAP_PERFMON (38) or CAP_SYS_ADMIN (21) in the effective set. */
function hasCapabilities(): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'latin1'));
    const eff = BigInt(`0x${m?.[1] ?? '0'}`);
    return (eff & ((1n << 38n) | (1n << 21n))) !== 0n;
  } catch {
    return false;
  }
}

function explainOpen(fn: string) {
  return (errno: number): AttachError | undefined => {
    if (errno === Errno.ENOENT)
      return new AttachError(
        'not-found',
        fn,
        `kprobe: no kernel function '${fn}' (perf_event_open: ENOENT)`,
        errno,
      );
    if (errno === Errno.EINVAL || errno === 84 /* EILSEQ: offset not on an instruction */) {
      return new AttachError(
        'not-traceable',
        fn,
        `kprobe: '${fn}' cannot be probed here (perf_event_open: ${errno === 84 ? 'EILSEQ, bad offset' : 'EINVAL'})`,
        errno,
      );
    }
    return undefined;
  };
}

/** Attaches a kprobe program to kernel function `name` (entry, or return with `retprobe`). */
export function attachKprobe(prog: { fd: number }, name: string, opts: KprobeOptions = {}): Link {
  const fn = resolveKprobeTarget(name, opts.syscall ?? false);
  const retprobe = opts.retprobe ?? false;
  const kind = retprobe ? 'kretprobe' : 'kprobe';
  const offset = opts.offset ?? 0;
  if (retprobe && offset !== 0)
    throw new AttachError('not-traceable', fn, `kretprobe '${fn}': a return probe takes no offset`);
  const target = offset ? `${fn}+${offset}` : fn;
  const pmu = pmuInfo('kprobe');
  const legacy =
    opts.legacy ??
    (process.env.TSBPF_KPROBE_LEGACY === '1' || pmu === undefined || opts.maxactive !== undefined);
  const attach = { mode: opts.mode, cookie: opts.cookie };

  if (!legacy && pmu) {
    const func = Buffer.from(`${fn}\0`, 'latin1');
    const attr = perfAttr({
      type: pmu.type,
      config: retprobe ? 1n << BigInt(pmu.retprobeBit) : 0n,
      config1String: func,
      config2: BigInt(offset),
      samplePeriod: 1n,
      wakeupEvents: 1,
    });
    const fd = openPerfEvent(attr, -1, 0, kind, target, explainOpen(fn));
    return attachPerfEvent(prog, fd, kind, target, attach);
  }

  const type = retprobe ? `r${opts.maxactive ?? ''}` : 'p';
  let probe: ReturnType<typeof createLegacyProbe>;
  try {
    probe = createLegacyProbe('kprobe_events', type, fn, offset ? `${fn}+${offset}` : fn);
  } catch (err) {
    if (err instanceof SysError && err.errno === Errno.ENOENT) {
      throw new AttachError(
        'not-found',
        fn,
        `kprobe: no kernel function '${fn}' (${err.message})`,
        err.errno,
      );
    }
    if (err instanceof SysError && err.errno === Errno.EINVAL) {
      throw new AttachError(
        'not-traceable',
        fn,
        `kprobe: '${fn}' cannot be probed (${err.message})`,
        err.errno,
      );
    }
    throw err;
  }
  const link = attachTracepointId(prog, probe.id, kind, target, {
    ...attach,
    legacy: true,
    release: probe.remove,
  });
  trackLegacyProbe(probe, () => link.close());
  return link;
}

/** attachKprobe with `retprobe: true`. */
export function attachKretprobe(
  prog: { fd: number },
  name: string,
  opts: Omit<KprobeOptions, 'retprobe'> = {},
): Link {
  return attachKprobe(prog, name, { ...opts, retprobe: true });
}
