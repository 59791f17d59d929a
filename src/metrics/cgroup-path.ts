// cgroup v2 ids (what bpf_get_current_cgroup_id returns: the cgroup directory's inode number) to
// paths, for a readable `cgroup` label. The tree is walked again at most every few seconds when
// an id is not known yet; an id that still has no directory (a cgroup gone since) stays a number.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Mount } from '../cgroup.js';

const RESCAN_MS = 5000;

export class CgroupPaths {
  #root: string | undefined | null = null;
  #paths = new Map<string, string>();
  #scannedAt = Number.NEGATIVE_INFINITY;

  /** The path of cgroup `id` below the cgroup2 mount (`/` for the root), or the id as text. */
  path(id: unknown): string {
    const key = String(id);
    const known = this.#paths.get(key);
    if (known !== undefined) return known;
    if (performance.now() - this.#scannedAt >= RESCAN_MS) {
      this.#scan();
      const found = this.#paths.get(key);
      if (found !== undefined) return found;
    }
    return key;
  }

  #scan(): void {
    this.#scannedAt = performance.now();
    if (this.#root === null) this.#root = cgroup2Mount();
    if (!this.#root) return;
    const root = this.#root;
    const paths = new Map<string, string>();
    const walk = (dir: string, rel: string, depth: number) => {
      try {
        paths.set(String(statSync(dir, { bigint: true }).ino), rel || '/');
        if (depth > 32) return;
        for (const e of readdirSync(dir, { withFileTypes: true }))
          if (e.isDirectory()) walk(join(dir, e.name), `${rel}/${e.name}`, depth + 1);
      } catch {
        // A cgroup removed while walking: skip it.
      }
    };
    walk(root, '', 0);
    this.#paths = paths;
  }
}

export { cgroup2Mount };
