// BTF-typed attach points: tp_btf (a tracepoint with typed arguments), fentry and fexit (a
// kernel function through a BPF trampoline). The program names its target at load time by
// vmlinux BTF id; attaching is BPF_LINK_CREATE (RAW_TRACEPOINT_OPEN on kernels before 5.8).
import { vmlinuxTypeId } from '../btf-file.js';
import { type LoadOptions, Program } from '../program.js';
import { encodeLinkCreate } from '../sys/attrs/link.js';
import { bpfTry, Cmd } from '../sys/bpf.js';
import { BpfError, Errno, errnoName } from '../sys/errno.js';
import { AttachType, type AttachTypeName } from '../sys/types.js';
import { AttachError, Link } from './link.js';
import { rawTracepointOpen } from './rawtp.js';

export type TracingKind = 'tp_btf' | 'fentry' | 'fexit';

const ATTACH: Record<TracingKind, AttachTypeName> = {
  tp_btf: 'trace_raw_tp',
  fentry: 'trace_fentry',
  fexit: 'trace_fexit',
};

/** The vmlinux BTF id a tracing program names: func `name`, or typedef `btf_trace_<name>`. */
export function tracingTargetId(kind: TracingKind, name: string): number {
  const id = kind === 'tp_btf' ? vmlinuxTypeId(`btf_trace_${name}`, 'typedef') : vmlinuxTypeId(name, 'func');
  if (id === undefined) {
    const what =
      kind === 'tp_btf' ? `tracepoint '${name}' (no btf_trace_${name} typedef)` : `function '${name}'`;
    throw new AttachError('not-found', name, `${kind}: no ${what} in vmlinux BTF (/sys/kernel/btf/vmlinux)`);
  }
  return id;
}

/** Program.load options for a tracing program aimed at `name`. */
export function tracingLoadOptions(
  kind: TracingKind,
  name: string,
): Pick<LoadOptions, 'type' | 'expectedAttachType' | 'attachBtfId'> {
  return { type: 'tracing', expectedAttachType: ATTACH[kind], attachBtfId: tracingTargetId(kind, name) };
}

/**
 * Loads a tracing program for `kind` on `name`. EPERM (a kernel that refuses trampolines even
 * to root) becomes an AttachError('permission') that says so.
 */
export function loadTracingProgram(
  kind: TracingKind,
  name: string,
  opts: Omit<LoadOptions, 'type' | 'expectedAttachType' | 'attachBtfId'>,
): Program {
  try {
    return Program.load({ ...opts, ...tracingLoadOptions(kind, name) });
  } catch (err) {
    if (err instanceof BpfError && (err.errno === Errno.EPERM || err.errno === Errno.EACCES)) {
      const root = process.getuid?.() === 0;
      const why = root
        ? 'this kernel refuses it even to root (no BPF trampoline on this machine, lockdown or a security module)'
        : 'needs root or CAP_BPF+CAP_PERFMON';
      throw new AttachError(
        'permission',
        name,
        `${kind} '${name}': program load failed with ${err.code}: ${why}`,
        err.errno,
      );
    }
    throw err;
  }
}

/** Attaches a loaded tracing program (tp_btf/fentry/fexit) to the target it was loaded for. */
export function attachTracing(prog: { fd: number }, kind: TracingKind, name: string): Link {
  const attr = encodeLinkCreate({ progFd: prog.fd, attachType: AttachType[ATTACH[kind]] });
  const fd = bpfTry(Cmd.LINK_CREATE, attr, attr.byteLength);
  if (fd >= 0) return new Link(fd, kind, name, 'link', false);
  if (-fd === Errno.EINVAL) return rawTracepointOpen(prog, null, kind, name); // before 5.8
  const errno = -fd;
  const reason =
    errno === Errno.EPERM || errno === Errno.EACCES
      ? 'permission'
      : errno === Errno.ENOTSUPP || errno === 524
        ? 'unsupported'
        : 'kernel';
  throw new AttachError(reason, name, `BPF_LINK_CREATE for ${kind} '${name}': ${errnoName(errno)}`, errno);
}

export const attachTpBtf = (prog: { fd: number }, name: string): Link => attachTracing(prog, 'tp_btf', name);
export const attachFentry = (prog: { fd: number }, name: string): Link => attachTracing(prog, 'fentry', name);
export const attachFexit = (prog: { fd: number }, name: string): Link => attachTracing(prog, 'fexit', name);
