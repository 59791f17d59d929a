// Builder programs with an LLVM-syntax twin in test/fixtures/builder/programs.s. The golden
// file llvm19-programs.tsv holds llvm-mc-19's bytes for each twin (scripts/builder-goldens.sh);
// llvm.test.ts checks the builder's bytes against it, so the test never runs LLVM.
import { type Builder, program, R0, R1, R2, R3, R4, R5, R6, R10, W0, W1, W2, W3 } from 'tsbpf/isa';

export const programs: Record<string, (b: Builder) => void> = {
  alu64(b) {
    b.mov(R1, R2).mov(R1, -7).add(R1, R2).add(R1, 1).sub(R1, R3).sub(R1, 0x10);
    b.mul(R1, R2).mul(R1, 3).div(R1, R2).div(R1, 7).sdiv(R1, R2).sdiv(R1, -3);
    b.mod(R1, R2).mod(R1, 9).smod(R1, R2).smod(R1, -9).or(R1, R2).or(R1, 0xff);
    b.and(R1, R2).and(R1, 0x0f).xor(R1, R2).xor(R1, -1).lsh(R1, R2).lsh(R1, 63);
    b.rsh(R1, R2).rsh(R1, 1).arsh(R1, R2).arsh(R1, 2).neg(R1);
    b.movsx(R1, R2, 8).movsx(R1, R2, 16).movsx(R1, R2, 32).ret(0);
  },
  alu32(b) {
    b.mov(W1, W2).mov(W1, 0xffffffff).add(W1, W2).add(W1, 1).sub(W1, W3).sub(W1, 5);
    b.mul(W1, W2).div(W1, W2).div(W1, 3).sdiv(W1, W2).mod(W1, 4).smod(W1, W2);
    b.or(W1, W2).and(W1, 7).xor(W1, W2).lsh(W1, 31).rsh(W1, W2).arsh(W1, 1).neg(W1);
    b.movsx(W1, W2, 8).movsx(W1, W2, 16).mov(W0, 0).exit();
  },
  endian(b) {
    b.le(R1, 16).le(R1, 32).le(R1, 64).be(R2, 16).be(R2, 32).be(R2, 64);
    b.bswap(R3, 16).bswap(R3, 32).bswap(R3, 64);
    b.addrSpaceCast(R1, R2, 1, 0).addrSpaceCast(R1, R2, 0, 1).ret(0);
  },
  memory(b) {
    b.ldx('u8', R0, R1, 0).ldx('u16', R0, R1, 2).ldx('u32', R0, R1, -4).ldx('u64', R0, R10, -8);
    b.ldx('u32', W0, R1, 32767).ldx('s8', R0, R1, 1).ldx('s16', R0, R1, -32768).ldx('s32', R0, R1, 0x7fff);
    b.stx('u8', R10, -1, R1).stx('u16', R10, -2, W1).stx('u32', R10, -4, W2).stx('u64', R10, -8, R3);
    b.st('u8', R10, -1, 0x7f).st('u16', R10, -2, -1).st('u32', R10, -4, 123456).st('u64', R10, -8, 0);
    const buf = b.stackAlloc(16);
    b.zeroStack(buf, 15);
    b.ret(0);
  },
  atomics(b) {
    b.atomic('add', 'u32', R10, -4, W1).atomic('add', 'u64', R10, -8, R1);
    b.atomic('or', 'u32', R10, -4, W1).atomic('and', 'u64', R10, -8, R1).atomic('xor', 'u64', R10, -8, R2);
    b.atomic('fetch_add', 'u64', R10, -8, R1).atomic('fetch_add', 'u32', R10, -4, W1);
    b.atomic('fetch_or', 'u64', R10, -8, R2)
      .atomic('fetch_and', 'u32', R10, -4, W2)
      .atomic('fetch_xor', 'u64', R3, 16, R3);
    b.atomic('xchg', 'u64', R10, -8, R1).atomic('xchg', 'u32', R10, -4, W1);
    b.atomic('cmpxchg', 'u64', R10, -8, R1).atomic('cmpxchg', 'u32', R10, -4, W1);
    b.ret(0);
  },
  jumps(b) {
    b.label('top');
    b.jeq(R1, R2, 'a').jne(R1, 0, 'a').jgt(R1, 0x10, 'a').jge(R1, R2, 'a').jlt(R1, 5, 'a').jle(R1, R2, 'a');
    b.jsgt(R1, -1, 'a').jsge(R1, R2, 'a').jslt(R1, 0, 'a').jsle(R1, R2, 'a').jset(R1, 8, 'a');
    b.jmp(W1, '==', W2, 'a').jmp(W1, '!=', 0xffffffff, 'a').jslt(W1, W2, 'top').jset(W1, 1, 'a');
    b.label('a');
    b.mayGoto('b').ja('top').label('b').gotol('top').ja('end');
    b.loadImm64(R1, 0x1122334455667788n).jeq(R1, 0, 'top');
    b.label('end').ret(0);
  },
  calls(b) {
    b.call('map_lookup_elem').call('bpf_ktime_get_ns').call(35);
    b.callLocal('double').ldFunc(R2, 'double').callx(R5);
    b.ret(0);
    b.func('double', (f) =>
      f.mov(R0, R1).add(R0, R1).jeq(R0, 0, 'z').exit().label('z').callLocal('leaf').exit(),
    );
    b.func('leaf', (f) => f.ret(7));
  },
  wide(b) {
    b.loadImm64(R1, 0).loadImm64(R1, 0x1122334455667788n).loadImm64(R2, -1).loadImm64(R3, 0x80000000);
    b.loadImm64(R4, -(2n ** 63n))
      .loadImm64(R5, 2n ** 63n - 1n)
      .loadImm64(R6, 0xffffffffffffffffn);
    b.ldMap(R1, 'events').ldMapValue(R2, 'globals').ret(0);
  },
  packet(b) {
    b.mov(R6, R1).ldAbs('u8', 4).ldAbs('u16', 0x10).ldAbs('u32', 0).ldInd('u32', R1, 0).ldInd('u16', R2, 0);
    b.ldInd('u8', R3, 0).exit();
  },
  structured(b) {
    b.mov(R0, 0);
    b.ifThen(R1, '==', 0, (t) => t.mov(R0, 1));
    b.ifThen(
      R1,
      's<',
      R2,
      (t) => t.mov(R0, 2),
      (e) => e.mov(R0, 3),
    );
    b.ifThen(W1, '&', 4, (t) => t.add(R0, 10));
    b.withRegs(2, (x, y) => b.mov(x, 1).mov(y, x).add(R0, y));
    b.exit();
  },
  far(b) {
    // 40,000 slots between ja and its label: the builder widens ja to gotol by itself.
    b.ja('far');
    for (let i = 0; i < 40_000; i++) b.mov(R0, 0);
    b.label('far').jeq(R1, 0, 'near').mov(R4, 1).label('near').ret(0);
  },
};

/** Builds a named program with source positions off (the goldens compare bytes only). */
export function buildProgram(name: string) {
  const b = program({ sourcePositions: false });
  (programs[name] as (b: Builder) => void)(b);
  return b.build();
}
