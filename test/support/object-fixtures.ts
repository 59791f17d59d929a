// Shared by the object tests: fixture paths and bpftool (used as an outside oracle when installed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/objects/', import.meta.url));
export const fixture = (name: string) => `${FIXTURES}${name}`;

export function bpftoolPath(): string | undefined {
  for (const p of ['/usr/sbin/bpftool', '/usr/bin/bpftool', '/usr/local/sbin/bpftool'])
    if (existsSync(p)) return p;
  return undefined;
}

export interface BpftoolProg {
  name: string;
  type: string;
  tag: string;
  bytes_xlated: number;
  map_ids?: number[];
}
export interface BpftoolMap {
  id: number;
  name: string;
  type: string;
  flags: number;
  bytes_key: number;
  bytes_value: number;
  max_entries: number;
  frozen?: number;
  /** Element 0's value bytes, for frozen (read-only data, .kconfig) maps. */
  value0?: Uint8Array;
}

/**
 * Loads an object with `bpftool prog loadall` into a fresh bpffs directory and returns what the
 * kernel then holds: the programs (by pin) and the maps they use. Everything is removed after.
 */
export function bpftoolLoadAll(tool: string, object: string): { progs: BpftoolProg[]; maps: BpftoolMap[] } {
  const dir = mkdtempSync('/sys/fs/bpf/tsbpf-objects-');
  try {
    execFileSync(tool, ['prog', 'loadall', object, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    const progs: BpftoolProg[] = [];
    const mapIds = new Set<number>();
    for (const pin of execFileSync('ls', [dir], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      const p = JSON.parse(
        execFileSync(tool, ['-j', 'prog', 'show', 'pinned', `${dir}/${pin}`], { encoding: 'utf8' }),
      ) as BpftoolProg;
      progs.push(p);
      for (const id of p.map_ids ?? []) mapIds.add(id);
    }
    const maps = [...mapIds].map(
      (id) =>
        JSON.parse(
          execFileSync(tool, ['-j', 'map', 'show', 'id', String(id)], { encoding: 'utf8' }),
        ) as BpftoolMap,
    );
    for (const m of maps) {
      if (m.frozen !== 1) continue;
      const dump = JSON.parse(
        execFileSync(tool, ['-j', 'map', 'dump', 'id', String(m.id)], { encoding: 'utf8' }),
      ) as { value: string[] }[];
      if (dump[0]) m.value0 = Uint8Array.from(dump[0].value.map((h) => Number.parseInt(h, 16)));
    }
    return { progs, maps };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
