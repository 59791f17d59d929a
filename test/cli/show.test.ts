// `tsbpf show progs|maps|links --json` and `tsbpf map dump --json` against bpftool's JSON for the
// same kernel objects (made here: a hash map with BTF key/value types, a raw tracepoint program
// using it, its link): every field bpftool gives that we give must be equal; the formatted
// map entries must be equal. Plus the text forms and the CLI's bad-input contract.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { attachRawTracepoint, BpfMap, KernelBtf, Program } from 'tsbpf';
import { BtfBuilder } from 'tsbpf/btf';
import { assemble } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe, requireKernel } from '../support/kernel.js';

const cli = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const tsbpf = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const json = (...args: string[]) => {
  const r = tsbpf(...args, '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
};
const bpftool = (...args: string[]) =>
  JSON.parse(execFileSync('bpftool', ['-j', ...args], { encoding: 'utf8' }));
const hasBpftool = existsSync('/usr/sbin/bpftool') || existsSync('/usr/bin/bpftool');

/** The fields of `ours` that bpftool also reports must be equal (loaded_at within a second). */
function sameFields(ours: Record<string, unknown>, theirs: Record<string, unknown>, names: string[]): void {
  for (const n of names) {
    expect(n in theirs, `bpftool reports ${n}`).toBe(true);
    if (n === 'loaded_at')
      expect(Math.abs((ours[n] as number) - (theirs[n] as number))).toBeLessThanOrEqual(1);
    else expect({ [n]: ours[n] }).toEqual({ [n]: theirs[n] });
  }
}

/** A map with BTF: key `__u32`, value `struct stat { __u64 hits; char comm[8]; int delta; }`. */
function btfMap(): { map: BpfMap; btf: KernelBtf } {
  const b = new BtfBuilder();
  const u32 = b.int('unsigned int', 4);
  const u64 = b.int('unsigned long long', 8);
  const int = b.int('int', 4, { signed: true });
  const char = b.int('char', 1, { char: true });
  const comm = b.array(char, 8, u32);
  const stat = b.struct('stat', 24, [
    { name: 'hits', type: u64, bitOffset: 0, bitfieldSize: 0 },
    { name: 'comm', type: comm, bitOffset: 64, bitfieldSize: 0 },
    { name: 'delta', type: int, bitOffset: 128, bitfieldSize: 0 },
  ]);
  const btf = KernelBtf.load(b.encode());
  const map = BpfMap.create({
    type: 'hash',
    key: 4,
    value: 24,
    maxEntries: 8,
    name: `show_${process.pid % 100000}`,
    btf: { fd: btf.fd, keyTypeId: u32, valueTypeId: stat },
  });
  return { map, btf };
}

kernelDescribe('tsbpf show and map dump', ['raw_tp', 'btf'], () => {
  it('progs, maps and links match bpftool field by field; map dump formats with BTF like bpftool', () => {
    const { map, btf } = btfMap();
    try {
      const value = (hits: bigint, comm: string, delta: number) => {
        const v = Buffer.alloc(24);
        v.writeBigUInt64LE(hits, 0);
        v.write(comm, 8, 'latin1');
        v.writeInt32LE(delta, 16);
        return v;
      };
      const key = (k: number) => Buffer.from(new Uint32Array([k]).buffer);
      map.set(key(7), value(42n, 'bash', -3));
      map.set(key(9), value(2n ** 40n, 'node', 5));
      const { instructions } = assemble(`
        r1 = 0
        *(u32 *)(r10 - 4) = r1
        r2 = r10
        r2 += -4
        r1 = stats ll
        call 1
        r0 = 0
        exit`);
      using prog = Program.load({
        type: 'raw_tracepoint',
        instructions,
        maps: { stats: map },
        name: 'show_test',
      });
      using link = attachRawTracepoint(prog, 'sys_enter');
      const progId = prog.info().id;
      const mapId = map.info().id;
      const linkId = link.info().id;

      const [p] = json('show', 'progs', String(progId));
      expect(p).toMatchObject({ id: progId, type: 'raw_tracepoint', name: 'show_test', map_ids: [mapId] });
      expect(p.pids).toContainEqual({ pid: process.pid, comm: expect.any(String) });
      const [m] = json('show', 'maps', String(mapId));
      expect(m).toMatchObject({ id: mapId, type: 'hash', bytes_key: 4, bytes_value: 24, max_entries: 8 });
      expect(m.btf_id).toBeGreaterThan(0);
      const [l] = json('show', 'links', String(linkId));
      expect(l).toMatchObject({ id: linkId, type: 'raw_tracepoint', prog_id: progId, tp_name: 'sys_enter' });
      expect(json('show', 'links').map((x: { id: number }) => x.id)).toContain(linkId);

      // CI installs bpftool (.ci/run): there its absence fails rather than skips the comparison.
      if (hasBpftool || requireKernel()) {
        const tp = bpftool('prog', 'show', 'id', String(progId));
        sameFields(p, tp, [
          'id',
          'type',
          'name',
          'tag',
          'loaded_at',
          'uid',
          'bytes_xlated',
          'jited',
          'bytes_jited',
          'map_ids',
        ]);
        const tm = bpftool('map', 'show', 'id', String(mapId));
        sameFields(m, tm, [
          'id',
          'type',
          'name',
          'flags',
          'bytes_key',
          'bytes_value',
          'max_entries',
          'btf_id',
        ]);
        const tl = bpftool('link', 'show', 'id', String(linkId));
        sameFields(l, tl, ['id', 'type', 'prog_id', 'tp_name']);
        if (tp.pids) expect(p.pids).toEqual(expect.arrayContaining(tp.pids));

        const ours = json('map', 'dump', String(mapId));
        const theirs = bpftool('map', 'dump', 'id', String(mapId));
        const byKey = (rows: { key: string[] }[]) =>
          [...rows].sort((a, b) => a.key.join().localeCompare(b.key.join()));
        expect(byKey(ours)).toEqual(byKey(theirs));
      }
      const text = tsbpf('map', 'dump', map.name);
      expect(text.status).toBe(0);
      expect(text.stdout.split('\n').sort()).toEqual(
        [
          'key: 7  value: hits=42 comm="bash" delta=-3',
          `key: 9  value: hits=${2n ** 40n} comm="node" delta=5`,
          'Found 2 elements',
          '',
        ].sort(),
      );
      const shown = tsbpf('show', 'links', String(linkId)).stdout;
      expect(shown).toBe(
        `${linkId}: raw_tracepoint  prog ${progId}\n\ttp_name sys_enter\n\tpids ${p.pids.map((x: { comm: string; pid: number }) => `${x.comm}(${x.pid})`).join(', ')}\n`,
      );
    } finally {
      map.close();
      btf.close();
    }
  });

  it('bad input: one line on stderr, exit 1 (no such object) or 2 (usage)', () => {
    const none = tsbpf('show', 'progs', '2147483000');
    expect([none.status, none.stderr]).toEqual([1, 'tsbpf show: no prog with id 2147483000\n']);
    const noMap = tsbpf('map', 'dump', 'no_such_map_x');
    expect([noMap.status, noMap.stderr]).toEqual([
      1,
      "tsbpf map: no map named 'no_such_map_x' (tsbpf show maps lists them)\n",
    ]);
    const usage = tsbpf('show', 'things');
    expect([usage.status, usage.stderr]).toEqual([
      2,
      "tsbpf show: unknown object kind 'things' (progs, maps or links)\n",
    ]);
    expect(tsbpf('map', 'dump').status).toBe(2);
  });
});
