// Attaching a loaded object's program the way its section name says (libbpf's auto-attach):
// kprobe/NAME, kretprobe/NAME, ksyscall/NAME, tracepoint/GROUP/NAME, raw_tp/NAME, tp_btf/NAME,
// fentry/NAME, fexit/NAME, uprobe/BINARY:SYMBOL. Other kinds need a target we cannot guess
// (an interface, a cgroup) and are reported as such.

import type { SectionInfo } from '../format/object/sections.js';
import { attachKprobe, attachKretprobe } from '../link/kprobe.js';
import type { Link } from '../link/link.js';
import { attachRawTracepoint } from '../link/rawtp.js';
import { attachTracepoint } from '../link/tracepoint.js';
import { attachTracing } from '../link/tracing.js';
import { attachUprobe, attachUretprobe } from '../link/uprobe.js';
import type { Program } from '../program.js';

/** Why a program is not auto-attached (it may still be attached by hand). */
export class NotAutoAttachable extends Error {
  override name = 'NotAutoAttachable';
}

export function attachBySection(prog: Program, def: SectionInfo): Link {
  const t = def.target;
  const need = (what: string) => {
    if (!t) throw new NotAutoAttachable(`section '${def.section}' names no ${what} to attach to`);
  };
  switch (def.attach) {
    case 'kprobe':
      need('function');
      return attachKprobe(prog, t);
    case 'kretprobe':
      need('function');
      return attachKretprobe(prog, t);
    case 'ksyscall':
      need('system call');
      return attachKprobe(prog, t, { syscall: true });
    case 'kretsyscall':
      need('system call');
      return attachKretprobe(prog, t, { syscall: true });
    case 'tracepoint': {
      const slash = t.indexOf('/');
      if (slash <= 0) throw new NotAutoAttachable(`section '${def.section}' is not tracepoint/GROUP/NAME`);
      return attachTracepoint(prog, t.slice(0, slash), t.slice(slash + 1));
    }
    case 'raw_tp':
      need('tracepoint');
      return attachRawTracepoint(prog, t);
    case 'tp_btf':
      need('tracepoint');
      return attachTracing(prog, 'tp_btf', t);
    case 'fentry':
    case 'fexit':
      need('function');
      return attachTracing(prog, def.attach, t);
    case 'uprobe':
    case 'uretprobe': {
      // uprobe/BINARY:SYMBOL (libbpf also allows BINARY:SYMBOL+OFFSET; we take the symbol only).
      const colon = t.lastIndexOf(':');
      if (colon <= 0) throw new NotAutoAttachable(`section '${def.section}' is not uprobe/BINARY:SYMBOL`);
      const opts = { symbol: t.slice(colon + 1) };
      return def.attach === 'uprobe'
        ? attachUprobe(prog, t.slice(0, colon), opts)
        : attachUretprobe(prog, t.slice(0, colon), opts);
    }
    default:
      throw new NotAutoAttachable(
        `'${def.section}' programs (${def.programType}) need a target given by hand (an interface, cgroup or socket)`,
      );
  }
}
