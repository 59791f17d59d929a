// Programs against the real kernel: load, BPF_PROG_TEST_RUN, late-bound maps, verifier errors.
import { rmSync } from 'node:fs';
import { BpfError, BpfMap, codecs, encode, Program, UnresolvedReferenceError, VerifierError } from 'tsbpf';
import { assemble } from 'tsbpf/isa';
import { afterAll, expect, it } from 'vitest';
import { kernelDescribe } from '../support/kernel.js';

const asm = (text: string) => assemble(text, { dialect: 'llvm' }).instructions;

kernelDescribe('programs: load and test-run', ['prog_load', 'test_run'], () => {
  it('socket filter returns skb->len for the packet it is given (the kernel pulls the 14-byte Ethernet header)', () => {
    using p = Program.load({
      type: 'socket_filter',
      name: 'skblen',
      instructions: asm('r0 = *(u32 *)(r1 + 0)\nexit'),
    });
    for (const len of [14, 60, 1500]) expect(p.testRun({ data: new Uint8Array(len) }).retval).toBe(len - 14);
  });

  it('XDP rewrites the packet: data out differs from data in exactly where the program wrote', () => {
    const prog = asm(`
      r2 = *(u32 *)(r1 + 0)
      r3 = *(u32 *)(r1 + 4)
      r4 = r2
      r4 += 2
      if r4 > r3 goto drop
      *(u8 *)(r2 + 1) = 0xaa
      r0 = 2
      exit
    drop:
      r0 = 1
      exit`);
    using p = Program.load({ type: 'xdp', name: 'xdp_mark', instructions: prog });
    const data = Uint8Array.from({ length: 64 }, (_, i) => i);
    const out = p.testRun({ data, repeat: 10 });
    expect(out.retval).toBe(2); // XDP_PASS
    const expected = Buffer.from(data);
    expected[1] = 0xaa;
    expect(out.data).toEqual(expected);
    expect(out.duration).toBeGreaterThanOrEqual(0);
  });

  it('raw bytecode loads too; info() reports the kernel tag, stable per program text', () => {
    const bytes = encode(asm('r0 = 7\nr0 += 35\nexit'));
    using p = Program.load({ type: 'socket_filter', name: 'tagged', instructions: bytes });
    const info = p.info();
    expect(info.tag).toMatch(/^[0-9a-f]{16}$/);
    {
      using same = Program.load({ type: 'socket_filter', instructions: bytes });
      using other = Program.load({ type: 'socket_filter', instructions: asm('r0 = 1\nexit') });
      expect(same.info().tag).toBe(info.tag);
      expect(other.info().tag).not.toBe(info.tag);
    }
    expect(info).toMatchObject({ typeName: 'socket_filter', name: 'tagged', xlatedSize: 24 });
    expect(info.verifiedInsns).toBe(3);
    expect(p.testRun({ data: new Uint8Array(14) }).retval).toBe(42);
    using again = Program.fromId(info.id);
    expect(again.name).toBe('tagged');
    expect([...Program.ids()]).toContain(info.id);
  });
});

kernelDescribe('programs: maps by late-bound name', ['prog_load', 'test_run', 'maps'], () => {
  it('an lddw of `counts` resolves to the map fd; the program updates the map the test reads', () => {
    using counts = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64,
      maxEntries: 2,
      name: 'counts',
    });
    const prog = asm(`
      *(u32 *)(r10 - 4) = 1
      r2 = r10
      r2 += -4
      r1 = counts ll
      call 1
      if r0 == 0 goto out
      r1 = 5
      lock *(u64 *)(r0 + 0) += r1
    out:
      r0 = 0
      exit`);
    using p = Program.load({ type: 'socket_filter', name: 'counter', instructions: prog, maps: { counts } });
    p.testRun({ data: new Uint8Array(14), repeat: 3 });
    expect(counts.get(1)).toBe(15n);
    expect(counts.get(0)).toBe(0n);
    expect(p.info().mapIds).toEqual([counts.info().id]);
  });

  it('map_value references point into the map (direct value access)', () => {
    using g = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64,
      maxEntries: 1,
      name: 'globals',
    });
    g.set(0, 0x1234n);
    const prog = asm('r1 = map_value(globals) + 0 ll\nr0 = *(u64 *)(r1 + 0)\nexit');
    using p = Program.load({ type: 'socket_filter', instructions: prog, maps: new Map([['globals', g]]) });
    expect(p.testRun({ data: new Uint8Array(14) }).retval).toBe(0x1234);
  });

  it('an unknown map name is a typed error naming it and its source line', () => {
    const prog = asm('r0 = 0\nr1 = nosuchmap ll\nexit');
    let err: unknown;
    try {
      Program.load({ type: 'socket_filter', instructions: prog, maps: {} });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnresolvedReferenceError);
    expect((err as Error).message).toMatch(/'nosuchmap'.*instruction 1 at 2:/);
  });
});

