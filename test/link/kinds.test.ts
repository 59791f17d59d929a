// The attach-kind registry (src/link/kinds/): what specs, fallbacks, object auto-attach and the
// docs learn from it, without a kernel. The kernel paths of each kind are tested in this folder
// (tracepoint, raw_tp, tp_btf, uprobe) and in the VM suite (kprobe, fentry, fexit).
import { readdirSync, readFileSync } from 'node:fs';
import type { Program } from 'tsbpf';
import {
  attachBySection,
  fallbackChain,
  formatProbeSpec,
  NotAutoAttachable,
  parseProbeSpec,
  sectionInfo,
} from 'tsbpf';
import { describe, expect, it } from 'vitest';
import { KINDS, kindForSection, PREFIXED_KINDS } from '../../src/link/kinds/index.js';
import { returnOf } from '../../src/metrics/config.js';

const root = new URL('../../', import.meta.url);

describe('the attach-kind registry', () => {
  it('gives every prefix and alias to one kind, and each parses back to it', () => {
    const seen = new Map<string, string>();
    for (const k of PREFIXED_KINDS) {
      for (const prefix of [k.name, ...(k.descriptor.aliases ?? [])]) {
        expect(seen.get(prefix), `prefix '${prefix}'`).toBeUndefined();
        seen.set(prefix, k.name);
      }
    }
    expect(Object.fromEntries(seen)).toEqual({
      kprobe: 'kprobe',
      k: 'kprobe',
      kretprobe: 'kretprobe',
      kr: 'kretprobe',
      fentry: 'fentry',
      f: 'fentry',
      kfunc: 'fentry',
      fexit: 'fexit',
      fr: 'fexit',
      kretfunc: 'fexit',
      tracepoint: 'tracepoint',
      t: 'tracepoint',
      tp_btf: 'tp_btf',
      rawtracepoint: 'tp_btf',
      rt: 'tp_btf',
      uprobe: 'uprobe',
      u: 'uprobe',
      uretprobe: 'uretprobe',
      ur: 'uretprobe',
      usdt: 'usdt',
      U: 'usdt',
    });
  });

  it('parses and formats each grammar the way it was written', () => {
    for (const text of [
      'kprobe:do_unlinkat',
      'kretprobe:do_unlinkat',
      'fentry:vfs_read',
      'fexit:vfs_read',
      'tracepoint:syscalls:sys_enter_openat',
      'tp_btf:sched_switch',
      'uprobe:/bin/bash:readline',
      'uretprobe:libc.so.6:malloc',
      'usdt:/usr/bin/python3.11:python:function__entry',
      'usdt:libstdc++.so.6:throw',
      'usdt:/a:b/c:prov:*',
      'BEGIN',
      'END',
    ])
      expect(formatProbeSpec(parseProbeSpec(text))).toBe(text);
    expect(parseProbeSpec('BEGIN')).toEqual({ kind: 'begin', target: 'BEGIN', text: 'BEGIN' });
    expect(() => parseProbeSpec('tp_btf:a-b')).toThrow(/'a-b' is not a tracepoint name/);
    expect(() => parseProbeSpec('uprobe:/bin/bash')).toThrow(/expected uprobe:BINARY:SYMBOL/);
    expect(parseProbeSpec('U:libstdc++.so.6:libstdcxx:throw')).toMatchObject({
      kind: 'usdt',
      binary: 'libstdc++.so.6',
      target: 'libstdcxx:throw',
    });
    expect(parseProbeSpec('usdt:/a:b/c:prov:*')).toMatchObject({ binary: '/a:b/c', target: 'prov:*' });
    expect(() => parseProbeSpec('usdt:/bin/python3')).toThrow(/expected usdt:BINARY:PROVIDER:NAME/);
    expect(() => parseProbeSpec('usdt:/bin/python3:py-thon:x')).toThrow(/'py-thon' is not a probe provider/);
  });

  it('chains fallbacks as the descriptors say: the other kernel-function kind, then syscall tracepoints', () => {
    const kinds = (text: string) =>
      fallbackChain(parseProbeSpec(text))
        .slice(0, 2)
        .map((s) => s.specs.map((x) => x.text).join(','));
    expect(kinds('kprobe:no_such_function_xyz')).toEqual([
      'kprobe:no_such_function_xyz',
      'fentry:no_such_function_xyz',
    ]);
    expect(kinds('fentry:no_such_function_xyz')).toEqual([
      'fentry:no_such_function_xyz',
      'kprobe:no_such_function_xyz',
    ]);
    expect(kinds('kretprobe:no_such_function_xyz')).toEqual([
      'kretprobe:no_such_function_xyz',
      'fexit:no_such_function_xyz',
    ]);
    expect(kinds('fexit:no_such_function_xyz')).toEqual([
      'fexit:no_such_function_xyz',
      'kretprobe:no_such_function_xyz',
    ]);
    expect(fallbackChain(parseProbeSpec('tracepoint:sched:sched_switch'))).toHaveLength(1);
    expect(fallbackChain(parseProbeSpec('uprobe:/bin/sh:main'))).toHaveLength(1);
  });

  it('pairs entry probes with their return side', () => {
    const ret = (text: string) => returnOf(parseProbeSpec(text))?.text;
    expect(ret('kprobe:vfs_read')).toBe('kretprobe:vfs_read');
    expect(ret('fentry:vfs_read')).toBe('fexit:vfs_read');
    expect(ret('uprobe:/bin/sh:main')).toBe('uretprobe:/bin/sh:main');
    expect(ret('tracepoint:syscalls:sys_enter_read')).toBe('tracepoint:syscalls:sys_exit_read');
    expect(ret('tracepoint:sched:sched_switch')).toBeUndefined();
    expect(ret('kretprobe:vfs_read')).toBeUndefined();
  });

  it('claims each libbpf section kind at most once, and the traceable ones all', () => {
    const claimed = KINDS.flatMap((k) => k.descriptor.sections ?? []);
    expect(new Set(claimed).size).toBe(claimed.length);
    for (const s of [
      'kprobe',
      'kretprobe',
      'ksyscall',
      'kretsyscall',
      'tracepoint',
      'raw_tp',
      'tp_btf',
    ] as const)
      expect(kindForSection(s)?.descriptor.attachSection, s).toBeDefined();
    for (const s of ['fentry', 'fexit', 'uprobe', 'uretprobe'] as const)
      expect(kindForSection(s)?.name).toBe(s);
    expect(kindForSection('xdp')).toBeUndefined();
  });

  it('says why a section cannot be auto-attached, before touching the program', async () => {
    const prog = { fd: -1 } as Program;
    const attach = (section: string) => attachBySection(prog, sectionInfo(section) as never);
    await expect(attach('kprobe')).rejects.toThrow(
      new NotAutoAttachable("section 'kprobe' names no function to attach to"),
    );
    await expect(attach('ksyscall')).rejects.toThrow(/names no system call/);
    await expect(attach('uprobe/nocolon')).rejects.toThrow(
      /section 'uprobe\/nocolon' is not uprobe\/BINARY:SYMBOL/,
    );
    await expect(attach('tracepoint/noslash')).rejects.toThrow(/is not tracepoint\/GROUP\/NAME/);
    await expect(attach('xdp')).rejects.toThrow(/need a target given by hand/);
    await expect(attach('perf_event')).rejects.toThrow(NotAutoAttachable);
  });

  it('keeps descriptor files light: only type imports, attach code behind import()', () => {
    const dir = new URL('src/link/kinds/', root);
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const values = [...text.matchAll(/^import (?!type )[^;]*from '([^']+)'/gm)].map((m) => m[1]);
      const allowed =
        file === 'index.ts' ? (s: string) => s.startsWith('./') : (s: string) => s === './kind.js';
      for (const v of values) expect(allowed(v as string), `${file} imports ${v}`).toBe(true);
    }
  });

  it('quotes the raw tracepoint descriptor in docs/architecture.md exactly', () => {
    const doc = readFileSync(new URL('docs/architecture.md', root), 'utf8');
    const file = readFileSync(new URL('src/link/kinds/raw-tracepoint.ts', root), 'utf8');
    expect(doc).toContain(`\`\`\`typescript\n${file}\`\`\``);
    const registry = readFileSync(new URL('src/link/kinds/index.ts', root), 'utf8');
    const line = /^export const OBJECT_KINDS = .*$/m.exec(registry)?.[0] as string;
    expect(doc).toContain(`\`\`\`typescript\n${line}\n\`\`\``);
  });
});
