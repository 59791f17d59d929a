// Loading and attaching one compiled probe, as its attach kind says. A kind's attach code is
// imported the first time a probe of that kind is used: a tracepoint tracer never loads the
// kprobe, uprobe (ELF) or tracing (BTF) code, which keeps `tsbpf trace tracepoint:…` close to a
// bare Node start.
import type { Btf } from '../../btf/parse.js';
import type { Instruction } from '../../isa/instruction.js';
import { type BtfTargetKind, findBtfTarget, missingBtfTarget } from '../link/btf-target.js';
import { kindOf } from '../link/kinds/index.js';
import { AttachError, type Link } from '../link/link.js';
import { type MapResolver, Program } from '../program.js';
import type { ProbeSpec } from './spec.js';

/** Why `spec` cannot work on this kernel before anything is loaded, or undefined. */
export async function precheck(spec: ProbeSpec): Promise<string | undefined> {
  const kind = kindOf(spec.kind);
  await kind.ready();
  return kind.precheck(spec);
}

/** The vmlinux BTF id a program of a BTF-targeted kind names at load time. */
async function vmlinuxTarget(kind: BtfTargetKind, spec: ProbeSpec): Promise<number> {
  const { vmlinuxTypeId } = await import('../btf-file.js');
  const id = findBtfTarget(vmlinuxTypeId, kind, spec.target);
  if (id === undefined)
    throw new AttachError(
      'not-found',
      spec.target,
      `${spec.kind}: no ${missingBtfTarget(kind, spec.target)} in vmlinux BTF`,
    );
  return id;
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

/**
 * Loads the program for `spec` and attaches it (a kind that runs once, BEGIN/END, is loaded and
 * not attached). On failure nothing stays open.
 */
export async function loadAndAttach(
  spec: ProbeSpec,
  input: AttachInput,
): Promise<{ program: Program; link: Link | undefined }> {
  const kind = kindOf(spec.kind);
  await kind.ready();
  const { instructions, maps, name } = input;
  const d = kind.descriptor;
  const program =
    kind.load(spec, { instructions, maps, name }) ??
    Program.load({
      type: d.programType,
      ...(d.expectedAttachType ? { expectedAttachType: d.expectedAttachType } : {}),
      ...(d.btfTarget ? { attachBtfId: await vmlinuxTarget(d.btfTarget, spec) } : {}),
      instructions,
      maps,
      name,
    });
  try {
    return { program, link: kind.attach(program, spec, { pid: input.pid }) };
  } catch (err) {
    program.close();
    throw err;
  }
}
