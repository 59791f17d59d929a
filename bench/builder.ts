// Program builder speed. Run: node dist/bench/builder.js (after npm run build).
// Every figure is the best (minimum) of REPS timed repetitions after WARMUP untimed ones (so: the
// JIT-warm cost; a cold first build in a fresh process is several times slower), all in this run:
//  - emit + build of a 4,000-instruction program vs our text assembler on the same program (peer)
//  - the same with call-site capture on vs off (the floor): the price of source positions
//  - build() alone (layout + label/call resolution) vs encode() of its output (a one-pass floor)
import { assemble, type Builder, encode, formatInstruction, program, R0, R1, R2, R6, R10 } from 'tsbpf/isa';

const REPS = 40;
const WARMUP = 30;
const BLOCKS = 250; // 16 instructions each = 4,000 instructions

function emit(b: Builder): void {
  for (let i = 0; i < BLOCKS; i++) {
    const skip = `skip${i}`;
    b.ldx('u32', R1, R6, 4).add(R1, i).stx('u32', R10, -8, R1).mov(R2, R10).add(R2, -8);
    b.ldMap(R1, 'counts').call('map_lookup_elem').jeq(R0, 0, skip);
    b.mov(R1, 1).atomic('add', 'u64', R0, 0, R1).rsh(R1, 1).lsh(R1, 3).and(R1, 0xff).jset(R1, 4, skip);
    b.st('u64', R10, -16, 0).label(skip).mov(R0, i);
  }
  b.exit();
}

function best(fn: () => void): number {
  for (let i = 0; i < WARMUP; i++) fn();
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < REPS; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return min;
}

function line(name: string, ours: number, floor: number, unit: string): void {
  console.log(
    `${name}: ours ${ours.toFixed(1)} ${unit}, floor ${floor.toFixed(1)} ${unit}, ratio ${(ours / floor).toFixed(2)}`,
  );
}

// The same program as text for the assembler peer (labels named, map by name).
const sample = program({ sourcePositions: false });
emit(sample);
const built = sample.build();
const count = built.instructions.length;
const byLabel = new Map([...built.labels].map(([name, slot]) => [slot, name]));
let slot = 0;
const lines: string[] = [];
for (const ins of built.instructions) {
  const label = byLabel.get(slot);
  if (label) lines.push(`${label}:`);
  lines.push(formatInstruction(ins).replace('call 0x1', 'call 1'));
  slot += ins.code === 0x18 ? 2 : 1;
}
const text = `${lines.join('\n')}\n`;
if (assemble(text).instructions.length !== count)
  throw new Error('assembler peer does not read the same program');

const buildOnly = best(() => sample.build());
const encodeOnly = best(() => encode(built.instructions));
const off = best(() => {
  const b = program({ sourcePositions: false });
  emit(b);
  b.build();
});
const on = best(() => {
  const b = program();
  emit(b);
  b.build();
});
const asm = best(() => assemble(text));

console.log(
  `# ${count} instructions, ${built.slots} slots, ${built.labels.size} labels; min of ${REPS} runs`,
);
line(`builder emit+build ${count} insns vs assemble() same program`, off, asm, 'us');
line(`builder emit+build ${count} insns, call sites on vs off`, on, off, 'us');
console.log(
  `builder call-site capture: ours ${(((on - off) * 1000) / count).toFixed(0)} ns/instruction, floor 0 ns, ratio n/a`,
);
line(`builder build() ${count} insns vs encode()`, buildOnly, encodeOnly, 'us');
