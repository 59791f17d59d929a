// The attr layouts in src/sys/attr.ts and src/sys/perf.ts against the kernel's UAPI headers, by
// gcc's offsetof: every field the header has must sit where we write it; a field newer than the
// installed header (log_true_size on 6.1 headers) must start where the header's last field ends;
// each command's size must end at its last field (trimmed, rounded up to 8 at most).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as A from '../../src/sys/attr.js';
import { PerfAttr } from '../../src/sys/perf.js';
import { requireKernel } from '../support/kernel.js';

interface Layout {
  /** Name in src/sys. */
  name: string;
  fields: Readonly<Record<string, number>>;
  /** The C type the offsets are in. */
  type: string;
  /** Member path prefix inside that type (`batch.` for union bpf_attr's batch struct). */
  prefix: string;
  /** Our name → the header's, where they differ. */
  alias?: Record<string, string>;
  /** Whether SIZE is the command's trimmed attr size (info structs read a prefix instead). */
  trimmed: boolean;
}

const ATTR = 'union bpf_attr';
const LAYOUTS: Layout[] = [
  { name: 'MapCreate', fields: A.MapCreate, type: ATTR, prefix: '', trimmed: true },
  { name: 'MapElem', fields: A.MapElem, type: ATTR, prefix: '', trimmed: true },
  { name: 'MapBatch', fields: A.MapBatch, type: ATTR, prefix: 'batch.', trimmed: true },
  { name: 'ProgLoad', fields: A.ProgLoad, type: ATTR, prefix: '', trimmed: true },
  { name: 'ObjPin', fields: A.ObjPin, type: ATTR, prefix: '', trimmed: true },
  { name: 'TestRun', fields: A.TestRun, type: ATTR, prefix: 'test.', trimmed: true },
  { name: 'GetId', fields: A.GetId, type: ATTR, prefix: '', alias: { id: 'prog_id' }, trimmed: true },
  { name: 'InfoByFd', fields: A.InfoByFd, type: ATTR, prefix: 'info.', trimmed: true },
  { name: 'BtfLoad', fields: A.BtfLoad, type: ATTR, prefix: '', trimmed: true },
  {
    name: 'LinkCreate',
    fields: A.LinkCreate,
    type: ATTR,
    prefix: 'link_create.',
    alias: { perf_event_bpf_cookie: 'perf_event.bpf_cookie' },
    trimmed: true,
  },
  { name: 'LinkUpdate', fields: A.LinkUpdate, type: ATTR, prefix: 'link_update.', trimmed: true },
  { name: 'LinkDetach', fields: A.LinkDetach, type: ATTR, prefix: 'link_detach.', trimmed: true },
  { name: 'ProgAttach', fields: A.ProgAttach, type: ATTR, prefix: '', trimmed: true },
  {
    name: 'RawTracepointOpen',
    fields: A.RawTracepointOpen,
    type: ATTR,
    prefix: 'raw_tracepoint.',
    trimmed: true,
  },
  { name: 'MapInfo', fields: A.MapInfo, type: 'struct bpf_map_info', prefix: '', trimmed: false },
  { name: 'ProgInfo', fields: A.ProgInfo, type: 'struct bpf_prog_info', prefix: '', trimmed: false },
  {
    name: 'LinkInfo',
    fields: A.LinkInfo,
    type: 'struct bpf_link_info',
    prefix: '',
    alias: {
      tp_name: 'raw_tracepoint.tp_name',
      tp_name_len: 'raw_tracepoint.tp_name_len',
      tracing_attach_type: 'tracing.attach_type',
      target_obj_id: 'tracing.target_obj_id',
      target_btf_id: 'tracing.target_btf_id',
      cgroup_id: 'cgroup.cgroup_id',
      cgroup_attach_type: 'cgroup.attach_type',
      iter_target_name: 'iter.target_name',
      iter_target_name_len: 'iter.target_name_len',
      netns_ino: 'netns.netns_ino',
      netns_attach_type: 'netns.attach_type',
      xdp_ifindex: 'xdp.ifindex',
    },
    trimmed: false,
  },
  { name: 'BtfInfo', fields: A.BtfInfo, type: 'struct bpf_btf_info', prefix: '', trimmed: false },
  { name: 'PerfAttr', fields: PerfAttr, type: 'struct perf_event_attr', prefix: '', trimmed: false },
];

const HEADERS = ['/usr/include/linux/bpf.h', '/usr/include/linux/perf_event.h'];
const hasGcc = existsSync('/usr/bin/gcc') || existsSync('/usr/bin/cc');
const hasHeaders = HEADERS.every((h) => existsSync(h));

function member(l: Layout, field: string): string {
  return `${l.prefix}${l.alias?.[field] ?? field}`;
}

