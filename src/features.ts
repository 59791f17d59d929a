// What this kernel supports, probed for real: create each map type, load a tiny program of each
// type, load a program calling each helper we use, look for PMUs, tracefs and BTF. Each probe
// runs at most once per process (results are cached), and every fd a probe opens is closed.
import { existsSync, readFileSync } from 'node:fs';
import { Builder, R0 } from '../isa/builder/index.js';
import { encode, type Instruction } from '../isa/instruction.js';
import { vmlinuxTypeId } from './btf-file.js';
import { closeRawFd } from './fd.js';
import { findBtfTarget } from './link/btf-target.js';
import { encodeKprobeMultiLink, encodeLinkCreate, encodeUprobeMultiLink } from './sys/attrs/link.js';
import { encodeMapBatch, encodeMapCreate } from './sys/attrs/map.js';
import { encodeProgLoad } from './sys/attrs/prog.js';
import { cString } from './sys/attrs/writer.js';
import { bpfTry, Cmd } from './sys/bpf.js';
import { Errno, errnoName } from './sys/errno.js';
import { getpagesize } from './sys/libc.js';
import { AttachType, MapFlags, MapType, ProgramType } from './sys/types.js';

export interface Feature {
  /** Group: `kernel`, `map`, `program`, `helper`, `attach`. */
  group: string;
  name: string;
  supported: boolean;
  /** Why not, or how it was decided (`EINVAL`, `needs BTF`, …). */
  detail: string;
}

const cache = new Map<string, Feature>();

function memo(group: string, name: string, probe: () => { supported: boolean; detail?: string }): Feature {
  const key = `${group}/${name}`;
  let f = cache.get(key);
  if (!f) {
    let r: { supported: boolean; detail?: string };
    try {
      r = probe();
    } catch (err) {
      r = { supported: false, detail: (err as Error).message };
    }
    f = { group, name, supported: r.supported, detail: r.detail ?? '' };
    cache.set(key, f);
  }
  return f;
}

function errnoDetail(errno: number): string {
  return errnoName(errno);
}

/** Creates a map with the given shape; returns 0 or -errno. */
function tryMap(
  type: number,
  key: number,
  value: number,
  max: number,
  flags = 0,
  inner = 0,
  extra = 0,
): number {
  const attr = encodeMapCreate({
    type,
    keySize: key,
    valueSize: value,
    maxEntries: max,
    flags,
    innerMapFd: inner,
    mapExtra: extra,
  });
  const fd = bpfTry(Cmd.MAP_CREATE, attr, attr.byteLength);
  if (fd >= 0) closeRawFd(fd);
  return fd >= 0 ? 0 : fd;
}

interface LoadProbe {
  type: number;
  insns: readonly Instruction[];
  attachType?: number;
  attachBtfId?: number;
  withLog?: boolean;
}

/** Loads a tiny program; returns 0 or -errno, and the log when asked for. */
function tryLoad(p: LoadProbe): { r: number; log: string } {
  const log = p.withLog ? Buffer.alloc(4096) : null;
  const attr = encodeProgLoad({
    type: p.type,
    insns: encode(p.insns),
    license: cString('GPL'),
    expectedAttachType: p.attachType,
    attachBtfId: p.attachBtfId,
    ...(log ? { log: { level: 1, buf: log } } : {}),
  });
  const fd = bpfTry(Cmd.PROG_LOAD, attr, attr.byteLength);
  if (fd >= 0) closeRawFd(fd);
  const text = log ? log.toString('utf8', 0, Math.max(0, log.indexOf(0))) : '';
  return { r: fd >= 0 ? 0 : fd, log: text };
}

/** r0 = 0; exit. */
const RET0 = new Builder().ret(0).build().instructions;

/** A call of helper `id`, then r0 = 0; exit (the helper's arguments are whatever r1-r5 hold). */
function callHelper(id: number): Instruction[] {
  return new Builder().call(id).mov(R0, 0).exit().build().instructions;
}

/** bpf(2) works at all: an array map can be created. */
export function probeBpf(): Feature {
  return memo('kernel', 'bpf syscall', () => {
    const r = tryMap(MapType.array, 4, 4, 1);
    return r === 0 ? { supported: true } : { supported: false, detail: errnoDetail(-r) };
  });
}

/** BPF_F_MMAPABLE array maps (5.5+): global variables are read and written through mmap. */
export function probeMmapableArray(): Feature {
  return memo('map', 'mmapable array', () => {
    const r = tryMap(MapType.array, 4, 4, 1, MapFlags.MMAPABLE);
    return r === 0 ? { supported: true } : { supported: false, detail: errnoDetail(-r) };
  });
}

