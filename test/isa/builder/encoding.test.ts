// Encodings the LLVM 19 goldens cannot cover (kfunc calls, load-acquire/store-release, lddw
// offsets, ldInd imm), checked field by field against the ISA (RFC 9669 + kernel uapi values),
// and the shape of build()'s result.
import {
  classify,
  disassemble,
  encode,
  type Instruction,
  program,
  R0,
  R1,
  R2,
  R3,
  R6,
  R10,
  W1,
  W2,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const fields = (ins: Instruction) => ({
  code: ins.code,
  dst: ins.dst,
  src: ins.src,
  off: ins.off,
  imm: ins.imm,
  imm2: ins.imm2,
});
const one = (emit: (b: ReturnType<typeof program>) => void) => {
  const b = program({ sourcePositions: false });
  emit(b);
  b.exit();
  return b.build().instructions[0] as Instruction;
};

describe('encodings outside LLVM 19', () => {
  it('load_acquire / store_release: STX|ATOMIC with imm 0x100 / 0x110 (BPF_LOAD_ACQ / BPF_STORE_REL), any size', () => {
    expect(fields(one((b) => b.loadAcquire('u64', R1, R2, 8)))).toMatchObject({
      code: 0xdb,
      dst: 1,
      src: 2,
      off: 8,
      imm: 0x100,
    });
    expect(fields(one((b) => b.loadAcquire('u8', W1, R2)))).toMatchObject({
      code: 0xd3,
      dst: 1,
      src: 2,
      off: 0,
      imm: 0x100,
    });
    expect(fields(one((b) => b.storeRelease('u16', R10, -2, W2)))).toMatchObject({
      code: 0xcb,
      dst: 10,
      src: 2,
      off: -2,
      imm: 0x110,
    });
    expect(classify(one((b) => b.storeRelease('u32', R1, 4, R2)))).toMatchObject({
      kind: 'atomic',
      op: { name: 'store_release' },
    });
  });
  it('kfunc calls: src 2 (BPF_PSEUDO_KFUNC_CALL), imm = BTF id, off = module BTF slot; by name a kfunc reference', () => {
    expect(fields(one((b) => b.callKfunc(12345)))).toMatchObject({
      code: 0x85,
      dst: 0,
      src: 2,
      off: 0,
      imm: 12345,
    });
    expect(fields(one((b) => b.callKfunc(77, 3)))).toMatchObject({ src: 2, off: 3, imm: 77 });
    const byName = one((b) => b.callKfunc('bpf_rcu_read_lock'));
    expect(byName.ref).toEqual({ kind: 'kfunc', name: 'bpf_rcu_read_lock' });
    expect(fields(byName)).toMatchObject({ code: 0x85, src: 2, imm: 0 });
  });
  it('ldMapValue keeps the offset in imm2 and in the reference; ldMap a MAP_FD lddw with a map reference', () => {
    const v = one((b) => b.ldMapValue(R3, 'globals', 24));
    expect(fields(v)).toEqual({ code: 0x18, dst: 3, src: 2, off: 0, imm: 0, imm2: 24 });
    expect(v.ref).toEqual({ kind: 'map_value', name: 'globals', offset: 24 });
    const m = one((b) => b.ldMap(R1, 'counts'));
    expect(fields(m)).toEqual({ code: 0x18, dst: 1, src: 1, off: 0, imm: 0, imm2: 0 });
    expect(m.ref).toEqual({ kind: 'map', name: 'counts' });
  });
  it('ldInd with an immediate, ldAbs: LD|IND / LD|ABS with the size bits', () => {
    expect(fields(one((b) => b.ldInd('u8', R3, 14)))).toMatchObject({ code: 0x50, dst: 0, src: 3, imm: 14 });
    expect(fields(one((b) => b.ldAbs('u16', 12)))).toMatchObject({ code: 0x28, src: 0, imm: 12 });
  });
  it('ret(v) is mov r0, v; exit', () => {
    const b = program({ sourcePositions: false }).ret(-1);
    expect(b.build().instructions.map(fields)).toEqual([
      { code: 0xb7, dst: 0, src: 0, off: 0, imm: -1, imm2: undefined },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0, imm2: undefined },
    ]);
  });
  it('immediates: u32 patterns for 32-bit ops, bigint accepted, store immediates as spelled', () => {
    expect(one((b) => b.mov(W1, 0x80000000)).imm).toBe(-0x80000000);
    expect(one((b) => b.add(R1, 5n)).imm).toBe(5);
    // A store's imm is kept as spelled (LLVM encodes `= 0xff` as 255); the CPU stores its low bytes.
    expect(one((b) => b.st('u8', R10, -1, 0xff)).imm).toBe(255);
    expect(one((b) => b.st('u16', R10, -2, -1)).imm).toBe(-1);
  });
});

