// The profile outputs from known samples, exactly: folded text (sorted, summed, round-tripping),
// the tree's values, the speedscope document's frames and stacks, and the flame graph's frames.
import { describe, expect, it } from 'vitest';
import { flameGraphSvg } from '../../../src/format/profile/flamegraph.js';
import { SPEEDSCOPE_SCHEMA, speedscopeProfile } from '../../../src/format/profile/speedscope.js';
import {
  FoldedSyntaxError,
  foldedText,
  parseFolded,
  type StackSample,
  stackTree,
} from '../../../src/format/profile/stacks.js';

const SAMPLES: StackSample[] = [
  { stack: ['app', 'main', 'work', 'hot'], value: 7 },
  { stack: ['app', 'main', 'idle'], value: 2 },
  { stack: ['app', 'main', 'work', 'hot'], value: 1 },
  { stack: ['app', 'main', 'work', 'read_[k]'], value: 2 },
  { stack: ['app', 'a;b'], value: 1 },
];

describe('folded stacks', () => {
  it('sums equal stacks, sorts lines, and escapes the separator', () => {
    expect(foldedText(SAMPLES)).toBe(
      'app;a:b 1\napp;main;idle 2\napp;main;work;hot 8\napp;main;work;read_[k] 2\n',
    );
  });
  it('round-trips through parseFolded', () => {
    const text = foldedText(SAMPLES);
    expect(foldedText(parseFolded(text))).toBe(text);
  });
  it('says which line does not parse', () => {
    expect(() => parseFolded('a;b 1\na;b x\n')).toThrow(FoldedSyntaxError);
    expect(() => parseFolded('a;b 1\na;b x\n')).toThrow(/line 2: 'x' is not a count/);
    expect(() => parseFolded('nocount\n')).toThrow(/line 1/);
  });
});

describe('stack tree', () => {
  it('has values and self values that add up', () => {
    const root = stackTree(SAMPLES);
    expect(root.value).toBe(13);
    const app = root.children[0];
    expect(app?.name).toBe('app');
    const main = app?.children.find((c) => c.name === 'main');
    expect(main?.value).toBe(12);
    const work = main?.children.find((c) => c.name === 'work');
    expect(work?.value).toBe(10);
    expect(work?.self).toBe(0);
    expect(work?.children.map((c) => [c.name, c.value, c.self])).toEqual([
      ['hot', 8, 8],
      ['read_[k]', 2, 2],
    ]);
  });
});

describe('speedscope', () => {
  it('is a sampled profile over a shared frame table, root first', () => {
    const doc = speedscopeProfile(SAMPLES, { name: 'test', unit: 'microseconds' });
    expect(doc.$schema).toBe(SPEEDSCOPE_SCHEMA);
    const [p] = doc.profiles;
    expect(p?.type).toBe('sampled');
    expect(p?.unit).toBe('microseconds');
    expect(p?.endValue).toBe(13);
    expect(p?.weights).toEqual([7, 2, 1, 2, 1]);
    const names = (i: number) => p?.samples[i]?.map((f) => doc.shared.frames[f]?.name);
    expect(names(0)).toEqual(['app', 'main', 'work', 'hot']);
    expect(names(3)).toEqual(['app', 'main', 'work', 'read_[k]']);
    expect(doc.shared.frames.map((f) => f.name)).toEqual([
      'app',
      'main',
      'work',
      'hot',
      'idle',
      'read_[k]',
      'a;b',
    ]);
  });
});

describe('flame graph SVG', () => {
  const svg = flameGraphSvg(SAMPLES, { title: 'T <1>', unit: 'samples' });
  it('has one frame per tree node, its title its name, value and share', () => {
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toContain('hot (8 samples, 61.54%)');
    expect(titles).toContain('all (13 samples, 100.00%)');
    expect(titles).toContain('read_[k] (2 samples, 15.38%)');
    expect(titles.length).toBe(8); // all, app, main, work, hot, read_[k], idle, a;b
  });
  it('escapes text and fetches nothing', () => {
    expect(svg).toContain('T &#60;1&#62;');
    expect(svg).not.toMatch(/(href|src)=/);
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
  it('lays a child inside its parent, as wide as its share', () => {
    const rect = (name: string) => {
      const m = new RegExp(
        `data-n="${name.replace(/[[\]]/g, '\\$&')}"[^>]*>.*?<rect x="([0-9.]+)" y="([0-9.]+)" width="([0-9.]+)"`,
      ).exec(svg);
      return { x: Number(m?.[1]), y: Number(m?.[2]), w: Number(m?.[3]) };
    };
    const work = rect('work');
    const hot = rect('hot');
    expect(hot.w).toBeCloseTo((1180 * 8) / 13, 1);
    expect(hot.x).toBeGreaterThanOrEqual(work.x);
    expect(hot.x + hot.w).toBeLessThanOrEqual(work.x + work.w + 0.01);
    expect(hot.y).toBe(work.y - 16);
  });
});
