// Generates docs/isa.md from the opcode tables: every encoding with its hex, its text in the LLVM
// dialect (from the disassembler) and the ubpf dialect (checked by assembling it back), its
// semantics, conformance group and CPU version; then the interpreter's model and a short
// tutorial whose trace is produced by running the program here. Pure: returns a string.
// Regenerate with `npm run docs`, i.e.
//   npm run build && node -e "import('./dist/isa/docs.js').then((m) => process.stdout.write(m.generateIsaDoc()))" > docs/isa.md

import { assemble } from './asm/assemble.js';
import { classify } from './classify.js';
import { formatInstruction } from './disassembler.js';
import { CLASS_NAMES, explainProgram, MODE_NAMES, SIZE_NAMES } from './explain.js';
import { CONFORMANCE_GROUPS, groupOf, LINUX_EXTENSIONS } from './groups.js';
import { type Instruction, sameEncoding } from './instruction.js';
import { HelperRegistry } from './interp/helper-impls.js';
import { Interpreter } from './interp/interpreter.js';
import { formatInitialRegisters, formatTraceStep } from './interp/trace.js';
import {
  AluOps,
  AtomicOps,
  atomicRmwSizes,
  CallKind,
  Class,
  JmpOps,
  Mode,
  PseudoSources,
  Size,
  type SizeCode,
  Source,
  sizeBytes,
  sizeSuffix,
} from './opcodes.js';

const hex2 = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The ubpf text, if the assembler turns it back into exactly `ins`; else '—'. */
function ubpf(text: string | undefined, ins: Instruction): string {
  if (!text) return '—';
  try {
    const got = assemble(`${text}\nexit`, { dialect: 'ubpf' }).instructions[0];
    return sameEncoding(got, ins) ? `\`${text}\`` : '—';
  } catch {
    return '—';
  }
}

/** The group cell: the RFC 9669 conformance group, or a marked Linux extension. */
const group = (i: Instruction): string => {
  const g = groupOf(i);
  return g === 'linux' ? 'Linux ext.' : (g ?? '—');
};

