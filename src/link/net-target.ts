// What the networking kinds (XDP, tc) check before attaching: the interface, by name or index,
// in the calling thread's network namespace, and the program's type against the hook's.
import { ifNameToIndex } from '../sys/libc.js';
import { ProgramType, type ProgramTypeName } from '../sys/types.js';
import { AttachError, type LinkKind } from './link.js';

/** A network interface by name (`eth0`) or index (`2`, or 2). */
export type Iface = string | number;

/** The ifindex of `iface`; an unknown name is AttachError 'not-found'. */
export function ifindexOf(iface: Iface, kind: LinkKind): number {
  const text = String(iface);
  if (typeof iface === 'number' || /^[1-9][0-9]*$/.test(text)) {
    const n = Number(iface);
    if (!Number.isInteger(n) || n <= 0 || n > 0x7fff_ffff)
      throw new AttachError(
        'not-found',
        text,
        `${kind}: '${text}' is not an interface index (a positive integer)`,
      );
    return n;
  }
  if (text === '' || text.length > 15)
    throw new AttachError('not-found', text, `${kind}: '${text}' is not an interface name (1 to 15 bytes)`);
  const index = ifNameToIndex(text);
  if (index === 0)
    throw new AttachError(
      'not-found',
      text,
      `${kind}: no network interface '${text}' in this network namespace`,
    );
  return index;
}

/** Throws AttachError 'mismatch' unless `prog` is of type `want`. */
export function checkProgramType(
  prog: { type: number; name: string },
  want: ProgramTypeName,
  kind: LinkKind,
  target: string,
): void {
  if (prog.type === ProgramType[want]) return;
  const have = Object.entries(ProgramType).find(([, v]) => v === prog.type)?.[0] ?? `type ${prog.type}`;
  throw new AttachError(
    'mismatch',
    target,
    `${kind} on '${target}': program '${prog.name}' is a ${have} program; this hook takes ${want} programs`,
  );
}
