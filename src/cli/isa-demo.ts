// `tsbpf isa-demo`: the instruction set end to end. Assembles a small program from text, shows its bytes and
// the disassembly, loads it into the running kernel with a map and runs it there.
import { release } from 'node:os';
import { assemble, disassemble, encode } from '../../isa/index.js';
import { command } from './command.js';
import { toHexLines } from './io.js';

const HELP = `usage: tsbpf isa-demo

Assembles a small eBPF program (a loop and a map update), prints its encoding and disassembly,
then loads it into this kernel as XDP and runs it with BPF_PROG_TEST_RUN. Needs root (or
CAP_BPF) for the kernel part.
`;

const SOURCE = `; sum 1..10 in a bounded loop, and count the runs in an array map
    r6 = 0                      ; i
    r7 = 0                      ; sum
loop:
    r6 += 1
    r7 += r6
    if r6 < 10 goto loop
    r1 = 0
    *(u32 *)(r10 - 4) = r1      ; key 0 on the stack
    r2 = r10
    r2 += -4
    r1 = runs ll                ; the map, bound by name at load time
    call 1                      ; bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1 ; runs[0] += 1, atomically
out:
    r0 = r7
    exit
`;

const RUNS = 5;

export const run = command({ help: HELP, options: {}, positionals: false, run: isaDemo });

async function isaDemo(): Promise<number> {
  const out = process.stdout;
  const { instructions } = assemble(SOURCE, { file: 'demo.s' });
  out.write(`== source (LLVM syntax)\n${SOURCE}\n`);
  out.write(`== encoding: ${instructions.length} instructions, one 8-byte slot per line\n`);
  out.write(toHexLines(encode(instructions)));
  out.write('\n== disassembly of those bytes\n');
  for (const line of disassemble(encode(instructions), { addresses: true })) out.write(`${line}\n`);

  // The kernel half is imported only now: the text half above never needs koffi.
  const { BpfMap, Program, codecs } = await import('../index.js');
  using runs = BpfMap.create({
    type: 'array',
    key: codecs.u32,
    value: codecs.u64n,
    maxEntries: 1,
    name: 'runs',
  });
  using prog = Program.load({ type: 'xdp', name: 'demo', instructions, maps: { runs } });
  let retval = 0;
  for (let i = 0; i < RUNS; i++) retval = prog.testRun({ data: new Uint8Array(64) }).retval;
  const info = prog.info();
  out.write(`\n== in the kernel (${process.platform} ${release()})\n`);
  out.write(
    `loaded as XDP program id ${info.id}, the verifier processed ${info.verifiedInsns} instructions\n`,
  );
  out.write(`ran ${RUNS} times with BPF_PROG_TEST_RUN: r0 = ${retval}, runs[0] = ${runs.get(0)}\n`);
  return 0;
}
