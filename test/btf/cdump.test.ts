// The C dump: equal to bpftool's (golden for a small BTF; live for vmlinux when bpftool is here),
// and compilable by clang-19 with every struct's size and member offsets as the BTF says.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Btf, dumpC, writeC } from 'tsbpf/btf';
import { describe, expect, it } from 'vitest';
import { bpftool, FIXTURES, fixture, hasClang19, hasVmlinux, VMLINUX } from './support.js';

/**
 * bpftool 7.1 (libbpf 1.1) leaves 1-byte enums unmarked; newer libbpf, and we, emit
 * `__attribute__((packed))` so that such an enum really is 1 byte. Undo only that to compare.
 */
function asBpftool71(text: string): string {
  const out: string[] = [];
  const openers: boolean[] = [];
  for (const line of text.split('\n')) {
    const body = line.trimStart();
    if (body.startsWith('}')) {
      const isEnum = openers.pop();
      out.push(isEnum ? line.replace('} __attribute__((packed))', '}') : line);
      continue;
    }
    if (line.endsWith('{')) openers.push(/^enum\b/.test(body) || /\benum( \w+)? \{$/.test(body));
    out.push(line);
  }
  return out.join('\n');
}

/**
 * True for types that embed (not through a pointer) `__builtin_va_list`: it is 24 bytes on
 * x86-64 but a `char *` for clang's bpf target, so their layout cannot match when compiled there.
 */
function embedsVaList(btf: Btf): (id: number) => boolean {
  const memo = new Map<number, boolean>();
  const visit = (id: number, depth: number): boolean => {
    if (id === 0 || depth > 64) return false;
    const known = memo.get(id);
    if (known !== undefined) return known;
    const t = btf.type(id);
    let r = false;
    if (t.kind === 'typedef' && t.name === '__builtin_va_list') r = true;
    else if (t.kind === 'struct' || t.kind === 'union') r = t.members.some((m) => visit(m.type, depth + 1));
    else if (
      t.kind === 'typedef' ||
      t.kind === 'const' ||
      t.kind === 'volatile' ||
      t.kind === 'array' ||
      t.kind === 'type_tag' ||
      t.kind === 'restrict'
    )
      r = visit(t.type, depth + 1);
    memo.set(id, r);
    return r;
  };
  return (id) => visit(id, 0);
}

describe('BTF C dump', () => {
  it('a clang-made BTF dumps exactly as bpftool dumps it', () => {
    const ours = dumpC(Btf.parse(fixture('types.btf')));
    expect(asBpftool71(ours)).toBe(fixture('types.h').toString());
    expect(ours).toContain('enum tiny {\n\tTINY_A = 0,\n\tTINY_B = 1,\n} __attribute__((packed));');
  });

  it('split BTF dumps with its base as `bpftool -B base` dumps it (base records read through the split)', () => {
    const base = Btf.parse(fixture('types.btf'));
    const split = Btf.parse(fixture('split.btf'), { base });
    const ours = dumpC(split);
    expect(asBpftool71(ours)).toBe(fixture('split.h').toString());
    // The check can fail: the split's own types are in it, after the base's.
    expect(ours.indexOf('struct module_state {')).toBeGreaterThan(ours.indexOf('struct node {'));
  });

  it('with root types: only they and what they need', () => {
    const btf = Btf.parse(fixture('types.btf'));
    const ours = dumpC(btf, { roots: [btf.findId('holder', 'struct') as number] });
    expect(ours.match(/^(struct|union|enum|typedef) [^\n]*/gm)).toEqual([
      'struct aligned16 {',
      'typedef unsigned int u32;',
      'struct packed_rec {',
      'struct holder {',
    ]);
  });

  it.runIf(hasVmlinux)('writeC streams the same text in pieces, and stops when the writer says so', () => {
    const btf = Btf.parse(readFileSync(VMLINUX));
    const whole = dumpC(btf);
    const pieces: string[] = [];
    writeC(btf, (chunk) => {
      pieces.push(chunk);
    });
    // Many pieces, none empty, each far smaller than the whole, together exactly the whole.
    expect(pieces.length).toBeGreaterThan(50);
    expect(pieces.every((p) => p.length > 0 && p.length < whole.length / 20)).toBe(true);
    expect(pieces.join('')).toBe(whole);
    // A writer whose reader has gone: no more calls after the false, and no error.
    let calls = 0;
    writeC(btf, () => ++calls < 3);
    expect(calls).toBe(3);
  });

  it.runIf(hasVmlinux && bpftool !== undefined)(
    'vmlinux dump equals bpftool format c (same types, members, order)',
    () => {
      const theirs = execFileSync(bpftool as string, ['btf', 'dump', 'file', VMLINUX, 'format', 'c'], {
        maxBuffer: 1 << 30,
      }).toString();
      const ours = asBpftool71(dumpC(Btf.parse(readFileSync(VMLINUX))));
      const named = (s: string) => s.match(/^(struct|union|enum|typedef) .*$/gm) ?? [];
      expect(named(ours)).toEqual(named(theirs));
      expect(ours === theirs).toBe(true);
    },
  );

  it.runIf(hasVmlinux && hasClang19)(
    'clang-19 compiles a program using task_struct, sk_buff and filename against our vmlinux dump, with every layout asserted',
    () => {
      const btf = Btf.parse(readFileSync(VMLINUX));
      const dir = mkdtempSync(join(tmpdir(), 'tsbpf-cdump-'));
      try {
        writeFileSync(join(dir, 'vmlinux.h'), dumpC(btf));
        // _Static_assert every uniquely named struct's size and its direct named, non-bitfield members' offsets.
        const asserts: string[] = ['#include "vmlinux.h"'];
        let checked = 0;
        const vaListTainted = embedsVaList(btf);
        for (const id of btf.ids()) {
          const t = btf.type(id);
          if ((t.kind !== 'struct' && t.kind !== 'union') || !t.name || t.size === 0 || vaListTainted(id))
            continue;
          if (
            btf
              .findAll(t.name)
              .some((o) => o.id !== id && o.kind !== 'fwd' && o.kind !== 'func' && o.kind !== 'var')
          )
            continue;
          const tag = `${t.kind} ${t.name}`;
          asserts.push(`_Static_assert(sizeof(${tag}) == ${t.size}, "size of ${tag}");`);
          for (const m of t.members) {
            if (!m.name || m.bitfieldSize) continue;
            asserts.push(
              `_Static_assert(__builtin_offsetof(${tag}, ${m.name}) == ${m.bitOffset / 8}, "${tag}.${m.name}");`,
            );
          }
          checked++;
        }
        writeFileSync(join(dir, 'layout.c'), `${asserts.join('\n')}\n`);
        const cc = (src: string) =>
          execFileSync(
            'clang-19',
            ['-g', '-O2', '-target', 'bpf', '-I', dir, '-c', src, '-o', join(dir, 'out.o')],
            { stdio: 'pipe' },
          );
        cc(join(FIXTURES, 'core_prog.c'));
        cc(join(dir, 'layout.c'));
        expect(checked).toBeGreaterThan(5000);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
  it.skipIf(hasVmlinux && hasClang19)('compile test skipped: clang-19 or vmlinux BTF absent', () => {});
});
