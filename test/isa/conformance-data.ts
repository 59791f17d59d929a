// Reads the conformance suite's `.data` format (see /work/shared/conformance/NOTES.md) into its sections.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = '/work/shared/conformance';

export interface ConformanceData {
  name: string;
  /** Section name → its lines (comments kept for asm, whose own scanner strips them). */
  sections: Map<string, string[]>;
}

export function parseConformanceData(name: string, text: string): ConformanceData {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const m = /^--\s*(.*?)\s*$/.exec(line);
    if (m) {
      current = [];
      sections.set(m[1], current);
      continue;
    }
    current?.push(line);
  }
  return { name, sections };
}

export function loadConformance(dir: 'tests' | 'negative'): ConformanceData[] {
  const base = join(CONFORMANCE_DIR, dir);
  return readdirSync(base)
    .filter((f) => f.endsWith('.data'))
    .sort()
    .map((f) => parseConformanceData(f, readFileSync(join(base, f), 'utf8')));
}

/** `-- raw` lines: 64-bit little-endian words (`0x…`) or 8 hex bytes per line. */
export function rawBytes(lines: string[]): Uint8Array {
  const out: number[] = [];
  for (const raw of lines) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    if (line.startsWith('0x')) {
      let v = BigInt(line);
      for (let i = 0; i < 8; i++, v >>= 8n) out.push(Number(v & 0xffn));
    } else {
      for (const b of line.split(/\s+/)) out.push(Number.parseInt(b, 16));
    }
  }
  return Uint8Array.from(out);
}
