// The eBPF opcode space as data (RFC 9669 plus the later kernel additions). Encoder, decoder,
// assembler, disassembler, interpreter and docs/isa.md all read these tables, so a new opcode is
// added here once.

/** Instruction classes: the low 3 bits of the opcode. */
export const Class = {
  LD: 0x00,
  LDX: 0x01,
  ST: 0x02,
  STX: 0x03,
  ALU: 0x04,
  JMP: 0x05,
  JMP32: 0x06,
  ALU64: 0x07,
} as const;
export type ClassCode = (typeof Class)[keyof typeof Class];

/** Operand source for ALU/JMP classes (bit 3): immediate (K) or register (X). */
export const Source = { K: 0x00, X: 0x08 } as const;

/** Access sizes for load/store classes (bits 3-4). */
export const Size = { W: 0x00, H: 0x08, B: 0x10, DW: 0x18 } as const;
export type SizeCode = (typeof Size)[keyof typeof Size];

/** Addressing modes for load/store classes (bits 5-7). */
export const Mode = {
  IMM: 0x00,
  ABS: 0x20,
  IND: 0x40,
  MEM: 0x60,
  MEMSX: 0x80,
  ATOMIC: 0xc0,
} as const;

export const classOf = (code: number): number => code & 0x07;
export const sourceOf = (code: number): number => code & 0x08;
export const opOf = (code: number): number => code & 0xf0;
export const sizeOf = (code: number): number => code & 0x18;
export const modeOf = (code: number): number => code & 0xe0;

export const isAluClass = (cls: number): boolean => cls === Class.ALU || cls === Class.ALU64;
export const isJmpClass = (cls: number): boolean => cls === Class.JMP || cls === Class.JMP32;
export const isLoadStoreClass = (cls: number): boolean => cls <= Class.STX;

/** Bytes moved by each access size. */
// biome-ignore lint/complexity/useSimpleNumberKeys: keys are the opcode's size bits, as the ISA document writes them
export const sizeBytes: Record<SizeCode, number> = { 0x00: 4, 0x08: 2, 0x10: 1, 0x18: 8 };
/** The C type names the LLVM syntax uses for each access size: `*(u32 *)(r1 + 4)`. */
// biome-ignore lint/complexity/useSimpleNumberKeys: keys are the opcode's size bits, as the ISA document writes them
export const sizeType: Record<SizeCode, string> = { 0x00: 'u32', 0x08: 'u16', 0x10: 'u8', 0x18: 'u64' };
/** The suffixes the ubpf dialect uses: `ldxw`, `stxdw`. */
// biome-ignore lint/complexity/useSimpleNumberKeys: keys are the opcode's size bits, as the ISA document writes them
export const sizeSuffix: Record<SizeCode, string> = { 0x00: 'w', 0x08: 'h', 0x10: 'b', 0x18: 'dw' };

/** ISA version that introduced an encoding (as `-mcpu=vN`), used by docs and feature checks. */
export type CpuVersion = 1 | 2 | 3 | 4;

export interface AluOp {
  /** Bits 4-7 of the opcode. */
  readonly op: number;
  /** ubpf/RFC mnemonic: `add`, `sdiv` … (ubpf dialect writes `add32` for the 32-bit class). */
  readonly name: string;
  /** LLVM compound operator: `+=`; undefined where the syntax is not `dst op= src`. */
  readonly llvm?: string;
  /** The `off` value that selects this variant (sdiv/smod use 1; movsx uses 8/16/32). */
  readonly off?: number;
  readonly cpu: CpuVersion;
  readonly semantics: string;
}

