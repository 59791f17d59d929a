// The tricky corners of the ISA, one test each. Expected values come from the ISA text
// (RFC 9669 §4-5 and the v4 additions), worked by hand in the comments — not from our code.
import {
  assemble,
  type Instruction,
  Interpreter,
  InterpreterFault,
  type InterpreterOptions,
  type RunOptions,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const M64 = (1n << 64n) - 1n;
const u = (v: bigint) => BigInt.asUintN(64, v);

function r0(text: string, run: RunOptions = {}, opts: InterpreterOptions = {}): bigint {
  return new Interpreter(assemble(text).instructions, opts).run(run).r0;
}

function fault(text: string, run: RunOptions = {}, opts: InterpreterOptions = {}): InterpreterFault {
  try {
    new Interpreter(assemble(text).instructions, opts).run(run);
  } catch (e) {
    if (e instanceof InterpreterFault) return e;
    throw e;
  }
  throw new Error('expected a fault');
}

describe('division and modulo', () => {
  it('division by zero gives 0 (64- and 32-bit, register and immediate)', () => {
    expect(r0('r0 = 7\nr1 = 0\nr0 /= r1\nexit')).toBe(0n);
    // The kernel refuses a constant 0 divisor, so the LLVM dialect does too; the ubpf dialect
    // (the conformance suite's) keeps it, with a warning, and the RFC's result.
    expect(
      new Interpreter(assemble('mov %r0, -1\ndiv32 %r0, 0\nexit', { dialect: 'ubpf' }).instructions).run().r0,
    ).toBe(0n);
    expect(r0('r0 = 7\nr1 = 0\nr0 s/= r1\nexit')).toBe(0n);
  });

  it('modulo by zero leaves dst; the 32-bit form zero-extends it', () => {
    expect(r0('r0 = -1\nr1 = 0\nr0 %= r1\nexit')).toBe(M64);
    // dst = 0xffffffffffffffff; 32-bit mod by 0 keeps the low half, upper half becomes 0.
    expect(r0('r0 = -1\nr1 = 0\nw0 %= w1\nexit')).toBe(0xffffffffn);
    expect(r0('r0 = -5\nr1 = 0\nr0 s%= r1\nexit')).toBe(u(-5n));
  });

  it('unsigned division treats operands as unsigned; a 64-bit immediate is sign-extended first', () => {
    // 0xffffffffffffffff / 0xfffffffffffffffe (imm -2 sign-extended) = 1
    expect(r0('r0 = -1\nr0 /= -2\nexit')).toBe(1n);
    // 32-bit: 0xffffffff / 0xfffffffe = 1
    expect(r0('w0 = -1\nw0 /= -2\nexit')).toBe(1n);
    expect(r0('r0 = 0x123456789abcdef0 ll\nr1 = 0x10000 ll\nr0 /= r1\nexit')).toBe(0x123456789abcn);
    expect(r0('r0 = 0x123456789abcdef0 ll\nr1 = 0x10000 ll\nr0 %= r1\nexit')).toBe(0xdef0n);
  });

  it('signed division truncates toward zero; modulo takes the sign of the dividend', () => {
    expect(r0('r0 = -7\nr0 s/= 2\nexit')).toBe(u(-3n));
    expect(r0('r0 = -7\nr0 s%= 2\nexit')).toBe(u(-1n));
    expect(r0('r0 = 7\nr0 s%= -2\nexit')).toBe(1n);
    expect(r0('w0 = -7\nw0 s/= 2\nexit')).toBe(0xfffffffdn);
  });

  it('INT_MIN s/ -1 is INT_MIN and INT_MIN s% -1 is 0', () => {
    expect(r0('r0 = 0x8000000000000000 ll\nr0 s/= -1\nexit')).toBe(1n << 63n);
    expect(r0('r0 = 0x8000000000000000 ll\nr0 s%= -1\nexit')).toBe(0n);
    expect(r0('w0 = 0x80000000\nw0 s/= -1\nexit')).toBe(0x80000000n);
    expect(r0('w0 = 0x80000000\nw0 s%= -1\nexit')).toBe(0n);
  });
});

describe('shifts and 32-bit results', () => {
  it('shift amounts are masked to 63 (64-bit) and 31 (32-bit)', () => {
    expect(r0('r0 = 1\nr1 = 65\nr0 <<= r1\nexit')).toBe(2n);
    expect(r0('w0 = 1\nw1 = 33\nw0 <<= w1\nexit')).toBe(2n);
    expect(r0('r0 = -1\nr1 = 127\nr0 >>= r1\nexit')).toBe(1n);
    expect(r0('r0 = -8\nr1 = 66\nr0 s>>= r1\nexit')).toBe(u(-2n));
  });

  it('64-bit shifts across the 32-bit boundary', () => {
    expect(r0('r0 = 1\nr0 <<= 63\nexit')).toBe(1n << 63n);
    expect(r0('r0 = 0x8000000000000000 ll\nr0 s>>= 40\nexit')).toBe(u(-(1n << 23n)));
    expect(r0('r0 = 0x123456789 ll\nr0 >>= 4\nexit')).toBe(0x12345678n);
  });

  it('every 32-bit ALU result zeroes the upper half', () => {
    expect(r0('r0 = -1\nw0 += 0\nexit')).toBe(0xffffffffn);
    expect(r0('r0 = -1\nw0 = w0\nexit')).toBe(0xffffffffn);
    expect(r0('r0 = -1\nw0 s>>= 1\nexit')).toBe(0xffffffffn);
    expect(r0('r0 = 0\nw0 = -w0\nr0 = -1\nw0 = -w0\nexit')).toBe(1n);
  });

  it('64-bit add/sub/mul carry and wrap', () => {
    // `r0 = 0xffffffff` is mov64 with imm -1, sign-extended: all ones; lddw keeps it unsigned.
    expect(r0('r0 = 0xffffffff\nr0 += 1\nexit')).toBe(0n);
    expect(r0('r0 = 0xffffffff ll\nr0 += 1\nexit')).toBe(0x100000000n);
    expect(r0('r0 = 0\nr0 -= 1\nexit')).toBe(M64);
    // (2^32 + 3) * (2^32 + 5) mod 2^64 = 8*2^32 + 15
    expect(r0('r0 = 0x100000003 ll\nr1 = 0x100000005 ll\nr0 *= r1\nexit')).toBe(8n * 2n ** 32n + 15n);
    expect(r0('r0 = 0xffffffff ll\nr1 = 0xffffffff ll\nr0 *= r1\nexit')).toBe(0xffffffffn * 0xffffffffn);
    expect(r0('r0 = -3\nr0 *= -7\nexit')).toBe(21n);
    expect(r0('r0 = 0\nr0 = -r0\nr0 = 5\nr0 = -r0\nexit')).toBe(u(-5n));
  });
});

describe('sign extension', () => {
  it('movsx sign-extends 8/16/32 bits to 64, and 8/16 bits to 32 then zero-extends', () => {
    expect(r0('r1 = 0x80\nr0 = (s8)r1\nexit')).toBe(u(-128n));
    expect(r0('r1 = 0x8000\nr0 = (s16)r1\nexit')).toBe(u(-32768n));
    expect(r0('r1 = 0x80000000 ll\nr0 = (s32)r1\nexit')).toBe(u(-(2n ** 31n)));
    expect(r0('r1 = 0x80\nw0 = (s8)w1\nexit')).toBe(0xffffff80n);
    expect(r0('r1 = 0x7f\nr0 = (s8)r1\nexit')).toBe(0x7fn);
  });

  it('ldsx loads sign-extend to 64 bits; plain loads zero-extend', () => {
    const mem = Uint8Array.from([0xff, 0x80, 0x00, 0x00, 0x80]);
    expect(r0('r0 = *(s8 *)(r1 + 0)\nexit', { mem })).toBe(M64);
    expect(r0('r0 = *(s16 *)(r1 + 0)\nexit', { mem })).toBe(u(-32513n)); // 0x80ff
    expect(r0('r0 = *(s32 *)(r1 + 1)\nexit', { mem })).toBe(u(-(2n ** 31n)) + 0x80n); // 0x80000080
    expect(r0('r0 = *(u8 *)(r1 + 0)\nexit', { mem })).toBe(0xffn);
  });
});

describe('atomics', () => {
  const prelude = 'r1 = 10\n*(u64 *)(r10 - 8) = r1\n';
  it('add/or/and/xor without fetch change memory only', () => {
    expect(r0(`${prelude}r1 = 5\nlock *(u64 *)(r10 - 8) += r1\nr0 = *(u64 *)(r10 - 8)\nr0 += r1\nexit`)).toBe(
      20n,
    );
    expect(r0(`${prelude}r1 = 5\nlock *(u64 *)(r10 - 8) |= r1\nr0 = *(u64 *)(r10 - 8)\nexit`)).toBe(15n);
    expect(r0(`${prelude}r1 = 6\nlock *(u64 *)(r10 - 8) &= r1\nr0 = *(u64 *)(r10 - 8)\nexit`)).toBe(2n);
    expect(r0(`${prelude}r1 = 6\nlock *(u64 *)(r10 - 8) ^= r1\nr0 = *(u64 *)(r10 - 8)\nexit`)).toBe(12n);
  });

  it('fetch forms return the old value in src', () => {
    expect(
      r0(
        `${prelude}r1 = 5\nr1 = atomic_fetch_add((u64 *)(r10 - 8), r1)\nr0 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r1\nexit`,
      ),
    ).toBe((15n << 8n) | 10n);
    expect(
      r0(`${prelude}r1 = 3\nr1 = xchg_64(r10 - 8, r1)\nr0 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r1\nexit`),
    ).toBe((3n << 8n) | 10n);
  });

  it('32-bit fetch zero-extends the old value and touches only 4 bytes', () => {
    const text =
      'r1 = -1\n*(u64 *)(r10 - 8) = r1\nr1 = 1\nw1 = atomic_fetch_add((u32 *)(r10 - 8), w1)\nr0 = *(u64 *)(r10 - 8)\nr0 ^= r1\nexit';
    // old low word 0xffffffff → r1 = 0x00000000ffffffff; memory 0xffffffff_00000000; xor = all ones.
    expect(r0(text)).toBe(M64);
  });

  it('cmpxchg stores only on a match and always returns the old value in r0', () => {
    expect(
      r0(
        `${prelude}r0 = 10\nr1 = 99\nr0 = cmpxchg_64(r10 - 8, r0, r1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2\nexit`,
      ),
    ).toBe((10n << 8n) | 99n);
    expect(
      r0(
        `${prelude}r0 = 11\nr1 = 99\nr0 = cmpxchg_64(r10 - 8, r0, r1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2\nexit`,
      ),
    ).toBe((10n << 8n) | 10n);
    // 32-bit: compares the low 32 bits of r0 only (upper bits of r0 set here) and zero-extends.
    expect(
      r0(
        `${prelude}r0 = 0x70000000a ll\nr1 = 99\nw0 = cmpxchg32_32(r10 - 8, w0, w1)\nr2 = *(u64 *)(r10 - 8)\nr0 <<= 8\nr0 |= r2\nexit`,
      ),
    ).toBe((10n << 8n) | 99n);
  });

  it('load-acquire and store-release behave as a load and a store of their size', () => {
    // Encodings as the kernel defines them (BPF_ATOMIC_OP(size, BPF_LOAD_ACQ, dst, src, off) in
    // tools/testing/selftests/bpf/progs/verifier_load_acquire.c): load-acquire reads [src + off]
    // into dst; store-release writes src to [dst + off]. Built by hand: LLVM 19 has no syntax for them.
    const prog = (...ins: Instruction[]) => [
      ...assemble('r1 = 0x1234').instructions,
      ...ins,
      ...assemble('exit').instructions,
    ];
    const storeRel16 = { code: 0xcb, dst: 10, src: 1, off: -8, imm: 0x110 };
    const loadAcq64 = { code: 0xdb, dst: 0, src: 10, off: -8, imm: 0x100 };
    const loadAcq8 = { code: 0xd3, dst: 0, src: 10, off: -8, imm: 0x100 };
    expect(new Interpreter(prog(storeRel16, loadAcq64)).run().r0).toBe(0x1234n);
    expect(new Interpreter(prog(storeRel16, loadAcq8)).run().r0).toBe(0x34n);
  });
});

describe('byte order', () => {
  const v = 'r0 = 0x0123456789abcdef ll\n';
  it('be (to big-endian on a little-endian machine) swaps and truncates', () => {
    expect(r0(`${v}r0 = be16 r0\nexit`)).toBe(0xefcdn);
    expect(r0(`${v}r0 = be32 r0\nexit`)).toBe(0xefcdab89n);
    expect(r0(`${v}r0 = be64 r0\nexit`)).toBe(0xefcdab8967452301n);
  });
  it('le truncates (zero-extends) without swapping', () => {
    expect(r0(`${v}r0 = le16 r0\nexit`)).toBe(0xcdefn);
    expect(r0(`${v}r0 = le32 r0\nexit`)).toBe(0x89abcdefn);
    expect(r0(`${v}r0 = le64 r0\nexit`)).toBe(0x0123456789abcdefn);
  });
  it('bswap (ALU64) swaps unconditionally', () => {
    expect(r0(`${v}r0 = bswap16 r0\nexit`)).toBe(0xefcdn);
    expect(r0(`${v}r0 = bswap32 r0\nexit`)).toBe(0xefcdab89n);
    expect(r0(`${v}r0 = bswap64 r0\nexit`)).toBe(0xefcdab8967452301n);
  });
});

describe('jumps', () => {
  it('signed and unsigned compares differ on negative values; JMP32 looks at the low half', () => {
    expect(r0('r0 = 0\nr1 = -1\nif r1 > 1 goto +1\nexit\nr0 = 1\nexit')).toBe(1n);
    expect(r0('r0 = 0\nr1 = -1\nif r1 s> 1 goto +1\nexit\nr0 = 1\nexit')).toBe(0n);
    expect(r0('r0 = 0\nr1 = 0x100000000 ll\nif w1 == 0 goto +1\nexit\nr0 = 1\nexit')).toBe(1n);
    expect(r0('r0 = 0\nr1 = 0x100000000 ll\nif r1 == 0 goto +1\nexit\nr0 = 1\nexit')).toBe(0n);
    // 64-bit compare with an immediate sign-extends it: 0xffffffffffffffff == -1.
    expect(r0('r0 = 0\nr1 = -1\nif r1 == -1 goto +1\nexit\nr0 = 1\nexit')).toBe(1n);
    expect(r0('r0 = 0\nr1 = 6\nif r1 & 4 goto +1\nexit\nr0 = 1\nexit')).toBe(1n);
  });

  it('gotol jumps by its 32-bit imm; lddw counts two slots in offsets', () => {
    expect(r0('r0 = 1\ngotol +3\nr0 = 2 ll\nexit\nr0 += 10\nexit')).toBe(11n);
    expect(r0('r0 = 1\ngoto +2\nr0 = 0x1234567890 ll\nexit')).toBe(1n);
  });

  it('may_goto falls through while its budget lasts, then branches', () => {
    // Each iteration: may_goto (falls through), r0 += 1, goto back. Budget 5 → five increments.
    const loop = 'r0 = 0\nL:\nmay_goto +2\nr0 += 1\ngoto L\nexit';
    expect(r0(loop, {}, { mayGotoBudget: 5 })).toBe(5n);
    expect(r0(loop, {}, { maxSteps: 1e8 })).toBe(8n * 1024n * 1024n); // the kernel's BPF_MAX_LOOPS
  });
});

describe('calls', () => {
  it('local calls get their own stack frame and r6-r9 and r10 survive', () => {
    const text = `
      r6 = 6
      r9 = 9
      r1 = 100
      *(u64 *)(r10 - 8) = r1
      r1 = 5
      call f
      r2 = *(u64 *)(r10 - 8)
      r0 += r2
      r0 += r6
      r0 += r9
      exit
    f:
      r6 = 1000
      r9 = 1000
      r2 = 7
      *(u64 *)(r10 - 8) = r2
      r0 = r1
      r0 *= 2
      exit`;
    // 5*2 + 100 (caller's stack untouched) + 6 + 9
    expect(r0(text)).toBe(125n);
  });

  it("a callee sees its caller's stack through a pointer", () => {
    expect(
      r0(
        'r1 = 42\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -8\ncall f\nexit\nf:\nr0 = *(u64 *)(r1 + 0)\nexit',
      ),
    ).toBe(42n);
  });

  it('8 frames are allowed, a 9th is a call_depth fault (MAX_CALL_FRAMES = 8)', () => {
    // Recursion counting down r1: depth = r1 + 1 frames including main.
    const rec = (n: number) =>
      `r1 = ${n}\ncall f\nexit\nf:\nif r1 == 0 goto +3\nr1 -= 1\ncall f\nexit\nr0 = 77\nexit`;
    expect(r0(rec(6))).toBe(77n); // main + 7 nested = 8 frames
    const f = fault(rec(7));
    expect(f.kind).toBe('call_depth');
    expect(f.instruction).toMatch(/^call/);
  });

  it('callx: a code address (from lddw func) calls that function; a small number is a helper id', () => {
    expect(r0('r2 = func(g) ll\ncallx r2\nr0 += 1\nexit\ng:\nr0 = 41\nexit')).toBe(42n);
    // helper 7 = bpf_get_prandom_u32 (xorshift32 from seed 1 → 270369)
    expect(r0('r2 = 7\ncallx r2\nexit')).toBe(270369n);
    expect(fault('r2 = 0x300000000 ll\ncallx r2\nexit').kind).toBe('jump_out_of_range');
  });
});

describe('legacy packet loads', () => {
  const mem = Uint8Array.from([0x12, 0x34, 0x56, 0x78, 0x9a]);
  it('ld_abs/ld_ind read big-endian (network order) from the context packet into r0', () => {
    expect(r0('r0 = *(u16 *)skb[1]\nexit', { mem })).toBe(0x3456n);
    expect(r0('r0 = *(u32 *)skb[0]\nexit', { mem })).toBe(0x12345678n);
    expect(r0('r1 = 2\nr0 = *(u8 *)skb[r1 + 2]\nexit', { mem })).toBe(0x9an);
  });
  it('out of bounds ends the program with r0 = 0, as in the kernel', () => {
    expect(r0('r0 = 5\nr0 = *(u32 *)skb[2]\nr0 = 9\nexit', { mem })).toBe(0n);
  });
});

describe('faults', () => {
  it('out-of-bounds reads and writes name the pc, instruction and address', () => {
    const f = fault('r0 = 1\nr0 = *(u64 *)(r1 + 2)\nexit', { mem: new Uint8Array(8) });
    expect(f.kind).toBe('out_of_bounds');
    expect(f.pc).toBe(1);
    expect(f.instruction).toBe('r0 = *(u64 *)(r1 + 0x2)');
    expect(f.address).toBe(0x100000002n);
    expect(f.message).toBe(
      'pc 1: r0 = *(u64 *)(r1 + 0x2): read of 8 bytes at 0x100000002 is outside context (8 bytes)',
    );
    expect(fault('*(u64 *)(r10 + 0) = 1\nexit').kind).toBe('out_of_bounds');
    expect(fault('r0 = *(u8 *)(r10 - 513)\nexit').kind).toBe('out_of_bounds');
  });

  it('a null or scalar pointer is a null_pointer fault', () => {
    const f = fault('r0 = *(u32 *)(r1 + 0)\nexit');
    expect(f.kind).toBe('null_pointer');
    expect(f.address).toBe(0n);
  });

  it('writing r10 is refused', () => {
    expect(fault('r10 = 0\nexit').kind).toBe('read_only');
  });

  it('step limit, unknown helper, jump outside the program, running off the end', () => {
    expect(fault('L:\ngoto L', {}, { maxSteps: 1000 }).kind).toBe('step_limit');
    expect(fault('call 9999\nexit').kind).toBe('unknown_helper');
    const j = fault('r0 = 0\ngoto +5\nexit');
    expect([j.kind, j.pc]).toEqual(['jump_out_of_range', 1]);
    expect(fault('r0 = 0').detail).toMatch(/ran past the last instruction/);
  });

  it("invalid encodings fault with classify's reason when reached", () => {
    // add32 r0, 1 with off = 1 (04 00 01 00 01 00 00 00): unused field set.
    const bad = Uint8Array.from([0x04, 0, 1, 0, 1, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0]);
    let caught: unknown;
    try {
      new Interpreter(bad).run();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InterpreterFault);
    expect((caught as InterpreterFault).kind).toBe('invalid_instruction');
    expect((caught as InterpreterFault).message).toMatch(/^pc 0: .*add does not take offset 1/);
  });

  it('a jump into the middle of an lddw is refused', () => {
    expect(fault('goto +1\nr0 = 1 ll\nexit').detail).toMatch(/second slot of an lddw/);
  });
});
