// Which processes hold which BPF objects: every /proc/PID/fd entry that is a BPF program, map or
// link fd, and the object id its /proc/PID/fdinfo names (what `bpftool … show` prints as pids).
// Processes that vanish or deny access while being read are skipped.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface FdOwner {
  pid: number;
  comm: string;
}

export type OwnedKind = 'prog' | 'map' | 'link';

/** The anon inode name of each kind's fds and the fdinfo line that gives its id. */
const KINDS: Record<string, { kind: OwnedKind; field: string }> = {
  'anon_inode:bpf-prog': { kind: 'prog', field: 'prog_id' },
  'anon_inode:bpf-map': { kind: 'map', field: 'map_id' },
  'anon_inode:bpf_link': { kind: 'link', field: 'link_id' },
};

/** For each kind, object id → the processes holding an fd of it (each process once). */
export function bpfFdOwners(): Record<OwnedKind, Map<number, FdOwner[]>> {
  const out: Record<OwnedKind, Map<number, FdOwner[]>> = { prog: new Map(), map: new Map(), link: new Map() };
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return out;
  }
  for (const p of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    let comm: string | undefined;
    const seen = new Set<string>();
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${p}/fd/${fd}`);
      } catch {
        continue;
      }
      const k = KINDS[target];
      if (!k) continue;
      let id: number;
      try {
        const m = new RegExp(`^${k.field}:\\s*(\\d+)`, 'm').exec(
          readFileSync(`/proc/${p}/fdinfo/${fd}`, 'utf8'),
        );
        if (!m) continue;
        id = Number(m[1]);
      } catch {
        continue;
      }
      const key = `${k.kind}:${id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      try {
        comm ??= readFileSync(`/proc/${p}/comm`, 'utf8').trim();
      } catch {
        comm = '';
      }
      const list = out[k.kind].get(id) ?? [];
      list.push({ pid: Number(p), comm });
      out[k.kind].set(id, list);
    }
  }
  return out;
}
