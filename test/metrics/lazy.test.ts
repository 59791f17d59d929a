// Start-up cost: the exporter's code (YAML, HTTP(S), bcrypt, the config schema, the server) is
// imported only by `tsbpf serve` and by --metrics when given, never by the static import graph of
// the other commands or of the Tracer.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SERVE_ONLY =
  /^(yaml|bcryptjs|node:https?|node:tls|node:zlib)$|metrics\/(server|config|web-config|exporter|exported|yaml-source)\.js$|cli\/serve\.js$/;

/** Every module `entry` imports statically (type-only imports are erased, so skipped). */
function staticGraph(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const walk = (file: string) => {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+'([^']+)'/gm)) {
      const spec = m[1] as string;
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
      if (seen.has(target)) continue;
      seen.set(target, file);
      if (spec.startsWith('.')) walk(target.replace(/\.js$/, '.ts'));
    }
  };
  walk(entry);
  return seen;
}

describe('start-up cost of the exporter', () => {
  for (const entry of [
    'src/cli/main.ts',
    'src/cli/count.ts',
    'src/cli/hist.ts',
    'src/cli/trace.ts',
    'src/probes/tracer.ts',
  ])
    it(`${entry} does not import the exporter statically`, () => {
      const graph = staticGraph(join(root, entry));
      expect(graph.size).toBeGreaterThan(entry.endsWith('main.ts') ? 0 : 2);
      const heavy = [...graph].filter(([m]) => SERVE_ONLY.test(m)).map(([m, by]) => `${by} imports ${m}`);
      expect(heavy).toEqual([]);
    });

  it('tsbpf serve does import them (the check sees what it looks for)', () => {
    const graph = [...staticGraph(join(root, 'src/metrics/server.ts')).keys()];
    expect(graph.some((m) => SERVE_ONLY.test(m))).toBe(true);
  });
});
