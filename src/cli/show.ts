// `tsbpf show progs|maps|links [ID] [--json]`: the BPF programs, maps and links loaded in the
// kernel, like `bpftool prog|map|link show` — with --json, the same field names bpftool uses, so
// scripts written for one read the other.
import { readFileSync } from 'node:fs';
import { closeRawFd } from '../fd.js';
import { bpfFdOwners, type FdOwner, type OwnedKind } from '../fd-owners.js';
import {
  LINK_OBJECTS,
  MAP_OBJECTS,
  type ObjectKind,
  objectIds,
  openObjectById,
  PROGRAM_OBJECTS,
} from '../kernel-object.js';
import { netfilterTarget } from '../link/link-info.js';
import { type LinkInfo, readLinkInfo, readMapInfo, readProgInfo } from '../sys/attrs/info.js';
import { BpfError, Errno } from '../sys/errno.js';
import { command } from './command.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf show progs|maps|links [ID] [--json]

Lists the BPF programs, maps or links loaded in the kernel (all of them, or the one with kernel
id ID), like 'bpftool prog|map|link show': ids, types, names, tags, sizes, the maps a program
uses, BTF ids, what each link is attached to, and the processes holding each object's fds.
  --json       one JSON array, with bpftool's field names
  -h, --help   show this help
`;

type Row = Record<string, unknown>;

export const run = command({
  help: HELP,
  options: { json: { type: 'boolean' } },
  async run(values, positionals) {
    const [what, idText, ...rest] = positionals;
    if (what !== 'progs' && what !== 'maps' && what !== 'links')
      throw new UsageError(
        what ? `unknown object kind '${what}' (progs, maps or links)` : 'expected progs, maps or links',
      );
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}' (see --help)`);
    let only: number | undefined;
    if (idText !== undefined) {
      only = Number(idText);
      if (!/^\d+$/.test(idText) || only === 0)
        throw new UsageError(`ID must be a positive kernel object id, not '${idText}'`);
    }
    const table = TABLES[what];
    const owners = bpfFdOwners()[table.owned];
    const rows: Row[] = [];
    for (const id of only === undefined ? objectIds(table.objects) : [only]) {
      const row = readRow(table, id, only !== undefined);
      if (!row) continue;
      const pids = owners.get(id);
      if (pids) row.pids = pids;
      rows.push(row);
    }
    if (values.json) process.stdout.write(`${stringify(rows)}\n`);
    else for (const row of rows) process.stdout.write(table.text(row));
    return 0;
  },
});

interface Table {
  objects: ObjectKind;
  owned: OwnedKind;
  /** bpftool's JSON object for the object behind `fd`. */
  row(fd: number): Row;
  text(row: Row): string;
}

/** The row of object `id`, or undefined if it went away meanwhile (an error if it was asked for). */
function readRow(table: Table, id: number, asked: boolean): Row | undefined {
  try {
    return openObjectById(table.objects, id, (fd) => {
      try {
        return table.row(fd);
      } finally {
        closeRawFd(fd);
      }
    });
  } catch (err) {
    if (err instanceof BpfError && err.errno === Errno.ENOENT) {
      if (asked) throw new Error(`no ${table.owned} with id ${id}`);
      return undefined;
    }
    throw err;
  }
}

let bootSeconds: number | undefined;
/** Seconds since the epoch at boot (load times are nanoseconds since boot). */
function bootTime(): number {
  bootSeconds ??= Date.now() / 1000 - Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return bootSeconds;
}

const pidsText = (row: Row) => {
  const pids = row.pids as FdOwner[] | undefined;
  return pids ? `\tpids ${pids.map((p) => `${p.comm}(${p.pid})`).join(', ')}\n` : '';
};

const PROGS: Table = {
  objects: PROGRAM_OBJECTS,
  owned: 'prog',
  row(fd) {
    const p = readProgInfo(fd, true);
    const row: Row = {
      id: p.id,
      type: p.typeName,
      name: p.name,
      tag: p.tag,
      loaded_at: Math.floor(bootTime() + Number(p.loadTime) / 1e9),
      uid: p.createdByUid,
      bytes_xlated: p.xlatedSize,
      jited: p.jitedSize > 0,
      bytes_jited: p.jitedSize,
    };
    if (p.mapIds.length > 0) row.map_ids = p.mapIds;
    if (p.btfId) row.btf_id = p.btfId;
    return row;
  },
  text(r) {
    const at = new Date((r.loaded_at as number) * 1000).toISOString().replace('.000Z', 'Z');
    return (
      `${r.id}: ${r.type}  name ${r.name || '-'}  tag ${r.tag}\n` +
      `\tloaded_at ${at}  uid ${r.uid}\n` +
      `\txlated ${r.bytes_xlated}B  ${r.jited ? `jited ${r.bytes_jited}B` : 'not jited'}` +
      `${r.map_ids ? `  map_ids ${(r.map_ids as number[]).join(',')}` : ''}\n` +
      `${r.btf_id ? `\tbtf_id ${r.btf_id}\n` : ''}${pidsText(r)}`
    );
  },
};