function mapShape(type: number): [number, number, number, number, number?] | string {
  const page = getpagesize();
  switch (type) {
    case MapType.lpm_trie:
      return [8, 8, 1, MapFlags.NO_PREALLOC];
    case MapType.stack_trace:
      return [4, 8, 1, 0];
    case MapType.cgroup_storage:
    case MapType.percpu_cgroup_storage:
      return [16, 8, 0, 0];
    case MapType.queue:
    case MapType.stack:
    case MapType.bloom_filter:
      return [0, 4, 1, 0];
    case MapType.ringbuf:
    case MapType.user_ringbuf:
      return [0, 0, page, 0];
    case MapType.arena:
      return [0, 0, 1, MapFlags.MMAPABLE | MapFlags.NO_PREALLOC];
    case MapType.sk_storage:
    case MapType.inode_storage:
    case MapType.task_storage:
    case MapType.cgrp_storage:
    case MapType.struct_ops:
      return 'needs BTF: not probed';
    case MapType.array_of_maps:
    case MapType.hash_of_maps:
      return [4, 4, 1, 0, 1];
    default:
      return [4, 4, 1, 0];
  }
}

/** One map type, by name. */
export function probeMapType(name: string): Feature {
  return memo('map', name, () => {
    const type = (MapType as Record<string, number>)[name];
    if (type === undefined) return { supported: false, detail: 'unknown to tsbpf' };
    const shape = mapShape(type);
    if (typeof shape === 'string') return { supported: false, detail: shape };
    const [k, v, max, flags, needsInner] = shape;
    let inner = -1;
    if (needsInner) {
      const attr = encodeMapCreate({ type: MapType.array, keySize: 4, valueSize: 4, maxEntries: 1 });
      inner = bpfTry(Cmd.MAP_CREATE, attr, attr.byteLength);
      if (inner < 0) return { supported: false, detail: `inner map: ${errnoDetail(-inner)}` };
    }
    try {
      const r = tryMap(type, k, v, max, flags, Math.max(inner, 0));
      return r === 0 ? { supported: true } : { supported: false, detail: errnoDetail(-r) };
    } finally {
      if (inner >= 0) closeRawFd(inner);
    }
  });
}

/** Attach types a program type needs at load, and the BTF target for tracing types. */
function loadShape(name: string): Omit<LoadProbe, 'insns'> | string {
  const type = (ProgramType as Record<string, number>)[name] as number;
  switch (name) {
    case 'cgroup_sock_addr':
      return { type, attachType: AttachType.cgroup_inet4_connect };
    case 'cgroup_sockopt':
      return { type, attachType: AttachType.cgroup_getsockopt };
    case 'sk_lookup':
      return { type, attachType: AttachType.sk_lookup };
    case 'netfilter':
      return { type, attachType: AttachType.netfilter };
    case 'tracing': {
      const id = findBtfTarget(vmlinuxTypeId, 'tp_btf', 'sched_switch');
      return id === undefined
        ? 'no vmlinux BTF'
        : { type, attachType: AttachType.trace_raw_tp, attachBtfId: id };
    }
    case 'lsm': {
      const id = findBtfTarget(vmlinuxTypeId, 'func', 'bpf_lsm_file_open');
      return id === undefined
        ? 'no bpf_lsm_file_open in vmlinux BTF'
        : { type, attachType: AttachType.lsm_mac, attachBtfId: id };
    }
    case 'ext':
    case 'struct_ops':
      return 'needs a target program or struct_ops BTF: not probed';
    default:
      return { type };
  }
}

/** One program type, by name. */
export function probeProgramType(name: string): Feature {
  return memo('program', name, () => {
    if (!(name in ProgramType) || name === 'unspec') return { supported: false, detail: 'unknown to tsbpf' };
    const shape = loadShape(name);
    if (typeof shape === 'string') return { supported: false, detail: shape };
    const { r, log } = tryLoad({ ...shape, insns: RET0, withLog: true });
    if (r === 0) return { supported: true };
    // A verifier log means the type exists and only our tiny program was wrong for it.
    if (log.trim() !== '' && r !== -Errno.EPERM)
      return { supported: true, detail: `loads (probe program: ${errnoDetail(-r)})` };
    return { supported: false, detail: errnoDetail(-r) };
  });
}

