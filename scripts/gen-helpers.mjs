#!/usr/bin/env node
// Generates isa/helper-table.ts (read through isa/helper-info.ts): every BPF helper's id, name and prototype.
//   ids:        the kernel's own `enum bpf_func_id` from vmlinux BTF when readable (the running
//               kernel is the truth), else the order of __BPF_FUNC_MAPPER in the uapi header;
//   prototypes: the uapi header's doc comment (`long bpf_map_update_elem(struct bpf_map *map, …)`).
// Helpers the kernel has but the header does not document are listed in the output and on stderr.
// Usage: node scripts/gen-helpers.mjs [--header /usr/include/linux/bpf.h] [--btf /sys/kernel/btf/vmlinux]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    header: { type: 'string', default: '/usr/include/linux/bpf.h' },
    btf: { type: 'string', default: '/sys/kernel/btf/vmlinux' },
    out: { type: 'string', default: new URL('../isa/helper-table.ts', import.meta.url).pathname },
  },
});
const header = readFileSync(values.header, 'utf8');

// --- ids from the header's mapper macro: FN(name) (old headers) or FN(name, id, ...) (new ones).
function headerIds() {
  const start = header.search(/#define _{2,3}BPF_FUNC_MAPPER\(FN(, ctx\.\.\.)?\)/);
  if (start < 0) throw new Error(`${values.header}: no __BPF_FUNC_MAPPER`);
  const body = header.slice(start, header.indexOf('\n\n', start));
  const ids = new Map();
  let next = 0;
  for (const m of body.matchAll(/FN\((\w+)(?:,\s*(\d+))?/g)) {
    const id = m[2] === undefined ? next : Number(m[2]);
    ids.set(m[1], id);
    next = id + 1;
  }
  return ids;
}

// --- ids from BTF: walk the type section to `enum bpf_func_id`. Only sizes matter for skipping.
function btfIds(path) {
  if (!existsSync(path)) return undefined;
  const buf = readFileSync(path);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (v.getUint16(0, true) !== 0xeb9f) throw new Error(`${path}: not little-endian BTF`);
  const hdrLen = v.getUint32(4, true);
  const typeOff = hdrLen + v.getUint32(8, true);
  const typeEnd = typeOff + v.getUint32(12, true);
  const strOff = hdrLen + v.getUint32(16, true);
  const str = (off) => {
    const at = strOff + off;
    return buf.toString('latin1', at, buf.indexOf(0, at));
  };
  // Trailing bytes per kind (BTF_KIND_*), as fixed bytes + bytes per vlen entry.
  const extra = {
    1: [4, 0],
    3: [12, 0],
    4: [0, 12],
    5: [0, 12],
    6: [0, 8],
    13: [0, 8],
    14: [4, 0],
    15: [0, 12],
    17: [4, 0],
    19: [0, 12],
  };
  for (let at = typeOff; at < typeEnd; ) {
    const nameOff = v.getUint32(at, true);
    const info = v.getUint32(at + 4, true);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    if (kind === 6 && str(nameOff) === 'bpf_func_id') {
      const ids = new Map();
      for (let i = 0; i < vlen; i++) {
        const e = at + 12 + i * 8;
        const name = str(v.getUint32(e, true));
        if (name.startsWith('BPF_FUNC_') && name !== '__BPF_FUNC_MAX_ID')
          ids.set(name.slice(9), v.getInt32(e + 4, true));
      }
      return ids;
    }
    const [fixed, per] = extra[kind] ?? [0, 0];
    at += 12 + fixed + per * vlen;
  }
  throw new Error(`${path}: no enum bpf_func_id`);
}

// --- prototypes and one-line descriptions from the doc comment.
function docs() {
  // Line-based: a prototype line opens an entry; `Description` / `Return` headings switch the
  // paragraph being collected. Indentation in the header is not uniform, so only words matter.
  const out = new Map();
  let entry;
  let part;
  for (const line of header.split('\n')) {
    const proto = /^ \* ([\w ]+?[ *]+)bpf_(\w+)\((.*)\)\s*$/.exec(line);
    if (proto) {
      entry = { ret: proto[1].trim(), params: proto[3], description: [], returns: [] };
      out.set(proto[2], entry);
      part = undefined;
      continue;
    }
    if (!entry) continue;
    if (!line.startsWith(' *') || line.startsWith(' */')) {
      entry = undefined;
      continue;
    }
    const heading = /^ \*\s+(Description|Return)\s*$/.exec(line);
    if (heading) part = heading[1] === 'Description' ? entry.description : entry.returns;
    else if (part) part.push(line.replace(/^ \*\s*/, ''));
  }
  for (const e of out.values()) {
    e.description = firstSentence(e.description.join(' ').replace(/\s+/g, ' ').trim());
    e.returns = firstSentence(e.returns.join(' ').replace(/\s+/g, ' ').trim());
  }
  return out;
}
function firstSentence(s) {
  const end = s.search(/\.(\s|$)/);
  const first = end < 0 ? s : s.slice(0, end + 1);
  return (first.length > 240 ? `${first.slice(0, 239)}…` : first).replace(/\*\*?(\S[^*]*?)\*\*?/g, '$1');
}

const contextStructs = new Set([
  '__sk_buff',
  'xdp_md',
  'pt_regs',
  'bpf_sock_ops',
  'sk_msg_md',
  'sk_reuseport_md',
  'bpf_sock_addr',
  'bpf_sysctl',
  'bpf_perf_event_data',
  'bpf_sockopt',
  'bpf_raw_tracepoint_args',
  'sk_buff',
  'xdp_buff',
]);
function argKind(type, name) {
  // Maps are `struct bpf_map *` or, in a few prototypes, a `void *` named for the map.
  if (/\bstruct bpf_map\s*\*/.test(type) || name === 'ringbuf' || /(^|_)map$/.test(name)) return 'map';
  if (name === 'ctx' || [...contextStructs].some((s) => new RegExp(`struct ${s}\\s*\\*`).test(type)))
    return 'ctx';
  if (name.endsWith('_fn') || name === 'callback' || name === 'fn') return 'callback';
  return type.includes('*') ? 'pointer' : 'scalar';
}
function params(text) {
  if (text.trim() === 'void') return [];
  return text.split(',').map((p) => {
    if (p.trim() === '...') return { name: '...', type: '...', kind: 'variadic' };
    const m = /^(.*?)(\w+)$/.exec(p.trim());
    if (!m) throw new Error(`cannot split parameter "${p}"`);
    const type = m[1].replace(/\s+\*/g, ' *').trim();
    return { name: m[2], type, kind: argKind(type, m[2]) };
  });
}

// Helpers newer than Debian's header (added in Linux 6.2); their prototypes as the kernel's own
// uapi header documents them, used only when the header at hand lacks them.
const supplement = new Map([
  [
    'cgrp_storage_get',
    {
      ret: 'void *',
      params: 'struct bpf_map *map, struct cgroup *cgroup, void *value, u64 flags',
      description: 'Get a bpf_local_storage from the cgroup.',
      returns: 'A bpf_local_storage pointer is returned on success.',
    },
  ],
  [
    'cgrp_storage_delete',
    {
      ret: 'long',
      params: 'struct bpf_map *map, struct cgroup *cgroup',
      description: 'Delete a bpf_local_storage from a cgroup.',
      returns: '0 on success.',
    },
  ],
]);

const fromHeader = headerIds();
const fromBtf = btfIds(values.btf);
const ids = fromBtf && fromBtf.size >= fromHeader.size ? fromBtf : fromHeader;
const doc = docs();
const missing = [];
const rows = [];
for (const [name, id] of [...ids].sort((a, b) => a[1] - b[1])) {
  if (name === 'unspec') continue;
  if (!doc.has(name)) missing.push(name);
  const d = doc.get(name) ?? supplement.get(name);
  rows.push({
    id,
    name,
    ...(d
      ? { returns: d.ret, params: params(d.params), description: d.description, returnDoc: d.returns }
      : {}),
  });
}
const maxHeader = Math.max(...fromHeader.values());
const maxKernel = fromBtf ? Math.max(...fromBtf.values()) : maxHeader;
const src = `// GENERATED by scripts/gen-helpers.mjs — do not edit; rerun the script.
// ids: ${ids === fromBtf ? `vmlinux BTF enum bpf_func_id (${values.btf}, highest id ${maxKernel})` : `${values.header} __BPF_FUNC_MAPPER`}
// prototypes: ${values.header} doc comment (highest id there ${maxHeader})
// helpers the header lacks (prototype from the script's supplement, if it has one): ${missing.length ? missing.join(', ') : 'none'}

/** Coarse class of a helper argument, enough to check a call site or print a signature. */
export type HelperArgKind = 'scalar' | 'pointer' | 'map' | 'ctx' | 'callback' | 'variadic';

export interface HelperParam {
  readonly name: string;
  /** C type text as the uapi header writes it: \`const void *\`. */
  readonly type: string;
  readonly kind: HelperArgKind;
}

export interface HelperInfo {
  readonly id: number;
  /** Name without the \`bpf_\` prefix: \`map_lookup_elem\`. */
  readonly name: string;
  /** C return type; undefined when the header does not document the helper. */
  readonly returns?: string;
  readonly params?: readonly HelperParam[];
  /** First sentence of the header's description. */
  readonly description?: string;
  /** First sentence of the header's Return paragraph. */
  readonly returnDoc?: string;
}

/** Every helper the generating kernel knows, by id. */
export const HELPERS: readonly HelperInfo[] = ${JSON.stringify(rows, null, 1).replace(/\n\s*/g, ' ')};
`
  .replace(/\[ \{/, '[\n  {')
  .replace(/\}, \{ "id"/g, '},\n  { "id"');
writeFileSync(values.out, src);
// The ids alone, for the builder and the object writer: the table with its prototypes and docs
// is ~90 KB of code that a program build does not need to parse.
const idsOut = values.out.replace(/helper-table\.ts$/, 'helper-ids.ts');
const idsSrc = `// GENERATED by scripts/gen-helpers.mjs — do not edit; rerun the script.
// The helper ids of helper-table.ts by name (without \`bpf_\`), without prototypes or docs.

/** Helper id by name (without the \`bpf_\` prefix). */
export const HELPER_IDS: Readonly<Record<string, number>> = {
${rows.map((r) => `  ${r.name}: ${r.id},`).join('\n')}
};
`;
writeFileSync(idsOut, idsSrc);
// The project's formatter owns the layout of checked-in TypeScript.
execFileSync('npx', ['biome', 'format', '--write', values.out, idsOut], { stdio: 'ignore' });
console.error(
  `wrote ${rows.length} helpers to ${values.out}; ids from ${ids === fromBtf ? 'BTF' : 'header'}`,
);
if (missing.length)
  console.error(
    `header ${values.header} (highest id ${maxHeader}) lacks prototypes for: ${missing.join(', ')} (kernel highest id ${maxKernel})`,
  );
