// An example (a lesson block or a conformance file) as a workspace and what it expects, and
// the Maps box's text form. Pure: the page and the tests share it.

import { disassemble, type InterpMapType, parseConformanceTest } from '../isa/index.js';
import type { Example, MapDecl, Workspace } from './types.js';

/** What the loaded example expects, shown beside the result. */
export interface Expectation {
  readonly label: string;
  readonly r0?: bigint;
  /** The program must fail (assembler error, fault): the suite's negative tests. */
  readonly error?: string;
  /** Words the kernel's verifier says when it rejects the program. */
  readonly verifier?: string;
}

export const hexBytes = (b: Uint8Array | undefined): string =>
  b ? Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ') : '';

export function exampleWorkspace(ex: Example): { ws: Workspace; expect: Expectation } {
  if ('data' in ex) {
    const t = parseConformanceTest(ex.title, ex.data);
    // A raw-only test is shown as its disassembly, which assembles back to the same bytes.
    const ws: Workspace = t.raw
      ? {
          source: `${disassemble(t.raw, { labels: true }).join('\n')}\n`,
          dialect: 'llvm',
          mem: hexBytes(t.mem),
          maps: [],
        }
      : { source: t.asm ?? '', dialect: 'ubpf', mem: hexBytes(t.mem), maps: [] };
    // The suite's negative/ files are invalid programs (some also carry a result section).
    const negative = ex.id.startsWith('conformance/negative/');
    return {
      ws,
      expect: negative
        ? { label: `conformance (invalid program): ${ex.title}`, error: t.error || 'the program is invalid' }
        : { label: `conformance: ${ex.title}`, r0: t.result },
    };
  }
  return {
    ws: { source: ex.source, dialect: ex.dialect, mem: ex.mem, maps: [...ex.maps] },
    expect: {
      label: `${ex.group}: ${ex.title}`,
      r0: ex.expect.r0 === undefined ? undefined : BigInt.asUintN(64, BigInt(ex.expect.r0)),
      verifier: ex.expect.verifier,
    },
  };
}

export function mapsText(maps: readonly MapDecl[]): string {
  return maps
    .map((m) => `${m.name} ${m.type} ${m.keySize ?? 4} ${m.valueSize ?? 0} ${m.maxEntries}`)
    .join('\n');
}

/** The Maps box: `name type keySize valueSize maxEntries` per line; throws naming the bad line. */
export function parseMaps(text: string): MapDecl[] {
  const out: MapDecl[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [name, type, k, v, n] = line.split(/\s+/);
    const nums = [k, v, n].map(Number);
    if (!name || !type || nums.some((x) => !Number.isInteger(x) || x < 0))
      throw new Error(`maps line ${i + 1}: expected 'name type keySize valueSize maxEntries'`);
    out.push({
      name,
      type: type as InterpMapType,
      keySize: nums[0],
      valueSize: nums[1],
      maxEntries: nums[2],
    });
  }
  return out;
}

/** A map's entries as hex, at most 16 of them. */
export function describeMap(m: unknown): string {
  const map = m as { entries?: () => Iterable<[Uint8Array, Uint8Array]> };
  if (typeof map.entries !== 'function') return '';
  const parts: string[] = [];
  for (const [k, v] of map.entries()) {
    parts.push(`${hexBytes(k)} → ${hexBytes(v)}`);
    if (parts.length >= 16) break;
  }
  return parts.length ? parts.join('; ') : 'empty';
}