kernelDescribe('programs: verifier errors', ['prog_load'], () => {
  it('names the failing instruction and its assembly line (lddw before it counts two slots)', () => {
    const text = '; reads r2 before writing it\nr1 = 0x100000000 ll\nr3 = 1\nr0 = r2\nexit';
    let err: unknown;
    try {
      Program.load({ type: 'socket_filter', name: 'bad', instructions: asm(text) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VerifierError);
    const v = err as VerifierError;
    expect(v.code).toBe('EACCES');
    expect(v.insnIndex).toBe(3); // slots: lddw 0-1, r3 = 1 at 2, r0 = r2 at 3
    expect(v.source?.line).toBe(4);
    expect(v.message).toContain('R2 !read_ok');
    expect(v.message).toMatch(/failing instruction 3: r0 = r2 at 4:\d+/);
    expect(v.log).toMatch(/processed \d+ insns/);
  });

  it('without source, the failing instruction is disassembled', () => {
    const bytes = encode(asm('r0 = 0\nr0 = *(u64 *)(r1 + 9999)\nexit'));
    try {
      Program.load({ type: 'socket_filter', instructions: bytes });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VerifierError);
      expect((e as VerifierError).message).toMatch(/failing instruction 1: r0 = \*\(u64 \*\)\(r1 /);
    }
  });

  it('a loop past the complexity limit still yields the reason (large logs grow the buffer)', () => {
    // 4,000 conditional jumps over each other: a long log at level 1.
    const lines = ['r0 = 0', 'r1 = *(u32 *)(r1 + 0)'];
    for (let i = 0; i < 4000; i++) lines.push(`if r1 == ${i} goto +1`, 'r0 += 1');
    lines.push('r0 = r5', 'exit');
    try {
      Program.load({ type: 'socket_filter', instructions: asm(lines.join('\n')) });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VerifierError);
      expect((e as VerifierError).message).toContain('R5 !read_ok');
      expect((e as VerifierError).source?.line).toBe(lines.length - 1);
    }
  });

  it('an unknown program type and a bad name are typed errors', () => {
    expect(() => Program.load({ type: 'bogus' as 'xdp', instructions: asm('exit') })).toThrow(
      /unknown program type 'bogus'/,
    );
    expect(() => Program.load({ type: 'xdp', name: 'x'.repeat(16), instructions: asm('exit') })).toThrow(
      /bad program name/,
    );
    let err: unknown;
    try {
      Program.load({ type: 999, instructions: asm('r0 = 0\nexit') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BpfError);
    expect((err as BpfError).message).toMatch(/EINVAL.*unknown program type/);
  });
});

const pinDir = `/sys/fs/bpf/tsbpf-prog-${process.pid}`;
kernelDescribe('programs: pin', ['prog_load', 'bpffs'], () => {
  afterAll(() => rmSync(pinDir, { recursive: true, force: true }));
  it('pins and reopens; the reopened program runs', () => {
    {
      using p = Program.load({ type: 'socket_filter', name: 'pinme', instructions: asm('r0 = 3\nexit') });
      p.pin(`${pinDir}/p`);
    }
    using again = Program.openPinned(`${pinDir}/p`);
    expect(again.name).toBe('pinme');
    expect(again.testRun({ data: new Uint8Array(14) }).retval).toBe(3);
  });
});
