import { describe, expect, it } from 'vitest';
import { helperId, helperName } from '../../isa/helper-id.js';
import { HELPER_IDS } from '../../isa/helper-ids.js';
import { HELPERS } from '../../isa/helper-info.js';

describe('helper ids (the small table a program build loads)', () => {
  it('holds exactly the ids of the full helper table', () => {
    expect(Object.keys(HELPER_IDS).length).toBe(HELPERS.length);
    for (const h of HELPERS) expect(HELPER_IDS[h.name], h.name).toBe(h.id);
  });

  it('takes either spelling, and nothing from the object prototype', () => {
    expect(helperId('map_lookup_elem')).toBe(1);
    expect(helperId('bpf_ringbuf_output')).toBe(130);
    expect(helperId('constructor')).toBeUndefined();
    expect(helperId('toString')).toBeUndefined();
    expect(helperId('no_such_helper')).toBeUndefined();
  });

  it('names every id as the full table does, and no other', () => {
    for (const h of HELPERS) expect(helperName(h.id), String(h.id)).toBe(h.name);
    expect(helperName(0)).toBeUndefined();
    expect(helperName(100_000)).toBeUndefined();
  });
});
