// A helper's id from its name, over the ids alone (helper-ids.ts): what a program build needs,
// without parsing the prototypes and docs of helper-table.ts.
import { HELPER_IDS } from './helper-ids.js';

/** Helper id for `map_lookup_elem` or `bpf_map_lookup_elem`; undefined if no such helper. */
export function helperId(name: string): number | undefined {
  const bare = name.startsWith('bpf_') ? name.slice(4) : name;
  return Object.hasOwn(HELPER_IDS, bare) ? HELPER_IDS[bare] : undefined;
}