/** Helpers our tools use: id and the program type to probe them in. */
export const PROBED_HELPERS: Readonly<Record<string, [number, string]>> = {
  map_lookup_elem: [1, 'socket_filter'],
  map_update_elem: [2, 'socket_filter'],
  map_delete_elem: [3, 'socket_filter'],
  ktime_get_ns: [5, 'tracepoint'],
  trace_printk: [6, 'tracepoint'],
  get_smp_processor_id: [8, 'tracepoint'],
  tail_call: [12, 'tracepoint'],
  get_current_pid_tgid: [14, 'tracepoint'],
  get_current_uid_gid: [15, 'tracepoint'],
  get_current_comm: [16, 'tracepoint'],
  perf_event_output: [25, 'tracepoint'],
  get_stackid: [27, 'tracepoint'],
  get_current_task: [35, 'tracepoint'],
  get_stack: [67, 'tracepoint'],
  probe_read_user: [112, 'tracepoint'],
  probe_read_kernel: [113, 'tracepoint'],
  probe_read_user_str: [114, 'tracepoint'],
  probe_read_kernel_str: [115, 'tracepoint'],
  ktime_get_boot_ns: [125, 'tracepoint'],
  ringbuf_output: [130, 'tracepoint'],
  ringbuf_reserve: [131, 'tracepoint'],
  ringbuf_submit: [132, 'tracepoint'],
  get_func_ip: [173, 'tracepoint'],
  get_attach_cookie: [174, 'tracepoint'],
  loop: [181, 'tracepoint'],
};

/** One helper, by name (from PROBED_HELPERS): a `call` it in its program type. */
export function probeHelper(name: string): Feature {
  return memo('helper', name, () => {
    const entry = PROBED_HELPERS[name];
    if (!entry) return { supported: false, detail: 'not in the probed list' };
    const [id, progType] = entry;
    const type = (ProgramType as Record<string, number>)[progType] as number;
    const { r, log } = tryLoad({ type, insns: callHelper(id), withLog: true });
    if (r === 0) return { supported: true, detail: `in ${progType}` };
    // Unknown or disallowed helpers are rejected by name; anything else is our argument setup.
    if (/invalid func|unknown func|program of this type cannot use helper/.test(log)) {
      return { supported: false, detail: `not in ${progType}` };
    }
    if (log.trim() === '') return { supported: false, detail: errnoDetail(-r) };
    return { supported: true, detail: `in ${progType}` };
  });
}

function pmuType(name: string): number | undefined {
  try {
    return Number(readFileSync(`/sys/bus/event_source/devices/${name}/type`, 'latin1').trim());
  } catch {
    return undefined;
  }
}

function filesystems(): string {
  try {
    return readFileSync('/proc/filesystems', 'latin1');
  } catch {
    return '';
  }
}

/** fentry/fexit programs load here (a tracing program against a vmlinux function). */
export function probeFentry(): Feature {
  return memo('attach', 'fentry', () => {
    const id =
      findBtfTarget(vmlinuxTypeId, 'func', 'bpf_fentry_test1') ??
      findBtfTarget(vmlinuxTypeId, 'func', 'do_sys_openat2');
    if (id === undefined) return { supported: false, detail: 'no target function in vmlinux BTF' };
    const { r } = tryLoad({
      type: ProgramType.tracing,
      attachType: AttachType.trace_fentry,
      attachBtfId: id,
      insns: RET0,
    });
    return r === 0 ? { supported: true } : { supported: false, detail: `load: ${errnoDetail(-r)}` };
  });
}

/** tp_btf programs load here. */
export function probeTpBtf(): Feature {
  return memo('attach', 'tp_btf', () => {
    const id = findBtfTarget(vmlinuxTypeId, 'tp_btf', 'sched_switch');
    if (id === undefined) return { supported: false, detail: 'no btf_trace_sched_switch in vmlinux BTF' };
    const { r } = tryLoad({
      type: ProgramType.tracing,
      attachType: AttachType.trace_raw_tp,
      attachBtfId: id,
      insns: RET0,
    });
    return r === 0 ? { supported: true } : { supported: false, detail: `load: ${errnoDetail(-r)}` };
  });
}

/** Loads a kprobe program for a multi link (expected attach type `attachType`): its fd, or -errno. */
function multiProgram(attachType: number): number {
  const attr = encodeProgLoad({
    type: ProgramType.kprobe,
    insns: encode(RET0),
    license: cString('GPL'),
    expectedAttachType: attachType,
  });
  return bpfTry(Cmd.PROG_LOAD, attr, attr.byteLength);
}

/** kprobe_multi links work here (5.18+ with fprobe): one is made on a kernel function and closed. */
export function probeKprobeMulti(): Feature {
  return memo('attach', 'kprobe_multi', () => {
    const prog = multiProgram(AttachType.trace_kprobe_multi);
    if (prog < 0) return { supported: false, detail: `load: ${errnoDetail(-prog)}` };
    try {
      let last = 0;
      for (const fn of ['bpf_fentry_test1', 'vfs_read']) {
        const attr = encodeKprobeMultiLink({ progFd: prog, syms: [fn] });
        const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
        if (fd >= 0) {
          closeRawFd(fd);
          return { supported: true };
        }
        last = -fd;
        if (last !== Errno.ENOENT && last !== Errno.ESRCH) break;
      }
      return { supported: false, detail: `link: ${errnoDetail(last)}` };
    } finally {
      closeRawFd(prog);
    }
  });
}

