// A helper's id from its name and its name from its id, over the ids alone (helper-ids.ts): what
// a program build and a disassembly need, without parsing the prototypes and docs of
// helper-table.ts (helper-info.ts has those).
import { HELPER_IDS } from './helper-ids.js';

/** Helper id for `map_lookup_elem` or `bpf_map_lookup_elem`; undefined if no such helper. */
export function helperId(name: string): number | undefined {
  const bare = name.startsWith('bpf_') ? name.slice(4) : name;
  return Object.hasOwn(HELPER_IDS, bare) ? HELPER_IDS[bare] : undefined;
}

let names: Map<number, string> | undefined;

/** Helper name (without `bpf_`) for an id; undefined if the id is unknown. */
export function helperName(id: number): string | undefined {
  names ??= new Map(Object.entries(HELPER_IDS).map(([name, n]) => [n, name]));
  return names.get(id);
}