export const AluOps: readonly AluOp[] = [
  { op: 0x00, name: 'add', llvm: '+=', cpu: 1, semantics: 'dst += src' },
  { op: 0x10, name: 'sub', llvm: '-=', cpu: 1, semantics: 'dst -= src' },
  { op: 0x20, name: 'mul', llvm: '*=', cpu: 1, semantics: 'dst *= src' },
  {
    op: 0x30,
    name: 'div',
    llvm: '/=',
    off: 0,
    cpu: 1,
    semantics: 'dst = (src != 0) ? (dst / src) : 0, unsigned',
  },
  {
    op: 0x30,
    name: 'sdiv',
    llvm: 's/=',
    off: 1,
    cpu: 4,
    semantics: 'dst = (src != 0) ? (dst s/ src) : 0, signed; INT_MIN s/ -1 = INT_MIN',
  },
  { op: 0x40, name: 'or', llvm: '|=', cpu: 1, semantics: 'dst |= src' },
  { op: 0x50, name: 'and', llvm: '&=', cpu: 1, semantics: 'dst &= src' },
  {
    op: 0x60,
    name: 'lsh',
    llvm: '<<=',
    cpu: 1,
    semantics: 'dst <<= (src & mask), mask 31 (32-bit) or 63 (64-bit)',
  },
  {
    op: 0x70,
    name: 'rsh',
    llvm: '>>=',
    cpu: 1,
    semantics: 'dst >>= (src & mask), logical',
  },
  { op: 0x80, name: 'neg', cpu: 1, semantics: 'dst = -dst (source must be K, imm 0)' },
  {
    op: 0x90,
    name: 'mod',
    llvm: '%=',
    off: 0,
    cpu: 1,
    semantics: 'dst = (src != 0) ? (dst % src) : dst, unsigned',
  },
  {
    op: 0x90,
    name: 'smod',
    llvm: 's%=',
    off: 1,
    cpu: 4,
    semantics:
      'dst = (src != 0) ? (dst s% src) : dst, signed, result takes the sign of dst; INT_MIN s% -1 = 0',
  },
  { op: 0xa0, name: 'xor', llvm: '^=', cpu: 1, semantics: 'dst ^= src' },
  { op: 0xb0, name: 'mov', llvm: '=', off: 0, cpu: 1, semantics: 'dst = src' },
  {
    op: 0xb0,
    name: 'movsx8',
    off: 8,
    cpu: 4,
    semantics: 'dst = (s8)src, sign-extended to the class width (source must be X)',
  },
  {
    op: 0xb0,
    name: 'movsx16',
    off: 16,
    cpu: 4,
    semantics: 'dst = (s16)src, sign-extended to the class width (source must be X)',
  },
  {
    op: 0xb0,
    name: 'movsx32',
    off: 32,
    cpu: 4,
    semantics: 'dst = (s32)src, sign-extended to 64 bits (ALU64 only, source must be X)',
  },
  {
    op: 0xc0,
    name: 'arsh',
    llvm: 's>>=',
    cpu: 1,
    semantics: 'dst s>>= (src & mask), arithmetic (sign-filling)',
  },
  {
    op: 0xd0,
    name: 'end',
    cpu: 1,
    semantics:
      'byte swap: ALU class converts to little (source K) or big (source X) endian; ALU64 source K swaps unconditionally (bswap, cpu v4); imm is the width 16/32/64',
  },
];

/** `off` value of an ALU64 MOV X that is an arena address-space cast (`addr_space_cast`). */
export const ADDR_SPACE_CAST_OFF = 1;

export interface JmpOp {
  readonly op: number;
  /** ubpf/RFC mnemonic (`jeq`), with `32` appended for JMP32 in the ubpf dialect. */
  readonly name: string;
  /** LLVM comparison operator in `if r1 == r2 goto +N`; undefined for ja/call/exit/may_goto. */
  readonly llvm?: string;
  readonly cpu: CpuVersion;
  readonly semantics: string;
}

export const JmpOps: readonly JmpOp[] = [
  { op: 0x00, name: 'ja', cpu: 1, semantics: 'PC += off (JMP) or PC += imm (JMP32: gotol)' },
  { op: 0x10, name: 'jeq', llvm: '==', cpu: 1, semantics: 'PC += off if dst == src' },
  { op: 0x20, name: 'jgt', llvm: '>', cpu: 1, semantics: 'PC += off if dst > src, unsigned' },
  { op: 0x30, name: 'jge', llvm: '>=', cpu: 1, semantics: 'PC += off if dst >= src, unsigned' },
  { op: 0x40, name: 'jset', llvm: '&', cpu: 1, semantics: 'PC += off if dst & src' },
  { op: 0x50, name: 'jne', llvm: '!=', cpu: 1, semantics: 'PC += off if dst != src' },
  { op: 0x60, name: 'jsgt', llvm: 's>', cpu: 1, semantics: 'PC += off if dst > src, signed' },
  { op: 0x70, name: 'jsge', llvm: 's>=', cpu: 1, semantics: 'PC += off if dst >= src, signed' },
  {
    op: 0x80,
    name: 'call',
    cpu: 1,
    semantics:
      'call a helper (src 0, imm = id), a local function (src 1, imm = pc offset) or a kfunc (src 2, imm = BTF id); callx (source X) calls the function whose address is in dst',
  },
  { op: 0x90, name: 'exit', cpu: 1, semantics: 'return from the function, r0 is the result' },
  { op: 0xa0, name: 'jlt', llvm: '<', cpu: 2, semantics: 'PC += off if dst < src, unsigned' },
  { op: 0xb0, name: 'jle', llvm: '<=', cpu: 2, semantics: 'PC += off if dst <= src, unsigned' },
  { op: 0xc0, name: 'jslt', llvm: 's<', cpu: 2, semantics: 'PC += off if dst < src, signed' },
  { op: 0xd0, name: 'jsle', llvm: 's<=', cpu: 2, semantics: 'PC += off if dst <= src, signed' },
  {
    op: 0xe0,
    name: 'may_goto',
    cpu: 4,
    semantics:
      'bounded-loop escape (JMP class, K, src 0): the kernel takes the branch once its loop budget is spent',
  },
];

