// cgroup v2 for attaching: where the unified hierarchy is mounted, read from /proc/self/mountinfo
// (/sys/fs/cgroup on a pure v2 system, /sys/fs/cgroup/unified on a hybrid one, anywhere in a
// container), a cgroup given by path checked and made absolute, and a cgroup's id (its directory's
// inode number: what bpf_get_current_cgroup_id and bpf_skb_cgroup_id return).
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { AttachError } from './link/link.js';

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Every cgroup2 mount point of this process's mount namespace, in mount order. */
export function cgroup2Mounts(): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const line of text.split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (dash < 0 || f[dash + 1] !== 'cgroup2') continue;
    const point = unescapeMountField(f[4] as string);
    if (!found.includes(point)) found.push(point);
  }
  return found;
}

/** Where cgroup v2 is mounted (the first cgroup2 mount), or undefined where it is not. */
export function cgroup2Mount(): string | undefined {
  return cgroup2Mounts()[0];
}

/**
 * The absolute path of a cgroup v2 directory: `path` as given when absolute, else relative to the
 * cgroup2 mount (`system.slice/x` → `/sys/fs/cgroup/system.slice/x`). Throws AttachError
 * 'unsupported' when no cgroup2 is mounted, 'not-found' when the directory does not exist or is
 * not inside a cgroup2 mount (a cgroup v1 hierarchy cannot take BPF programs).
 */
export function resolveCgroup(path: string): string {
  const mounts = cgroup2Mounts();
  if (mounts.length === 0)
    throw new AttachError(
      'unsupported',
      path,
      'cgroup v2 is not mounted (no cgroup2 in /proc/self/mountinfo)',
    );
  const full = isAbsolute(path) ? resolve(path) : join(mounts[0] as string, path);
  const under = mounts.find((m) => full === m || full.startsWith(m.endsWith('/') ? m : `${m}/`));
  if (!under)
    throw new AttachError(
      'not-found',
      path,
      `'${path}' is not a cgroup v2 directory (cgroup2 is mounted at ${mounts.join(', ')})`,
    );
  let dir = false;
  try {
    dir = statSync(full).isDirectory();
  } catch {
    // missing: said below
  }
  if (!dir) throw new AttachError('not-found', path, `no cgroup '${full}' (cgroup2 is mounted at ${under})`);
  return full;
}

/** A cgroup's id, as BPF helpers see it: the inode number of its directory. */
export function cgroupId(path: string): bigint {
  return statSync(resolveCgroup(path), { bigint: true }).ino;
}