const MAPS: Table = {
  objects: MAP_OBJECTS,
  owned: 'map',
  row(fd) {
    const m = readMapInfo(fd);
    const row: Row = {
      id: m.id,
      type: m.typeName,
      name: m.name,
      flags: m.flags,
      bytes_key: m.keySize,
      bytes_value: m.valueSize,
      max_entries: m.maxEntries,
    };
    if (m.btfId) row.btf_id = m.btfId;
    return row;
  },
  text(r) {
    return (
      `${r.id}: ${r.type}  name ${r.name || '-'}  flags 0x${(r.flags as number).toString(16)}\n` +
      `\tkey ${r.bytes_key}B  value ${r.bytes_value}B  max_entries ${r.max_entries}\n` +
      `${r.btf_id ? `\tbtf_id ${r.btf_id}\n` : ''}${pidsText(r)}`
    );
  },
};

/** bpftool's fields for what a link is attached to. */
function linkFields(l: LinkInfo): Row {
  const row: Row = {};
  switch (l.typeName) {
    case 'raw_tracepoint':
      row.tp_name = l.name;
      break;
    case 'iter':
      row.target_name = l.name;
      break;
    case 'tracing':
      row.attach_type = l.attachTypeName;
      row.target_obj_id = l.targetObjId;
      row.target_btf_id = l.targetBtfId;
      break;
    case 'cgroup':
      row.cgroup_id = l.cgroupId;
      row.attach_type = l.attachTypeName;
      break;
    case 'netns':
      row.netns_ino = l.netnsIno;
      row.attach_type = l.attachTypeName;
      break;
    case 'netfilter':
      if (l.netfilter) {
        row.pf = l.netfilter.pf;
        row.hook = l.netfilter.hooknum;
        row.prio = l.netfilter.priority;
        row.flags = l.netfilter.flags;
      }
      break;
    case 'perf_event':
      row.event_type = l.perfEventType;
      if (l.perfEventType === 'tracepoint') row.tp_name = l.name;
      else if (l.perfEventType?.endsWith('probe')) {
        row[l.perfEventType.startsWith('k') ? 'func' : 'file'] = l.name;
        row.offset = l.offset;
        if (l.address !== undefined && l.perfEventType.startsWith('k')) row.addr = l.address;
      }
      break;
    default:
      if (l.ifindex !== undefined) row.ifindex = l.ifindex;
      if (l.mapId !== undefined) row.map_id = l.mapId;
      if (l.attachTypeName !== undefined) row.attach_type = l.attachTypeName;
  }
  return row;
}

const LINKS: Table = {
  objects: LINK_OBJECTS,
  owned: 'link',
  row(fd) {
    const l = readLinkInfo(fd);
    return { id: l.id, type: l.typeName, prog_id: l.progId, ...linkFields(l) };
  },
  text(r) {
    const { id, type, prog_id, pids: _pids, ...rest } = r;
    const detail =
      type === 'netfilter'
        ? netfilterTarget({
            pf: rest.pf as number,
            hooknum: rest.hook as number,
            priority: rest.prio as number,
            flags: rest.flags as number,
          })
        : Object.entries(rest)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => `${k} ${v}`)
            .join('  ');
    return `${id}: ${type}  prog ${prog_id}\n${detail ? `\t${detail}\n` : ''}${pidsText(r)}`;
  },
};

const TABLES: Record<'progs' | 'maps' | 'links', Table> = { progs: PROGS, maps: MAPS, links: LINKS };

/** JSON with 64-bit integers written as numbers, as bpftool writes them. */
export function stringify(value: unknown): string {
  const big: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (typeof v !== 'bigint') return v;
    big.push(v.toString());
    return `\u0000big${big.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i) => big[Number(i)] as string);
}
