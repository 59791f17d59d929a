// The helper table: ids as the uapi header and the RFC's program-type docs fix them, both name
// spellings, and prototypes that read back exactly as the kernel header writes them.
import { existsSync, readFileSync } from 'node:fs';
import { HELPERS, helperId, helperInfo, helperName, helperSignature } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

describe('helper table', () => {
  it('ids run 1..N without gaps or duplicate names, N at least the 211 of Linux 6.18', () => {
    expect(HELPERS.map((h) => h.id)).toEqual(Array.from({ length: HELPERS.length }, (_, i) => i + 1));
    expect(new Set(HELPERS.map((h) => h.name)).size).toBe(HELPERS.length);
    expect(HELPERS.length).toBeGreaterThanOrEqual(211);
  });

  it('well-known ids (fixed uapi numbers)', () => {
    const known: Record<string, number> = {
      map_lookup_elem: 1,
      map_update_elem: 2,
      map_delete_elem: 3,
      ktime_get_ns: 5,
      trace_printk: 6,
      tail_call: 12,
      get_current_pid_tgid: 14,
      get_current_comm: 16,
      perf_event_output: 25,
      probe_read_kernel: 113,
      ringbuf_output: 130,
      ringbuf_reserve: 131,
      loop: 181,
      user_ringbuf_drain: 209,
      cgrp_storage_delete: 211,
    };
    for (const [name, id] of Object.entries(known)) {
      expect(helperId(name)).toBe(id);
      expect(helperId(`bpf_${name}`)).toBe(id);
      expect(helperName(id)).toBe(name);
      expect(helperInfo(id)).toBe(helperInfo(`bpf_${name}`));
    }
    expect(helperId('no_such_helper')).toBeUndefined();
    expect(helperName(0)).toBeUndefined();
    expect(helperInfo(100_000)).toBeUndefined();
  });

  it('prototypes and arg kinds', () => {
    expect(helperSignature(helperInfo('map_update_elem')!)).toBe(
      'long bpf_map_update_elem(struct bpf_map *map, const void *key, const void *value, u64 flags)',
    );
    expect(helperInfo('map_lookup_elem')?.params?.map((p) => p.kind)).toEqual(['map', 'pointer']);
    expect(helperInfo('perf_event_output')?.params?.map((p) => p.kind)).toEqual([
      'ctx',
      'map',
      'scalar',
      'pointer',
      'scalar',
    ]);
    expect(helperInfo('loop')?.params?.map((p) => p.kind)).toEqual([
      'scalar',
      'callback',
      'pointer',
      'scalar',
    ]);
    expect(helperInfo('trace_printk')?.params?.at(-1)?.kind).toBe('variadic');
    expect(helperSignature(helperInfo('ktime_get_ns')!)).toBe('u64 bpf_ktime_get_ns(void)');
    expect(helperInfo('map_lookup_elem')?.description).toBe(
      'Perform a lookup in map for an entry associated to key.',
    );
    expect(HELPERS.every((h) => h.returns !== undefined && h.params !== undefined)).toBe(true);
  });

  const header = '/usr/include/linux/bpf.h';
  it.skipIf(!existsSync(header))(
    'every prototype the system header documents reads back verbatim from it',
    () => {
      const text = readFileSync(header, 'utf8');
      const absent = HELPERS.filter((h) => text.includes(`bpf_${h.name}(`))
        .map(helperSignature)
        .filter((sig) => !text.includes(` * ${sig}\n`));
      expect(absent).toEqual([]);
    },
  );
});
