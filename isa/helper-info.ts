// Helper lookups over the generated table (isa/helper-table.ts, made by scripts/gen-helpers.mjs).
// Names are accepted with or without the `bpf_` prefix, as C source and bpftool print them.

import { HELPERS, type HelperInfo } from './helper-table.js';

export { helperId, helperName } from './helper-id.js';
export { HELPERS, type HelperArgKind, type HelperInfo, type HelperParam } from './helper-table.js';

const byId = new Map<number, HelperInfo>();
const byName = new Map<string, HelperInfo>();
for (const h of HELPERS) {
  byId.set(h.id, h);
  byName.set(h.name, h);
}

const bare = (name: string): string => (name.startsWith('bpf_') ? name.slice(4) : name);

/** Everything known about a helper, by id or by either spelling of its name. */
export function helperInfo(idOrName: number | string): HelperInfo | undefined {
  return typeof idOrName === 'number' ? byId.get(idOrName) : byName.get(bare(idOrName));
}

/** The C prototype as the uapi header writes it: `void *bpf_map_lookup_elem(struct bpf_map *map, const void *key)`. */
export function helperSignature(h: HelperInfo): string {
  if (h.returns === undefined || h.params === undefined) return `bpf_${h.name}(?)`;
  const params =
    h.params.length === 0
      ? 'void'
      : h.params
          .map((p) => (p.name === '...' ? '...' : `${p.type}${p.type.endsWith('*') ? '' : ' '}${p.name}`))
          .join(', ');
  return `${h.returns}${h.returns.endsWith('*') ? '' : ' '}bpf_${h.name}(${params})`;
}
