// src/sys is the one ABI edge: outside it no code writes an attr field by offset, takes a raw
// pointer into an attr, imports the attr layouts, or calls bpf(2) around the syscall funnel.
// Attr encoders (src/sys/attrs/) are the way in. Reads the sources, so it fails on the line that
// breaks the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as layouts from '../../src/sys/attr.js';
import { PerfAttr } from '../../src/sys/perf.js';

const root = join(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => join(e.parentPath, e.name));
}

const LAYOUT_NAMES = [...Object.keys(layouts).filter((k) => k !== 'OBJ_NAME_LEN'), 'PerfAttr', 'MmapPage'];
const RULES: { what: string; re: RegExp }[] = [
  { what: 'imports the attr layouts', re: /from '[./]*(?:src\/)?sys\/attr\.js'/ },
  {
    what: 'writes an attr field by offset',
    re: new RegExp(`\\.(?:write|set)\\w*\\([^;]*\\b(?:${LAYOUT_NAMES.join('|')})\\.\\w+`),
  },
  { what: 'writes a raw pointer into an attr', re: /\bputPointer\(|\bputName\(|\baddressOf\(/ },
  { what: 'calls bpf(2) around the syscall funnel', re: /\bsysBpf(?:At)?\b/ },
];

describe('the ABI edge', () => {
  it('knows the layouts it guards', () => {
    expect(LAYOUT_NAMES).toContain('ProgLoad');
    expect(PerfAttr.SIZE).toBe(112);
  });
  it('no attr write, layout import or raw bpf(2) outside src/sys', () => {
    const files = [
      ...sources(join(root, 'src')),
      ...sources(join(root, 'isa')),
      ...sources(join(root, 'btf')),
    ].filter((f) => !relative(root, f).startsWith('src/sys/'));
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        for (const rule of RULES)
          if (rule.re.test(line))
            found.push(`${relative(root, file)}:${i + 1}: ${rule.what}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
  it('the rules catch what they are for', () => {
    const hit = (line: string) => RULES.filter((r) => r.re.test(line)).map((r) => r.what);
    expect(hit('    attr.writeUInt32LE(prog.fd, LinkCreate.prog_fd);')).toEqual([
      'writes an attr field by offset',
    ]);
    expect(hit('  a.writeBigUInt64LE(spec.config ?? 0n, PerfAttr.config);')).toEqual([
      'writes an attr field by offset',
    ]);
    expect(hit("import { MapElem } from '../sys/attr.js';")).toEqual(['imports the attr layouts']);
    expect(hit('  putPointer(attr, RawTracepointOpen.name, text);')).toEqual([
      'writes a raw pointer into an attr',
    ]);
    expect(hit('      config1: addressOf(func),')).toEqual(['writes a raw pointer into an attr']);
    expect(hit('    const r = sysBpfAt(NR_BPF, cmd, at, 32);')).toEqual([
      'calls bpf(2) around the syscall funnel',
    ]);
    expect(hit('  const attr = encodeLinkCreate({ progFd: prog.fd, attachType });')).toEqual([]);
  });
});