describe('build() result', () => {
  it('labels and funcs map to slots (lddw counts two), references stay on the instructions', () => {
    const b = program({ sourcePositions: false });
    b.loadImm64(R1, 1n).label('after_wide').callLocal('f').ldMap(R2, 'm').label('tail').ret(0);
    b.func('f', (f) => f.label('entry').mov(R0, 1).exit());
    const r = b.build();
    expect(r.labels).toEqual(
      new Map([
        ['after_wide', 2],
        ['tail', 5],
        ['f:entry', 7],
      ]),
    );
    expect(r.funcs).toEqual(new Map([['f', 7]]));
    expect(r.slots).toBe(9);
    expect(encode(r.instructions).length).toBe(72);
    // call at slot 2 → f at slot 7: imm = 7 - (2 + 1)
    expect(r.instructions[1]).toMatchObject({ code: 0x85, src: 1, imm: 4, ref: { kind: 'func', name: 'f' } });
    expect(r.instructions[2]?.ref).toEqual({ kind: 'map', name: 'm' });
  });
  it('labels are per function: the same name in main and a subprogram are different labels', () => {
    const b = program({ sourcePositions: false });
    b.ja('x').label('x').callLocal('g').exit();
    b.func('g', (g) => g.ja('x').label('x').exit());
    const { instructions, labels } = b.build();
    expect(instructions[0]?.off).toBe(0);
    expect(instructions[3]?.off).toBe(0);
    expect(labels.get('x')).toBe(1);
    expect(labels.get('g:x')).toBe(4);
  });
  it('build() is repeatable and does not alias its output between calls', () => {
    const b = program({ sourcePositions: false });
    b.jeq(R1, 0, 'out').mov(R0, 1).label('out').exit();
    const first = b.build();
    (first.instructions[0] as Instruction).off = 99;
    expect(b.build().instructions[0]?.off).toBe(1);
  });
  it('disassembles to readable LLVM text with label names and helper names', () => {
    const b = program({ sourcePositions: false });
    const key = b.stackAlloc(4);
    b.st('u32', R10, key, 0).ldMap(R1, 'counts').mov(R2, R10).add(R2, key).call('map_lookup_elem');
    b.jeq(R0, 0, 'out').mov(R6, R0).label('out').ret(0);
    const text = disassemble(b.build().instructions, {
      helperName: (id) => (id === 1 ? 'bpf_map_lookup_elem' : undefined),
    });
    expect(text).toEqual([
      '*(u32 *)(r10 - 0x4) = 0x0',
      'r1 = counts ll',
      'r2 = r10',
      'r2 += -0x4',
      'call bpf_map_lookup_elem',
      'if r0 == 0x0 goto out',
      'r6 = r0',
      'r0 = 0x0',
      'exit',
    ]);
  });
});

describe('conveniences', () => {
  it('stackAlloc aligns and accumulates per function; zeroStack covers exactly the bytes', () => {
    const b = program({ sourcePositions: false });
    expect(b.stackAlloc(4)).toBe(-4);
    expect(b.stackAlloc(8)).toBe(-16);
    expect(b.stackAlloc(1)).toBe(-17);
    expect(b.stackAlloc(16, 8)).toBe(-40);
    expect(b.stackSize).toBe(40);
    b.zeroStack(-40, 40).exit();
    const covered = new Set<number>();
    const widths = { 24: 8, 0: 4, 8: 2, 16: 1 } as Record<number, number>;
    for (const ins of b.build().instructions.slice(0, -1)) {
      expect(ins.code & 0x07).toBe(0x02); // ST
      const w = widths[ins.code & 0x18] as number;
      expect(Math.abs(ins.off % w)).toBe(0);
      for (let i = 0; i < w; i++) covered.add(ins.off + i);
    }
    expect([...covered].sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i - 40));
  });
  it('withRegs lends distinct callee-saved registers and takes them back', () => {
    const b = program({ sourcePositions: false });
    const seen: number[][] = [];
    b.withRegs(2, (x, y) => {
      seen.push([x.index, y.index]);
      b.withRegs(2, (z, w) => seen.push([z.index, w.index]));
    });
    b.withRegs(1, (x) => seen.push([x.index]));
    expect(seen).toEqual([[6, 7], [8, 9], [6]]);
  });
});
