// Attaching a loaded object's program the way its section name says (libbpf's auto-attach):
// kprobe/NAME, kretprobe/NAME, ksyscall/NAME, tracepoint/GROUP/NAME, raw_tp/NAME, tp_btf/NAME,
// fentry/NAME, fexit/NAME, uprobe/BINARY:SYMBOL — whichever attach kind claims the section's kind
// in the registry. Other kinds need a target we cannot guess (an interface, a cgroup) and are
// reported as such.
import type { SectionInfo } from '../format/object/sections.js';
import { kindForSection } from '../link/kinds/index.js';
import type { SectionTarget } from '../link/kinds/kind.js';
import type { Link } from '../link/link.js';
import type { Program } from '../program.js';

/** Why a program is not auto-attached (it may still be attached by hand). */
export class NotAutoAttachable extends Error {
  override name = 'NotAutoAttachable';
}

/**
 * Attaches `prog` where its section name says. Async because the kind's attach code is imported
 * on first use: importing the package loads no attach code.
 */
export async function attachBySection(prog: Program, def: SectionInfo): Promise<Link> {
  const kind = kindForSection(def.attach);
  if (!kind?.descriptor.attachSection)
    throw new NotAutoAttachable(
      `'${def.section}' programs (${def.programType}) need a target given by hand (an interface, cgroup or socket)`,
    );
  const target: SectionTarget = {
    need: (what) => {
      if (!def.target) throw new NotAutoAttachable(`section '${def.section}' names no ${what} to attach to`);
      return def.target;
    },
    malformed: (shape) => {
      throw new NotAutoAttachable(`section '${def.section}' is not ${shape}`);
    },
  };
  await kind.ready();
  return kind.attachSection(prog, def, target);
}