/**
 * uprobe_multi links work here (6.6+): a link on a directory fails with EBADF only where the
 * kernel knows the attach type (the way libbpf asks, without probing a real binary).
 */
export function probeUprobeMulti(): Feature {
  return memo('attach', 'uprobe_multi', () => {
    const prog = multiProgram(AttachType.trace_uprobe_multi);
    if (prog < 0) return { supported: false, detail: `load: ${errnoDetail(-prog)}` };
    try {
      const attr = encodeUprobeMultiLink({ progFd: prog, path: '/', offsets: [0n] });
      const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
      if (fd >= 0) closeRawFd(fd);
      return fd === -Errno.EBADF
        ? { supported: true }
        : { supported: false, detail: `link: ${errnoDetail(-fd)}` };
    } finally {
      closeRawFd(prog);
    }
  });
}

/** Everything, in a stable order. */
export function probeAll(): Feature[] {
  const out: Feature[] = [];
  const bpfOk = probeBpf();
  out.push(bpfOk);
  out.push(
    memo('kernel', 'vmlinux BTF', () =>
      existsSync('/sys/kernel/btf/vmlinux')
        ? { supported: true, detail: '/sys/kernel/btf/vmlinux' }
        : { supported: false, detail: 'no /sys/kernel/btf/vmlinux' },
    ),
  );
  out.push(
    memo('kernel', 'tracefs', () => {
      if (existsSync('/sys/kernel/tracing/events'))
        return { supported: true, detail: 'mounted at /sys/kernel/tracing' };
      if (existsSync('/sys/kernel/debug/tracing/events'))
        return { supported: true, detail: 'mounted at /sys/kernel/debug/tracing' };
      return /\ttracefs$/m.test(filesystems())
        ? { supported: true, detail: 'not mounted, mountable' }
        : { supported: false, detail: 'no tracefs in /proc/filesystems' };
    }),
  );
  out.push(
    memo('kernel', 'bpffs', () =>
      /\tbpf$/m.test(filesystems())
        ? { supported: true }
        : { supported: false, detail: 'no bpf in /proc/filesystems' },
    ),
  );
  out.push(
    memo('kernel', 'memlock rlimit charged', () => {
      const m = /^(\d+)\.(\d+)/.exec(readFileSync('/proc/sys/kernel/osrelease', 'latin1'));
      const old = m !== null && (Number(m[1]) < 5 || (Number(m[1]) === 5 && Number(m[2]) < 11));
      return {
        supported: old,
        detail: old ? 'before 5.11: raised automatically' : 'memcg accounting (5.11+)',
      };
    }),
  );
  for (const pmu of ['kprobe', 'uprobe']) {
    out.push(
      memo('attach', `${pmu} PMU`, () => {
        const t = pmuType(pmu);
        return t === undefined
          ? { supported: false, detail: `no /sys/bus/event_source/devices/${pmu}` }
          : { supported: true, detail: `type ${t}` };
      }),
    );
  }
  if (!bpfOk.supported) return out; // every other probe would say the same thing
  out.push(
    memo('attach', 'bpf_link', () => {
      // An invalid prog fd: EBADF from a kernel that knows the command, EINVAL from one that does not.
      const attr = encodeLinkCreate({ progFd: -1, attachType: 0 });
      const r = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
      return r === -Errno.EBADF ? { supported: true } : { supported: false, detail: errnoDetail(-r) };
    }),
  );
  out.push(probeFentry(), probeTpBtf(), probeKprobeMulti(), probeUprobeMulti());
  out.push(
    memo('attach', 'bpf cookie', () => {
      const f = probeHelper('get_attach_cookie');
      return { supported: f.supported, detail: 'bpf_get_attach_cookie' };
    }),
  );
  out.push(
    memo('map', 'batch ops', () => {
      const attr = encodeMapBatch({ mapFd: -1, count: 0 });
      const r = bpfTry(Cmd.MAP_LOOKUP_BATCH, attr, attr.byteLength);
      return r === -Errno.EBADF ? { supported: true } : { supported: false, detail: errnoDetail(-r) };
    }),
  );
  for (const name of Object.keys(MapType)) if (name !== 'unspec') out.push(probeMapType(name));
  for (const name of Object.keys(ProgramType)) if (name !== 'unspec') out.push(probeProgramType(name));
  for (const name of Object.keys(PROBED_HELPERS)) out.push(probeHelper(name));
  return out;
}