/** Compiles and runs a C program printing `layout field offset size` for the members `known` keeps. */
function measure(
  dir: string,
  known: (l: Layout, field: string) => boolean,
): { out: string; err: string; lines: string[] } {
  const lines = [
    '#include <stdio.h>',
    '#include <stddef.h>',
    '#include <linux/bpf.h>',
    '#include <linux/perf_event.h>',
  ];
  lines.push('int main(void) {');
  for (const l of LAYOUTS) {
    for (const f of Object.keys(l.fields)) {
      if (f === 'SIZE' || !known(l, f)) continue;
      const m = member(l, f);
      lines.push(
        `  printf("%s %s %zu %zu\\n", "${l.name}", "${f}", offsetof(${l.type}, ${m}), sizeof(((${l.type} *)0)->${m}));`,
      );
    }
  }
  lines.push('  printf("PERF_ATTR_SIZE_VER5 %d\\n", PERF_ATTR_SIZE_VER5);', '  return 0;', '}');
  const src = join(dir, 'layout.c');
  writeFileSync(src, `${lines.join('\n')}\n`);
  try {
    execFileSync('gcc', ['-o', join(dir, 'layout'), src], {
      stdio: 'pipe',
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (e) {
    return { out: '', err: String((e as { stderr?: Buffer }).stderr ?? e), lines };
  }
  return { out: execFileSync(join(dir, 'layout'), { encoding: 'utf8' }), err: '', lines };
}

describe('attr layouts against the UAPI headers (gcc offsetof)', () => {
  if (!hasGcc || !hasHeaders) {
    // CI installs both (gcc, linux-libc-dev): there a missing one is a failure, not a skip.
    if (requireKernel()) it('needs gcc and linux-libc-dev (TSBPF_REQUIRE_KERNEL=1)', () => expect.fail());
    else it.skip('skipped: gcc or the kernel UAPI headers absent', () => {});
    return;
  }
  it('every offset, newer fields and each trimmed size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-attr-layout-'));
    try {
      // First pass: which members the installed header lacks (gcc names each one).
      const first = measure(dir, () => true);
      const absent = new Set<string>();
      for (const m of first.err.matchAll(/layout\.c:(\d+):\d+: error: .* has no member named/g)) {
        const line = first.lines[Number(m[1]) - 1] ?? '';
        const [, layout, field] = /"([A-Za-z0-9]+)", "([A-Za-z0-9_]+)"/.exec(line) ?? [];
        absent.add(`${layout}.${field}`);
      }
      const missing = (l: Layout, f: string) => absent.has(`${l.name}.${f}`);
      const { out, err } = measure(dir, (l, f) => !missing(l, f));
      expect(err).toBe('');
      const measured = new Map<string, { offset: number; size: number }>();
      for (const line of out.trim().split('\n')) {
        const [layout, field, offset, size] = line.split(' ');
        measured.set(`${layout}.${field}`, { offset: Number(offset), size: Number(size) });
      }
      expect(PerfAttr.SIZE).toBe(Number(/PERF_ATTR_SIZE_VER5 (\d+)/.exec(out)?.[1]));

      let checked = 0;
      for (const l of LAYOUTS) {
        const fields = Object.entries(l.fields).filter(([f]) => f !== 'SIZE');
        let end = 0;
        for (const [f, offset] of fields) {
          const got = measured.get(`${l.name}.${f}`);
          if (got) {
            expect(`${l.name}.${f} at ${offset}`).toBe(`${l.name}.${f} at ${got.offset}`);
            end = Math.max(end, got.offset + got.size);
            checked++;
          } else if (l.name === 'PerfAttr' && f === 'flags') {
            // The C bitfield word after read_format (no offsetof for bitfields).
            const rf = measured.get('PerfAttr.read_format');
            expect(offset).toBe((rf?.offset ?? -1) + (rf?.size ?? 0));
          } else if (missing(l, f)) {
            // Newer than this header: it must start where the header's struct ends (4-byte fields).
            const headerEnd = Math.max(
              ...fields.map(([g]) => measured.get(`${l.name}.${g}`)).map((m) => (m ? m.offset + m.size : 0)),
            );
            expect(`${l.name}.${f} at ${offset}`).toBe(`${l.name}.${f} at ${headerEnd}`);
            end = Math.max(end, offset + 4);
          } else expect.fail(`${l.name}.${f}: neither measured nor reported absent`);
        }
        if (l.trimmed) {
          expect(l.fields.SIZE, `${l.name}.SIZE ends at its last field`).toBeGreaterThanOrEqual(end);
          expect(l.fields.SIZE, `${l.name}.SIZE ends at its last field`).toBeLessThanOrEqual(
            Math.ceil(end / 8) * 8,
          );
        } else if (l.name !== 'PerfAttr') {
          expect(l.fields.SIZE, `${l.name}.SIZE covers what we read`).toBeGreaterThanOrEqual(end);
        }
      }
      expect(checked).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
