// Loading and attaching one compiled probe, per kind. The attach modules are imported only for
// the kinds a tracer uses: a tracepoint tracer never loads the kprobe, uprobe (ELF) or tracing
// (BTF) code, which keeps `tsbpf trace tracepoint:…` close to a bare Node start.
import type { Btf } from '../../btf/parse.js';
import type { Instruction } from '../../isa/instruction.js';
import { AttachError, type Link } from '../link/link.js';
import { attachTracepoint } from '../link/tracepoint.js';
import { type MapResolver, Program } from '../program.js';
import type { ProbeSpec } from './spec.js';

/** Why `spec` cannot work on this kernel before anything is loaded, or undefined. */
export async function precheck(spec: ProbeSpec): Promise<string | undefined> {
  if (spec.kind === 'kprobe' || spec.kind === 'kretprobe') {
    const { kprobesUnavailable } = await import('../link/kprobe.js');
    return kprobesUnavailable();
  }
  if (spec.kind === 'fentry' || spec.kind === 'fexit' || spec.kind === 'tp_btf') {
    const { tracingTargetId } = await import('../link/tracing.js');
    try {
      tracingTargetId(spec.kind, spec.target);
    } catch (err) {
      if (err instanceof AttachError) return err.message;
      throw err;
    }
  }
  return undefined;
}

/** The kernel's BTF, for the kinds whose arguments come from it (loaded on first use). */
export async function kernelBtfLoader(given: Btf | undefined): Promise<() => Btf> {
  if (given) return () => given;
  const { vmlinuxBtf } = await import('../btf-file.js');
  return vmlinuxBtf;
}

export interface AttachInput {
  instructions: Instruction[];
  maps: MapResolver;
  /** Program name (15 characters at most). */
  name: string;
  /** uprobes: only this process. */
  pid?: number;
}

/** Loads the program for `spec` and attaches it. On failure nothing stays open. */
export async function loadAndAttach(
  spec: ProbeSpec,
  input: AttachInput,
): Promise<{ program: Program; link: Link | undefined }> {
  const { instructions, maps, name } = input;
  let program: Program | undefined;
  try {
    switch (spec.kind) {
      case 'begin':
      case 'end':
        // Not attached: the tracer runs them once itself (BPF_PROG_TEST_RUN), with no arguments.
        program = Program.load({ type: 'raw_tracepoint', instructions, maps, name });
        return { program, link: undefined };
      case 'fentry':
      case 'fexit':
      case 'tp_btf': {
        const { attachTracing, loadTracingProgram } = await import('../link/tracing.js');
        program = loadTracingProgram(spec.kind, spec.target, { instructions, maps, name });
        return { program, link: attachTracing(program, spec.kind, spec.target) };
      }
      case 'tracepoint':
        program = Program.load({ type: 'tracepoint', instructions, maps, name });
        return { program, link: attachTracepoint(program, spec.category as string, spec.event as string) };
      case 'uprobe':
      case 'uretprobe': {
        const { attachUprobe } = await import('../link/uprobe.js');
        program = Program.load({ type: 'kprobe', instructions, maps, name });
        const link = attachUprobe(program, spec.binary as string, {
          symbol: spec.target,
          retprobe: spec.kind === 'uretprobe',
          pid: input.pid,
        });
        return { program, link };
      }
      case 'kprobe':
      case 'kretprobe': {
        const { attachKprobe } = await import('../link/kprobe.js');
        program = Program.load({ type: 'kprobe', instructions, maps, name });
        return { program, link: attachKprobe(program, spec.target, { retprobe: spec.kind === 'kretprobe' }) };
      }
    }
  } catch (err) {
    program?.close();
    throw err;
  }
}