const row = (...cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
const header = (...cols: string[]) => `${row(...cols)}\n|${cols.map(() => '---').join('|')}|`;
const ins = (code: number, dst: number, src: number, off: number, imm: number, imm2?: number): Instruction =>
  imm2 === undefined ? { code, dst, src, off, imm } : { code, dst, src, off, imm, imm2 };

function aluTable(): string {
  const lines = [header('opcode', 'off', 'LLVM syntax', 'ubpf syntax', 'semantics', 'group', 'cpu')];
  for (const wide of [true, false]) {
    const cls = wide ? 0x07 : 0x04;
    const sfx = wide ? '' : '32';
    for (const op of AluOps) {
      if (op.name === 'end') continue;
      for (const x of [false, true]) {
        if (op.name === 'neg' && x) continue;
        if (op.name.startsWith('movsx') && (!x || (op.off === 32 && !wide))) continue;
        const i = ins(cls | (x ? 0x08 : 0) | op.op, 1, x ? 2 : 0, op.off ?? 0, x ? 0 : 5);
        if (op.name === 'neg') i.imm = 0;
        if (classify(i).kind === 'invalid') continue;
        const u =
          op.name === 'neg'
            ? `neg${sfx} %r1`
            : op.name.startsWith('movsx')
              ? `movsx${op.off}${wide ? '64' : '32'} %r1, %r2`
              : `${op.name}${sfx} %r1, ${x ? '%r2' : '5'}`;
        lines.push(
          row(
            hex2(i.code),
            String(i.off),
            `\`${formatInstruction(i)}\``,
            ubpf(u, i),
            `${op.semantics}${wide ? '' : ' (32-bit, result zero-extended)'}`,
            group(i),
            `v${op.cpu}`,
          ),
        );
      }
    }
  }
  for (const [code, order] of [
    [0xd4, 'le'],
    [0xdc, 'be'],
    [0xd7, 'bswap'],
  ] as const)
    for (const bits of [16, 32, 64]) {
      const i = ins(code, 1, 0, 0, bits);
      lines.push(
        row(
          hex2(code),
          '0',
          `\`${formatInstruction(i)}\``,
          ubpf(`${order}${bits} %r1`, i),
          order === 'bswap'
            ? `dst = bswap${bits}(dst)`
            : `dst = ${order === 'le' ? 'htole' : 'htobe'}${bits}(dst), zero-extended`,
          group(i),
          order === 'bswap' ? 'v4' : 'v1',
        ),
      );
    }
  const cast = ins(0xbf, 1, 2, 1, 1);
  lines.push(
    row(
      hex2(cast.code),
      '1',
      `\`${formatInstruction(cast)}\``,
      '—',
      'dst = src converted between address spaces (imm = dst space << 16 | src space): arena pointers',
      group(cast),
      'v4',
    ),
  );
  return lines.join('\n');
}

function jmpTable(): string {
  const lines = [header('opcode', 'LLVM syntax', 'ubpf syntax', 'semantics', 'group', 'cpu')];
  for (const wide of [true, false]) {
    const cls = wide ? 0x05 : 0x06;
    const sfx = wide ? '' : '32';
    for (const op of JmpOps) {
      if (!op.llvm) continue;
      for (const x of [false, true]) {
        const i = ins(cls | (x ? 0x08 : 0) | op.op, 1, x ? 2 : 0, 3, x ? 0 : 5);
        lines.push(
          row(
            hex2(i.code),
            `\`${formatInstruction(i)}\``,
            ubpf(`${op.name}${sfx} %r1, ${x ? '%r2' : '5'}, +3`, i),
            `${op.semantics}${wide ? '' : ', 32-bit compare'}`,
            group(i),
            `v${wide ? op.cpu : 3}`,
          ),
        );
      }
    }
  }
  const other: [Instruction, string | undefined, string, string][] = [
    [ins(0x05, 0, 0, 3, 0), 'ja +3', 'PC += off', 'v1'],
    [ins(0x06, 0, 0, 0, 3), 'ja32 +3', 'PC += imm (gotol)', 'v4'],
    [ins(0x85, 0, 0, 0, 1), 'call 1', 'call helper imm', 'v1'],
    [ins(0x85, 0, 1, 0, 3), undefined, 'call the local function at PC + imm', 'v1'],
    [ins(0x85, 0, 2, 0, 7), undefined, 'call the kfunc with BTF id imm', 'v1'],
    [
      ins(0x8d, 2, 0, 0, 0),
      'call %r2',
      'call the function whose address is in dst (see the interpreter model)',
      'v1',
    ],
    [ins(0x95, 0, 0, 0, 0), 'exit', 'return r0', 'v1'],
    [ins(0xe5, 0, 0, 3, 0), undefined, JmpOps.find((j) => j.name === 'may_goto')!.semantics, 'v4'],
  ];
  for (const [i, u, sem, cpu] of other)
    lines.push(row(hex2(i.code), `\`${formatInstruction(i)}\``, ubpf(u, i), sem, group(i), cpu));
  return lines.join('\n');
}

function memTable(): string {
  const lines = [header('opcode', 'imm', 'LLVM syntax', 'ubpf syntax', 'semantics', 'group', 'cpu')];
  const sizes: SizeCode[] = [Size.B, Size.H, Size.W, Size.DW];
  for (const sz of sizes) {
    const s = sizeSuffix[sz];
    lines.push(
      row(
        hex2(0x61 | sz),
        '0',
        `\`${formatInstruction(ins(0x61 | sz, 0, 1, 2, 0))}\``,
        ubpf(`ldx${s} %r0, [%r1+2]`, ins(0x61 | sz, 0, 1, 2, 0)),
        'dst = *(size *)(src + off), zero-extended',
        group(ins(0x61 | sz, 0, 1, 2, 0)),
        'v1',
      ),
    );
    if (sz !== Size.DW)
      lines.push(
        row(
          hex2(0x81 | sz),
          '0',
          `\`${formatInstruction(ins(0x81 | sz, 0, 1, 2, 0))}\``,
          ubpf(`ldxs${s} %r0, [%r1+2]`, ins(0x81 | sz, 0, 1, 2, 0)),
          'dst = *(signed size *)(src + off), sign-extended',
          group(ins(0x81 | sz, 0, 1, 2, 0)),
          'v4',
        ),
      );
    lines.push(
      row(
        hex2(0x62 | sz),
        'value',
        `\`${formatInstruction(ins(0x62 | sz, 1, 0, 2, 5))}\``,
        ubpf(`st${s} [%r1+2], 5`, ins(0x62 | sz, 1, 0, 2, 5)),
        '*(size *)(dst + off) = imm',
        group(ins(0x62 | sz, 1, 0, 2, 5)),
        'v1',
      ),
    );
    lines.push(
      row(
        hex2(0x63 | sz),
        '0',
        `\`${formatInstruction(ins(0x63 | sz, 1, 2, 2, 0))}\``,
        ubpf(`stx${s} [%r1+2], %r2`, ins(0x63 | sz, 1, 2, 2, 0)),
        '*(size *)(dst + off) = src',
        group(ins(0x63 | sz, 1, 2, 2, 0)),
        'v1',
      ),
    );
  }
  for (const sz of [Size.W, Size.DW] as SizeCode[])
    for (const a of AtomicOps) {
      if (a.name === 'load_acquire' || a.name === 'store_release') continue;
      const i = ins(0xc3 | sz, 1, 2, 2, a.imm);
      const base = a.name.replace('fetch_', '');
      const u = `lock ${a.fetch && a.name.startsWith('fetch') ? 'fetch ' : ''}${base}${sz === Size.W ? '32' : ''} [%r1+2], %r2`;
      lines.push(
        row(
          hex2(i.code),
          hex2(a.imm),
          `\`${formatInstruction(i)}\``,
          ubpf(u, i),
          `${a.semantics}${sz === Size.W ? ' (32-bit; fetched values zero-extended)' : ''}`,
          group(i),
          `v${a.cpu}`,
        ),
      );
    }
  for (const a of AtomicOps.filter((x) => x.name === 'load_acquire' || x.name === 'store_release'))
    for (const sz of sizes) {
      const i = a.name === 'load_acquire' ? ins(0xc3 | sz, 0, 1, 2, a.imm) : ins(0xc3 | sz, 1, 2, 2, a.imm);
      lines.push(
        row(
          hex2(i.code),
          hex2(a.imm),
          `\`${formatInstruction(i)}\``,
          '—',
          a.semantics,
          group(i),
          `v${a.cpu}`,
        ),
      );
    }
  for (const p of PseudoSources) {
    const i = ins(0x18, 1, p.src, 0, 5, 0);
    const u = p.src === 0 ? 'lddw %r1, 0x5' : undefined;
    lines.push(
      row(
        '0x18',
        `src=${p.src}`,
        `\`${formatInstruction(i)}\``,
        ubpf(u, i),
        `lddw (two slots): ${p.meaning}`,
        group(i),
        'v1',
      ),
    );
  }
  for (const sz of [Size.B, Size.H, Size.W] as SizeCode[]) {
    const s = sizeSuffix[sz];
    const abs = ins(0x20 | sz, 0, 0, 0, 4);
    const ind = ins(0x40 | sz, 0, 1, 0, 4);
    lines.push(
      row(
        hex2(abs.code),
        'offset',
        `\`${formatInstruction(abs)}\``,
        ubpf(`ldabs${s} 4`, abs),
        'r0 = big-endian load from the packet at imm (legacy)',
        group(abs),
        'v1',
      ),
    );
    lines.push(
      row(
        hex2(ind.code),
        'offset',
        `\`${formatInstruction(ind)}\``,
        ubpf(`ldind${s} %r1, 4`, ind),
        'r0 = big-endian load from the packet at src + imm (legacy)',
        group(ind),
        'v1',
      ),
    );
  }
  return lines.join('\n');
}

/** The program whose bytes the encoding section takes apart. */
export const EXPLAIN_PROGRAM = `r1 = 0x5
r0 = *(u64 *)(r1 + 8)
if w1 s> 3 goto +1
r0 = cmpxchg_64(r10 - 8, r0, r1)
exit`;

const MODE_MEANING: Readonly<Record<number, string>> = {
  [Mode.IMM]: 'lddw: a 64-bit immediate in two slots (LD, DW only)',
  [Mode.ABS]: 'legacy packet load at imm (LD)',
  [Mode.IND]: 'legacy packet load at src + imm (LD)',
  [Mode.MEM]: 'load or store at register + off',
  [Mode.MEMSX]: 'sign-extending load (LDX; B, H, W)',
  [Mode.ATOMIC]: 'atomic operation, chosen by imm (STX)',
};

function encoding(): string {
  const classes = Object.entries(Class).map(([name, v]) => {
    const alu = v === Class.ALU || v === Class.ALU64 || v === Class.JMP || v === Class.JMP32;
    return `| ${hex2(v)} | ${CLASS_NAMES[v] ?? name} | ${alu ? 'op \\| source \\| class' : 'mode \\| size \\| class'} |`;
  });
  const aluOps = [...new Set(AluOps.map((a) => a.op))].map((op) => {
    const variants = AluOps.filter((a) => a.op === op);
    const names = variants
      .map((a) => (variants.length > 1 ? `${a.name} (off ${a.off ?? 0})` : a.name))
      .join(', ');
    return `| ${hex2(op)} | ${names} |`;
  });
  const jmpOps = JmpOps.map((j) => `| ${hex2(j.op)} | ${j.name}${j.llvm ? ` (\`${cell(j.llvm)}\`)` : ''} |`);
  const sizes = (Object.values(Size) as SizeCode[]).map(
    (sz) => `| ${hex2(sz)} | ${SIZE_NAMES[sz]} | ${sizeBytes[sz]} | \`${sizeSuffix[sz]}\` |`,
  );
  const modes = Object.values(Mode).map((m) => `| ${hex2(m)} | ${MODE_NAMES[m]} | ${MODE_MEANING[m]} |`);
  const calls = Object.entries(CallKind).map(
    ([name, v]) =>
      `| ${v} | ${name.toLowerCase()} | ${v === CallKind.HELPER ? 'imm = helper id' : v === CallKind.LOCAL ? 'imm = distance in slots to the function, from the next slot' : 'imm = BTF id of the kernel function; off = its module BTF slot in fd_array (0 = vmlinux)'} |`,
  );
  const pseudo = PseudoSources.map((p) => `| ${p.src} | ${p.keyword || '—'} | ${p.meaning} |`);
  const rmw = atomicRmwSizes.map((sz) => SIZE_NAMES[sz]).join(' and ');
  const atomics = AtomicOps.map((a) => {
    const ordered = a.name === 'load_acquire' || a.name === 'store_release';
    return `| ${hex2(a.imm)} | ${a.name} | ${ordered ? 'B, H, W, DW' : rmw} | ${cell(a.semantics)} |`;
  });
  const groups = CONFORMANCE_GROUPS.map((g) => `| ${g.name} | ${g.includes ?? '—'} | ${g.what} |`);
  const ext = Object.entries(LINUX_EXTENSIONS).map(([name, what]) => `| ${name} | ${cell(what)} |`);
  const example = explainProgram(assemble(EXPLAIN_PROGRAM).instructions);
  return `## Encoding: decoding an instruction by hand

Every instruction is one 8-byte slot (lddw takes two), little-endian on every target tsbpf loads on:

| byte | field | meaning |
|---|---|---|
| 0 | opcode | what to do: class, and operation/source or mode/size (below) |
| 1 | regs | dst register in the low nibble, src register in the high nibble |
| 2-3 | off | signed 16-bit offset: memory displacement, jump distance, or variant selector |
| 4-7 | imm | signed 32-bit immediate |

The low 3 bits of the opcode are the **class**; the other 5 bits are read one of two ways:

| class | name | opcode bits 7-3 |
|---|---|---|
${classes.join('\n')}

**ALU and jumps**: bits 7-4 are the operation, bit 3 the source: ${hex2(Source.K)} **K** uses imm,
${hex2(Source.X)} **X** uses the src register. ALU64 (and JMP) sign-extend imm from 32 to 64 bits:
\`r0 = 0xffffffff\` is r0 = -1 (the assembler warns), \`r0 = 0xffffffff ll\` (lddw) is not. ALU
(32-bit) results are zero-extended into the 64-bit register.

| op | ALU operation |
|---|---|
${aluOps.join('\n')}

| op | jump operation |
|---|---|
${jmpOps.join('\n')}

JMP compares 64 bits, JMP32 the low 32 bits. Jump distances count slots from the next slot:
\`goto +0\` is a no-op; the JMP32 form of ja (gotol) keeps its distance in imm instead of off.
Byte swaps (op 0xd0) keep their width, 16, 32 or 64, in imm; the ALU class's source bit picks
little (K) or big (X) endian, the ALU64 class with K is the unconditional bswap.

**Loads and stores**: bits 7-5 are the mode, bits 4-3 the size.

| size | name | bytes | ubpf suffix |
|---|---|---|---|
${sizes.join('\n')}

| mode | name | meaning |
|---|---|---|
${modes.join('\n')}

**lddw** (opcode 0x18) takes two slots: the second has opcode, regs and off 0 and holds the upper
32 bits of the constant in its imm. Its src field says what the constant is:

| src | assembler keyword | meaning |
|---|---|---|
${pseudo.join('\n')}

**call** (opcode 0x85) uses src to say what is called:

| src | calls | fields |
|---|---|---|
${calls.join('\n')}

**Atomics** are STX with mode ATOMIC; imm picks the operation (0x01 is the FETCH flag: the old
value comes back in src, or in r0 for cmpxchg):

| imm | operation | sizes | semantics |
|---|---|---|---|
${atomics.join('\n')}

**Conformance groups** (RFC 9669 §2.4): a runtime must support base32 and may support more; the
*group* column of the tables below says which group an encoding belongs to.

| group | includes | what |
|---|---|---|
${groups.join('\n')}

Encodings the RFC does not define, marked *Linux ext.* in the tables:

| extension | what |
|---|---|
${ext.join('\n')}

\`tsbpf asm --explain\` (and \`tsbpf disasm --explain\` for bytes) takes a program apart this way.
For

\`\`\`
${EXPLAIN_PROGRAM}
\`\`\`

it prints

\`\`\`
${example.join('\n')}
\`\`\`
`;
}

/** The tutorial program: sums the bytes of the packet with a bounded loop. */
export const TUTORIAL_PROGRAM = `r0 = 0
r3 = 0
loop:
if r3 >= r2 goto done
r4 = r1
r4 += r3
r5 = *(u8 *)(r4 + 0)
r0 += r5
r3 += 1
goto loop
done:
exit`;
export const TUTORIAL_MEM = '01 02 03';

function tutorial(): string {
  const interp = new Interpreter(assemble(TUTORIAL_PROGRAM).instructions);
  let width = 0;
  for (let pc = 0; pc < interp.slots; pc++) width = Math.max(width, interp.textAt(pc).length);
  const mem = Uint8Array.from(TUTORIAL_MEM.split(' ').map((b) => Number.parseInt(b, 16)));
  const out: string[] = [];
  const gen = interp.trace({ mem });
  let next = gen.next();
  while (!next.done) {
    if (next.value.initial) out.push(formatInitialRegisters(next.value.initial));
    out.push(formatTraceStep(next.value, width));
    next = gen.next();
  }
  out.push(`r0 = ${next.value.r0} (0x${next.value.r0.toString(16)})`, `${next.value.steps} instructions`);
  return `## Tutorial: watching a program run

Save this as \`sum.s\` — it adds up the bytes of its input (r1 points at the bytes, r2 is how many):

\`\`\`
${TUTORIAL_PROGRAM}
\`\`\`

and run it on three bytes with the trace on:

\`\`\`
$ tsbpf run sum.s --mem '${TUTORIAL_MEM}' --trace
${out.join('\n')}
\`\`\`

The first line shows the registers the program starts with (those that are not 0). Each line
after it is one executed instruction: its slot number (jump offsets count slots), the instruction
as the disassembler prints it, then what it did — a conditional jump says whether it was taken
and the two values it compared, registers show \`old → new\`, memory \`[address] ← bytes\`
(a cmpxchg always shows r0, where the old value lands, even when it did not change). Things to
notice:

- \`r1\` holds \`0x100000000\`: the interpreter's address of the input bytes (region 1, offset 0;
  see the memory model below). Adding \`r3\` walks through them; reading past the end would stop
  the run with a fault naming the pc and the address.
- The \`>=\` in \`if r3 >= r2\` compares unsigned; the signed form is written \`s>=\`.
- The loop ends because \`r3\` reaches \`r2\`; a loop that never ends stops at \`--max-steps\`.
- \`tsbpf run --strict\` stops where the kernel's verifier would refuse the program, in its words
  (\`R5 !read_ok\`, \`invalid shift 64\`, \`misaligned stack access …\`); \`--kernel\` also runs it
  through \`BPF_PROG_TEST_RUN\` and prints both results.
`;
}

function model(): string {
  const helpers = HelperRegistry.defaults();
  const list = helpers.ids.map((id) => `${helpers.get(id)!.name} (${id})`).join(', ');
  return `## The interpreter's model

\`Interpreter\` (tsbpf/isa) and \`tsbpf run\` execute these semantics exactly; the conformance suite
(313 programs) passes, and random ALU/JMP programs agree with the kernel (test/isa/interp/kernel-diff.test.ts).

- Registers are 64-bit; 32-bit (ALU/JMP32) operations read the low half and zero the high half.
- Division by zero gives 0; modulo by zero leaves dst unchanged (32-bit: zero-extended).
  Shift counts are masked to 63 (64-bit) or 31 (32-bit). INT_MIN s/ -1 = INT_MIN, INT_MIN s% -1 = 0.
- Addresses are \`region << 32 | offset\`: 0 is null (every access faults), 1 the context/packet
  (\`--mem\`: r1 = its address, r2 = its length), 2-9 the stacks of call frames 0-7 (512 bytes each;
  r10 = the top of the current frame), 10 code (\`lddw rX, func\` loads \`0xa_<pc>\`), 11 and up map
  handles, map values and ring-buffer records. An access must fit inside one region.
- Local calls (\`call\` with src = 1) get a fresh zeroed stack; r6-r9 and r10 are restored on exit;
  at most 8 frames (the kernel's MAX_CALL_FRAMES). \`callx rN\` calls the function at a code address,
  or helper n when rN holds a small number n (the conformance suite's convention).
- \`may_goto\` falls through while a per-run budget lasts (default 8,388,608, the kernel's
  BPF_MAX_LOOPS) and then takes its branch. Legacy \`ld_abs\`/\`ld_ind\` read the packet big-endian
  and end the program with r0 = 0 when out of bounds, as the kernel does.
- Faults (\`InterpreterFault\`, with \`kind\`, \`pc\`, \`instruction\`, \`address\`): out_of_bounds,
  null_pointer, read_only, invalid_instruction, step_limit, call_depth, unknown_helper, unknown_map,
  jump_out_of_range, helper.
- Helpers (kernel ids): ${list}. Maps: hash, array, percpu_hash/percpu_array (one CPU), lru_hash
  (evicts the least recently used), ringbuf (drain() on the host).
`;
}

export function generateIsaDoc(): string {
  return `<!-- Generated by isa/docs.ts from the isa/ tables: do not edit; run \`npm run docs\`. -->
# The eBPF instruction set

Every encoding tsbpf knows, generated from \`isa/opcodes.ts\`. *LLVM syntax* is what the disassembler
prints (and llvm-objdump 19 prints); *ubpf syntax* is the conformance suite's dialect, shown only
where assembling it gives back exactly this encoding. Operands in the examples: dst = r1, src = r2,
imm = 5, off = 3 (jumps) or 2 (memory). *group* is the conformance group of RFC 9669 §2.4
(base32, base64, atomic32, atomic64, divmul32, divmul64, packet) or *Linux ext.* for an encoding
the RFC does not define (may_goto, addr_space_cast, load-acquire/store-release: kernel additions;
callx: LLVM's, which the kernel rejects); *cpu* the \`-mcpu\` version that introduced it.

${tutorial()}
${encoding()}
## Arithmetic and logic (ALU64 = class 0x07, ALU = class 0x04)

${aluTable()}

## Jumps and calls (JMP = class 0x05, JMP32 = class 0x06)

${jmpTable()}

## Loads, stores, atomics and 64-bit immediates

${memTable()}

${model()}`;
}