/** `src` field of a CALL instruction. */
export const CallKind = { HELPER: 0, LOCAL: 1, KFUNC: 2 } as const;

/** `src` field of an LD IMM64 (lddw): how the kernel interprets the 64-bit immediate. */
export const Pseudo = {
  NONE: 0,
  MAP_FD: 1,
  MAP_VALUE: 2,
  BTF_ID: 3,
  FUNC: 4,
  MAP_IDX: 5,
  MAP_IDX_VALUE: 6,
} as const;

export interface PseudoInfo {
  readonly src: number;
  /** How llvm-objdump/bpftool-style text names the pseudo-source in the assembler. */
  readonly keyword: string;
  readonly meaning: string;
}

export const PseudoSources: readonly PseudoInfo[] = [
  { src: 0, keyword: '', meaning: 'the 64-bit immediate itself' },
  { src: 1, keyword: 'map_fd', meaning: 'imm is a map fd; loads the map pointer' },
  { src: 2, keyword: 'map_value', meaning: 'imm is a map fd, imm2 an offset into its value' },
  { src: 3, keyword: 'btf_id', meaning: 'imm is a BTF id of a kernel variable (ksym)' },
  { src: 4, keyword: 'func', meaning: 'imm is a pc offset of a local function (callback address)' },
  { src: 5, keyword: 'map_idx', meaning: 'imm is an index into the fd_array; loads the map pointer' },
  { src: 6, keyword: 'map_idx_value', meaning: 'imm is an fd_array index, imm2 an offset into its value' },
];

export interface AtomicOp {
  /** The `imm` field of an STX|ATOMIC instruction. */
  readonly imm: number;
  readonly name: string;
  /** LLVM operator for the non-fetching form: `lock *(u64 *)(r10 - 8) += r1`. */
  readonly llvm?: string;
  readonly fetch: boolean;
  readonly cpu: CpuVersion;
  readonly semantics: string;
}

/** The FETCH flag in an atomic instruction's imm. */
export const ATOMIC_FETCH = 0x01;

export const AtomicOps: readonly AtomicOp[] = [
  { imm: 0x00, name: 'add', llvm: '+=', fetch: false, cpu: 1, semantics: '*(dst + off) += src' },
  { imm: 0x40, name: 'or', llvm: '|=', fetch: false, cpu: 3, semantics: '*(dst + off) |= src' },
  { imm: 0x50, name: 'and', llvm: '&=', fetch: false, cpu: 3, semantics: '*(dst + off) &= src' },
  { imm: 0xa0, name: 'xor', llvm: '^=', fetch: false, cpu: 3, semantics: '*(dst + off) ^= src' },
  {
    imm: 0x01,
    name: 'fetch_add',
    fetch: true,
    cpu: 3,
    semantics: 'src = atomic_fetch_add(dst + off, src): old value into src',
  },
  { imm: 0x41, name: 'fetch_or', fetch: true, cpu: 3, semantics: 'src = atomic_fetch_or(dst + off, src)' },
  { imm: 0x51, name: 'fetch_and', fetch: true, cpu: 3, semantics: 'src = atomic_fetch_and(dst + off, src)' },
  { imm: 0xa1, name: 'fetch_xor', fetch: true, cpu: 3, semantics: 'src = atomic_fetch_xor(dst + off, src)' },
  { imm: 0xe1, name: 'xchg', fetch: true, cpu: 3, semantics: 'src = xchg(dst + off, src)' },
  {
    imm: 0xf1,
    name: 'cmpxchg',
    fetch: true,
    cpu: 3,
    semantics: 'r0 = cmpxchg(dst + off, r0, src): store src if the old value equals r0; old value into r0',
  },
  {
    imm: 0x100,
    name: 'load_acquire',
    fetch: false,
    cpu: 4,
    semantics: 'dst = load_acquire(src + off): a load with acquire ordering (any size)',
  },
  {
    imm: 0x110,
    name: 'store_release',
    fetch: false,
    cpu: 4,
    semantics: 'store_release(dst + off, src): a store with release ordering (any size)',
  },
];

export const AtomicOpByImm: ReadonlyMap<number, AtomicOp> = new Map(AtomicOps.map((a) => [a.imm, a]));

/** Sizes an atomic read-modify-write may use (load-acquire/store-release may use all four). */
export const atomicRmwSizes: readonly SizeCode[] = [Size.W, Size.DW];

/** Register count: r0-r9 general, r10 the read-only frame pointer. */
export const REGISTER_COUNT = 11;
export const FRAME_POINTER = 10;
/** Bytes in one instruction slot; lddw takes two. */
export const SLOT_SIZE = 8;
/** Stack bytes per frame the kernel allows. */
export const STACK_SIZE = 512;
