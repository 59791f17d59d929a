// Objects we write (programs + BTF-defined maps + BTF): libbpf (bpftool prog loadall) loads them,
// and so do we; and TS-built probes read kernel structs through CO-RE offsets (core.read).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  attachTracepoint,
  BpfMap,
  BpfObject,
  Builder,
  core,
  Program,
  R0,
  R1,
  R2,
  R6,
  R7,
  R8,
  R10,
  writeObject,
} from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';
import { ensureBpffs } from '../../../src/bpffs.js';
import { kernelDescribe } from '../../support/kernel.js';
import { bpftoolPath } from '../../support/object-fixtures.js';

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

const COUNTER = `
count_packets:
  r6 = r1
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = counts ll
  call bpf_map_lookup_elem
  if r0 == 0 goto out
  r1 = 1
  lock *(u64 *)(r0 + 0) += r1
out:
  r0 = *(u32 *)(r6 + 0)
  exit
`;

function counterObject(): Uint8Array {
  const { instructions } = assemble(COUNTER);
  return writeObject({
    programs: [{ name: 'count_packets', section: 'socket', instructions }],
    maps: [{ name: 'counts', type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 }],
  });
}

describe('object writer', () => {
  it('writes what our reader reads back: the program, its map relocation, the map definition', () => {
    const obj = BpfObject.fromBytes(counterObject(), 'counter');
    expect(obj.programs.map((p) => [p.name, p.section, p.def?.programType])).toEqual([
      ['count_packets', 'socket', 'socket_filter'],
    ]);
    expect(obj.programs[0]?.instructions.find((i) => i.ref)?.ref).toEqual({ kind: 'map', name: 'counts' });
    expect(obj.maps.get('counts')).toMatchObject({
      type: 2,
      keySize: 4,
      valueSize: 8,
      maxEntries: 1,
      flags: 0,
      pinning: 'none',
      kind: 'btf',
    });
  });

  it('the builder emits an object too: ldMap references become relocations against the map', () => {
    const b = new Builder();
    b.mov(R1, 0)
      .stx('u32', R10, -4, R1)
      .mov(R2, R10)
      .add(R2, -4)
      .ldMap(R1, 'hits')
      .call('bpf_map_lookup_elem');
    b.jeq(R0, 0, 'out').mov(R1, 1).atomic('add', 'u64', R0, 0, R1).label('out').mov(R0, 0).exit();
    const bytes = writeObject({
      programs: [{ name: 'xdp_hits', section: 'xdp', instructions: b.build().instructions }],
      maps: [{ name: 'hits', type: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 1 }],
    });
    const obj = BpfObject.fromBytes(bytes);
    expect(obj.programs[0]?.def).toMatchObject({ programType: 'xdp', expectedAttachType: 'xdp' });
    expect(obj.maps.get('hits')).toMatchObject({ type: 6, keySize: 4, valueSize: 8 });
  });

  it('refuses references it cannot express', () => {
    const { instructions } = assemble('r1 = nowhere ll\nr0 = 0\nexit');
    expect(() => writeObject({ programs: [{ name: 'p', section: 'socket', instructions }] })).toThrow(
      /map 'nowhere', which is not defined/,
    );
  });
});

kernelDescribe('object writer: loads with libbpf and with us', ['prog_load', 'test_run', 'bpffs'], () => {
  it('bpftool prog loadall accepts our object; same program tag and map as our own load', () => {
    const tool = bpftoolPath();
    const file = `${mkdtempSync(`${tmpdir()}/tsbpf-writer-`)}/counter.o`;
    writeFileSync(file, counterObject());
    using ours = BpfObject.open(file).load();
    expect(ours.program('count_packets').testRun({ data: new Uint8Array(64), repeat: 4 }).retval).toBe(50);
    expect(view(ours.map('counts').get(new Uint8Array(4)) as Uint8Array).getBigUint64(0, true)).toBe(4n);
    if (!tool) return; // bpftool is the outside oracle when installed (CI installs it)
    ensureBpffs(); // a fresh machine may not have it mounted yet
    const dir = mkdtempSync('/sys/fs/bpf/tsbpf-writer-');
    try {
      execFileSync(tool, ['prog', 'loadall', file, dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      const prog = JSON.parse(
        execFileSync(tool, ['-j', 'prog', 'show', 'pinned', `${dir}/count_packets`], { encoding: 'utf8' }),
      );
      expect(prog).toMatchObject({
        type: 'socket_filter',
        name: 'count_packets',
        tag: ours.program('count_packets').info().tag,
      });
      const map = JSON.parse(
        execFileSync(tool, ['-j', 'map', 'show', 'id', String(prog.map_ids[0])], { encoding: 'utf8' }),
      );
      expect(map).toMatchObject({
        type: 'array',
        name: 'counts',
        bytes_key: 4,
        bytes_value: 8,
        max_entries: 1,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

kernelDescribe('core.read: TS-built probes with CO-RE offsets', ['prog_load', 'tracepoints', 'btf'], () => {
  it("reads task_struct.tgid and follows real_parent to the parent's tgid", () => {
    using out = BpfMap.create({ type: 'array', key: 4, value: 16, maxEntries: 1, name: 'core_out' });
    const b = new Builder();
    b.call('bpf_get_current_pid_tgid').rsh(R0, 32).jne(R0, process.pid, 'out');
    b.call('bpf_get_current_task').mov(R6, R0);
    core.read(b, R7, R6, 'struct task_struct', 'tgid');
    core.read(b, R8, R6, 'struct task_struct', 'real_parent.tgid');
    b.ldMapValue(R1, 'core_out').stx('u64', R1, 0, R7).stx('u64', R1, 8, R8);
    b.label('out').mov(R0, 0).exit();
    const { instructions } = b.build();
    using prog = Program.load({ type: 'tracepoint', instructions, maps: { core_out: out } });
    using link = attachTracepoint(prog, 'syscalls', 'sys_enter_getppid');
    void link;
    const ppid = process.ppid; // getppid(2)
    const v = view(out.get(new Uint8Array(4)) as Uint8Array);
    expect(Number(v.getBigUint64(0, true))).toBe(process.pid);
    expect(Number(v.getBigUint64(8, true))).toBe(ppid);
  });

  it('names what it cannot read', () => {
    const b = new Builder();
    expect(() => core.read(b, R7, R6, 'struct task_struct', 'no_such_field')).toThrow(/no_such_field/);
    expect(() => core.read(b, R7, R6, 'struct no_such_struct', 'x')).toThrow(/no struct 'no_such_struct'/);
    expect(() => core.read(b, R7, R6, 'struct task_struct', 'comm')).toThrow(/16 bytes/);
  });
});
