// Samples as a speedscope file (https://www.speedscope.app/file-format-schema.json): one
// "sampled" profile whose stacks index a shared frame table, root first, with a weight each.

import type { StackSample } from './stacks.js';

export const SPEEDSCOPE_SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

/** The units speedscope knows that a tsbpf profile uses: samples, or time off-CPU. */
export type SpeedscopeUnit = 'none' | 'microseconds' | 'nanoseconds' | 'milliseconds';

export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  name: string;
  exporter: string;
  activeProfileIndex: number;
  shared: { frames: { name: string }[] };
  profiles: {
    type: 'sampled';
    name: string;
    unit: SpeedscopeUnit;
    startValue: number;
    endValue: number;
    samples: number[][];
    weights: number[];
  }[];
}

/** The speedscope document of `samples` (frames deduplicated by name). */
export function speedscopeProfile(
  samples: readonly StackSample[],
  opts: { name: string; unit?: SpeedscopeUnit; exporter?: string },
): SpeedscopeFile {
  const frames: { name: string }[] = [];
  const ids = new Map<string, number>();
  const frameId = (name: string): number => {
    let id = ids.get(name);
    if (id === undefined) {
      id = frames.length;
      ids.set(name, id);
      frames.push({ name });
    }
    return id;
  };
  const stacks: number[][] = [];
  const weights: number[] = [];
  let total = 0;
  for (const s of samples) {
    if (s.value <= 0 || s.stack.length === 0) continue;
    stacks.push(s.stack.map(frameId));
    weights.push(s.value);
    total += s.value;
  }
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    name: opts.name,
    exporter: opts.exporter ?? 'tsbpf',
    activeProfileIndex: 0,
    shared: { frames },
    profiles: [
      {
        type: 'sampled',
        name: opts.name,
        unit: opts.unit ?? 'none',
        startValue: 0,
        endValue: total,
        samples: stacks,
        weights,
      },
    ],
  };
}
