// `tsbpf load` prints ringbuf and perf buffer records through the object's BTF: the record type
// is inferred from the size the programs pass to bpf_ringbuf_reserve / bpf_perf_event_output,
// or named with --record. Checked against the process that made the events (its pid, its thread
// names) and against the program's own sequence numbers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfObject, recordTypes } from 'tsbpf';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run as load } from '../../src/cli/load.js';
import { kernelAvailable, kernelDescribe } from '../support/kernel.js';
import { fixture } from '../support/object-fixtures.js';

const OBJECT = fixture('globals.bpf.o');

function capture() {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  return { out: () => out, err: () => err };
}
afterEach(() => vi.restoreAllMocks());

/** Runs `tsbpf load` for `seconds` while this process calls getppid(2) every few ms. */
async function loadWhileCalling(args: string[], seconds: number) {
  const io = capture();
  let calls = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 5; i++) if (process.ppid > 0) calls++;
  }, 10);
  try {
    const code = await load([
      OBJECT,
      '--duration',
      String(seconds),
      '--set',
      `target_tgid=${process.pid}`,
      ...args,
    ]);
    return { code, out: io.out(), err: io.err(), calls };
  } finally {
    clearInterval(timer);
    vi.restoreAllMocks();
  }
}

describe('record types from the object alone', () => {
  it('the struct whose size the programs pass, among the structs the BTF keeps', () => {
    const obj = BpfObject.open(OBJECT);
    const types = recordTypes(obj.spec.maps, obj.spec.programs, obj.spec.btf);
    expect(types.map((t) => [t.map, t.typeName, t.sizes])).toEqual([
      ['events', 'struct event', [40]],
      ['samples', 'struct ppid_sample', [24]],
    ]);
    // tp_unlinkat.bpf.c reserves sizeof(struct event) but nothing keeps that struct in its BTF.
    const plain = BpfObject.open(fixture('tp_unlinkat.bpf.o'));
    const [events] = recordTypes(plain.spec.maps, plain.spec.programs, plain.spec.btf);
    expect(events?.typeId).toBeUndefined();
    expect(events?.reason).toMatch(/no struct of \d+ bytes in the object's BTF \(keep one there with/);
  });

  it('--record names that do not exist are one-line errors before anything loads', async () => {
    capture();
    await expect(load([OBJECT, '--record', 'events=evnt'])).rejects.toThrow(
      /--record events=evnt: no struct 'evnt' in the object's BTF \(did you mean 'event'\?\)/,
    );
    await expect(load([OBJECT, '--record', 'evnts=event'])).rejects.toThrow(
      /no ringbuf or perf event array map 'evnts' \(did you mean 'events'\?\)/,
    );
  });
});

kernelDescribe('tsbpf load: decoded records', ['prog_load', 'btf', 'tracepoints', 'ringbuf'], () => {
  it('ringbuf and perf records print as struct fields, as the program wrote them', async () => {
    const r = await loadWhileCalling(['--set', 'step=-2', '--set', 'mode=MODE_CLAMP'], 1);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /ringbuf events: records as struct event \(40-byte records, the size of struct event\)/,
    );
    expect(r.err).toMatch(/perf samples: records as struct ppid_sample \(24-byte records/);
    const threads = new Set(
      readdirSync('/proc/self/task').map((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim()),
    );
    const ring = [...r.out.matchAll(/^ringbuf events: (.*)$/gm)].map((m) => m[1] as string);
    const perf = [...r.out.matchAll(/^perf samples: (.*)$/gm)].map((m) => m[1] as string);
    expect(ring.length).toBeGreaterThanOrEqual(r.calls);
    const seqs = ring.map((line, i) => {
      const m =
        /^pid=(\d+) tid=(\d+) seq=(\d+) comm="([^"]*)" step=(-?\d+) odd=(true|false) tag=\[116, 97, 103\]$/.exec(
          line,
        );
      expect(m, line).not.toBeNull();
      const [, pid, , seq, comm, step, odd] = m as RegExpExecArray;
      expect(Number(pid)).toBe(process.pid);
      expect(threads).toContain(comm);
      expect(Number(step)).toBe(-2);
      expect(odd).toBe(String(Number(seq) % 2 === 1));
      expect(Number(seq)).toBe(i + 1);
      return Number(seq);
    });
    // The perf buffer got the same events (one ring per CPU: order across CPUs may differ).
    const perfSeqs = perf.map((line) => {
      const m = /^pid=(\d+) cpu_hint=\d+ mode=MODE_CLAMP seq=(\d+)$/.exec(line);
      expect(m, line).not.toBeNull();
      expect(Number(m?.[1])).toBe(process.pid);
      return Number(m?.[2]);
    });
    expect(perfSeqs.sort((a, b) => a - b)).toEqual(seqs);
  });

  it('--record overrides the type; a record of another size prints in hex and says why', async () => {
    const r = await loadWhileCalling(['--record', 'events=struct ppid_sample'], 0.3);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/ringbuf events: records as struct ppid_sample \(--record\)/);
    const lines = [...r.out.matchAll(/^ringbuf events: (.*)$/gm)].map((m) => m[1] as string);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^[0-9a-f]{80} \(40 bytes, not the 24 of struct ppid_sample\)$/);
  });
});

describe('tsbpf load --types', () => {
  it('prints an interface that type-checks and matches what loaded.variables returns', async () => {
    const io = capture();
    expect(await load([OBJECT, '--types'])).toBe(0);
    vi.restoreAllMocks();
    const source = io.out();
    expect(source).toMatch(/^export interface Globals \{$/m);
    expect(source).toMatch(
      /^ {2}\/\*\* \.data: struct limits \*\/\n {2}window: \{\n {4}lo: number;\n {4}hi: number;\n {2}\};$/m,
    );
    // The interface compiles under strict settings and describes the values as a user reads them.
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-types-'));
    try {
      writeFileSync(join(dir, 'globals.ts'), source);
      writeFileSync(
        join(dir, 'use.ts'),
        [
          "import type { Globals } from './globals.js';",
          'declare const g: Globals;',
          'const counts: bigint[] = [g.packets, g.events_seen, g.bits.big];',
          'const words: number[] = [g.step, g.mode, g.window.hi, g.bits.b, g.bits.pairs[0]?.lo ?? 0, ...g.offsets];',
          'const text: string = g.label;',
          'export const all = [counts, words, text];',
        ].join('\n'),
      );
      const tsc = spawnSync(
        process.execPath,
        [
          fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)),
          '--strict',
          '--noUncheckedIndexedAccess',
          '--exactOptionalPropertyTypes',
          '--noEmit',
          '--target',
          'ES2022',
          '--module',
          'NodeNext',
          join(dir, 'use.ts'),
        ],
        { encoding: 'utf8' },
      );
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (!kernelAvailable()) return;
    // Every scalar the interface declares has that JavaScript type at run time.
    using loaded = BpfObject.open(OBJECT).load();
    let checked = 0;
    for (const m of source.matchAll(/^ {2}(\w+): (number|bigint|string|boolean);$/gm)) {
      expect(typeof loaded.variable(m[1] as string).get(), m[1]).toBe(m[2]);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  }, 180_000); // tsc itself takes seconds, more on a busy machine
});
