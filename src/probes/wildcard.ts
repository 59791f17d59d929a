// Wildcard probes (`kprobe:vfs_*`, `uprobe:/bin/bash:*line*`, `tracepoint:syscalls:sys_enter_*`):
// the probe's kind expands the pattern into points (leaving out, and counting, those it cannot
// attach), then the points are attached in the cheapest way the kind and kernel allow:
//   - one program, one multi link (kprobe_multi, uprobe_multi), each point's index its cookie;
//   - one program, one link per point, each with its index as the cookie;
//   - one program per point (kinds whose arguments depend on the point: tracepoints).
// `p.func()`/`p.probe()` in the body read the index (cookie or constant) and decode as the name.

import type { Instruction } from '../../isa/instruction.js';
import { kindOf } from '../link/kinds/index.js';
import type { Kind } from '../link/kinds/kind.js';
import { AttachError, type Link } from '../link/link.js';
import { type MapResolver, Program } from '../program.js';
import { loadAndAttach } from './attach.js';
import type { ProbePoints } from './context.js';
import { listSources } from './list.js';
import type { Probe } from './probe.js';
import { type ProbeSpec, parseProbeSpec } from './spec.js';

/** How many points a wildcard may name unless the caller raises the limit (`--max N`, `maxProbes`). */
export const DEFAULT_MAX_PROBES = 1000;

/** A wildcard probe that matches more points than allowed, or none, or attaches nowhere. */
export class WildcardError extends Error {
  override name = 'WildcardError';
}

export interface WildcardHost {
  /** The most points one wildcard may name. */
  max: number;
  pid?: number;
  /** Use a multi link where the kind and kernel have one. */
  multi: boolean;
  /** Told once per probe about the points left out. */
  note(message: string): void;
  /** Compiles the probe body for `spec` seeing `points`. */
  compile(spec: ProbeSpec, points: ProbePoints): Instruction[];
  maps: MapResolver;
}

/** What a wildcard attached: how (for messages and tests) and how many points. */
export interface WildcardOutcome {
  mode: 'multi' | 'cookies' | 'programs';
  points: ProbeSpec[];
  /** Why a multi link was not used, where the kind has them. */
  multiUnavailable?: string;
}

/** Expands `probe`'s wildcard and attaches every point; throws WildcardError or AttachError. */
export async function attachWildcard(probe: Probe<unknown>, host: WildcardHost): Promise<WildcardOutcome> {
  const spec = probe.spec;
  const kind = kindOf(spec.kind);
  await kind.ready();
  const why = kind.precheck(spec);
  if (why) throw new WildcardError(`${spec.text}: cannot attach: ${why}`);
  const exp = kind.expand(spec, listSources());
  const skipped = (exp.skipped ?? []).filter((s) => s.count > 0);
  const left = skipped.reduce((n, s) => n + s.count, 0);
  if (left > 0)
    host.note(
      `${spec.text}: skipped ${left} of ${exp.targets.length + left} matches: ${skipped.map((s) => `${s.count} ${s.why}`).join(', ')}`,
    );
  const n = exp.targets.length;
  if (n === 0) throw new WildcardError(`${spec.text}: matches no probe point this kernel can attach`);
  if (n > host.max)
    throw new WildcardError(
      `${spec.text}: matches ${n} probe points, more than the limit of ${host.max}: pass --max ${n} (maxProbes) to attach them all`,
    );
  const points = exp.targets.map((t) => parseProbeSpec(`${kind.name}:${t}`));
  const names = {
    functions: points.map((p) => p.target),
    probes: points.map((p) => p.text),
  };
  if (!kind.descriptor.sharedProgram) {
    // One program per point, each knowing its own index.
    for (const [i, point] of points.entries()) {
      const instructions = host.compile(point, { ...names, index: i });
      const { program, link } = await loadAndAttach(point, {
        instructions,
        maps: host.maps,
        name: programName(point),
        pid: host.pid,
      });
      probe.attachments.push({ program, link });
    }
    probe.attached.push(...points);
    return { mode: 'programs', points };
  }
  // Arguments are registers whatever the point: one program (compiled for the pattern itself).
  const instructions = host.compile(spec, { ...names, index: 'cookie' });
  const multiUnavailable = host.multi ? kind.multiUnavailable() : 'not asked for';
  if (multiUnavailable === undefined) {
    const program = load(kind, instructions, host.maps, programName(spec), true);
    try {
      const link = kind.attachMulti(program, points, spec.text, { pid: host.pid });
      probe.attachments.push({ program, link });
      probe.attached.push(...points);
      return { mode: 'multi', points };
    } catch (err) {
      program.close();
      throw err;
    }
  }
  const program = load(kind, instructions, host.maps, programName(spec), false);
  const links: Link[] = [];
  const failed = new Set<string>();
  try {
    for (const [i, point] of points.entries()) {
      try {
        const link = kind.attach(program, point, { pid: host.pid, cookie: BigInt(i) });
        if (link) links.push(link);
      } catch (err) {
        // A point the kernel refuses (one of thousands) is counted, not fatal.
        if (!(err instanceof AttachError) || err.reason === 'permission') throw err;
        failed.add(point.target);
      }
    }
  } catch (err) {
    for (const l of links) l.close();
    program.close();
    throw err;
  }
  if (links.length === 0) {
    program.close();
    throw new WildcardError(`${spec.text}: none of its ${n} points could be attached`);
  }
  if (failed.size > 0) {
    const some = [...failed].slice(0, 3).join(', ');
    host.note(
      `${spec.text}: ${failed.size} of ${n} points could not be attached (${some}${failed.size > 3 ? ', …' : ''})`,
    );
  }
  // The program is shared: every attachment names it (closing it twice is harmless).
  for (const link of links) probe.attachments.push({ program, link });
  probe.attached.push(...points.filter((p) => !failed.has(p.target)));
  return { mode: 'cookies', points, multiUnavailable };
}

/** Loads a shared program of `kind`, for a multi link (`multi`) or for per-point links. */
function load(
  kind: Kind,
  instructions: Instruction[],
  maps: MapResolver,
  name: string,
  multi: boolean,
): Program {
  const d = kind.descriptor;
  const attachType = multi ? d.multi?.expectedAttachType : d.expectedAttachType;
  return Program.load({
    type: d.programType,
    ...(attachType ? { expectedAttachType: attachType } : {}),
    instructions,
    maps,
    name,
  });
}

/** A program name from a spec (15 characters at most, as the kernel allows). */
export function programName(spec: ProbeSpec): string {
  return `${spec.kind}_${spec.target}`.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 15);
}
