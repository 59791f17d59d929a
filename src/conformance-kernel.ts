// Runs a conformance-suite program in the kernel with the suite's own recipe (its libbpf plugin):
// the test program becomes a subprogram called from a small XDP stub that stores the full 64-bit
// r0 into a one-entry array map, then BPF_PROG_TEST_RUN executes it and we read the map back.

import type { Instruction } from '../isa/instruction.js';
import { LDDW, programSlots } from '../isa/instruction.js';
import { CallKind, Class, Mode, Pseudo, Size, Source } from '../isa/opcodes.js';
import { u32, u64 } from './codec.js';
import { BpfMap } from './map.js';
import { Program } from './program.js';
import { VerifierError } from './verifier.js';

export type KernelOutcome =
  | { kind: 'ok'; r0: bigint }
  /**
   * The verifier refused the program: `reason` is its reason line; `insnIndex` the failing slot
   * in the given program (not counting the stub), when the log names one inside it.
   */
  | { kind: 'rejected'; reason: string; log: string; insnIndex?: number };

/** The kernel wants at least an Ethernet header's worth of packet in a test run. */
const MIN_PACKET = 14;
const RESULT_MAP = 'result';

const ins = (code: number, dst: number, src: number, off: number, imm: number): Instruction => ({
  code,
  dst,
  src,
  off,
  imm,
});

/**
 * The stub that calls the test as a local function. Without memory: r1/r2 are unused. With
 * memory: r1 = xdp data, r2 = length, after proving data + length <= data_end to the verifier.
 * r0 lands in the map named `resultMap` (the playground runs its programs the same way).
 */
export function stub(memLength: number | undefined, resultMap = RESULT_MAP): Instruction[] {
  const out: Instruction[] = [];
  if (memLength !== undefined) {
    out.push(
      ins(Class.LDX | Mode.MEM | Size.W, 2, 1, 4, 0), // r2 = xdp_md->data_end
      ins(Class.LDX | Mode.MEM | Size.W, 1, 1, 0, 0), // r1 = xdp_md->data
      ins(Class.ALU64 | 0xb0 | Source.X, 3, 1, 0, 0), // r3 = r1
      ins(Class.ALU64 | 0x00 | Source.K, 3, 0, 0, memLength), // r3 += len
      ins(Class.JMP | 0x20 | Source.X, 3, 2, 1, 0), // if r3 > r2 goto +1 (→ exit with r0 = 0 below)
      ins(Class.JMP | 0x00, 0, 0, 2, 0), // goto +2 (the length is safe)
      ins(Class.ALU64 | 0xb0 | Source.K, 0, 0, 0, 0), // r0 = 0
      ins(Class.JMP | 0x90, 0, 0, 0, 0), // exit
      ins(Class.ALU64 | 0xb0 | Source.K, 2, 0, 0, memLength), // r2 = len
    );
  }
  // call the test (placed right after this stub): imm = slots from the next instruction to it.
  out.push(ins(Class.JMP | 0x80, 0, CallKind.LOCAL, 0, 4));
  out.push({
    ...ins(LDDW, 1, Pseudo.MAP_VALUE, 0, 0),
    imm2: 0,
    ref: { kind: 'map_value', name: resultMap, offset: 0 },
  });
  out.push(ins(Class.STX | Mode.MEM | Size.DW, 1, 0, 0, 0)); // *(u64 *)(r1 + 0) = r0
  out.push(ins(Class.JMP | 0x90, 0, 0, 0, 0)); // exit
  return out;
}

/** Loads and runs one conformance program; throws only for failures that are not the verifier's verdict. */
export function runOnKernel(program: readonly Instruction[], mem?: Uint8Array): KernelOutcome {
  using result = BpfMap.create({ type: 'array', key: u32, value: u64, maxEntries: 1, name: 'conf_result' });
  const head = stub(mem?.length);
  let loaded: Program;
  try {
    loaded = Program.load({
      type: 'xdp',
      expectedAttachType: 'xdp',
      license: 'MIT',
      name: 'conformance',
      instructions: [...head, ...program],
      maps: { [RESULT_MAP]: result },
    });
  } catch (err) {
    if (err instanceof VerifierError) {
      const reason = err.headline ?? err.reason.at(-1) ?? err.message;
      const at = err.insnIndex === undefined ? -1 : err.insnIndex - programSlots(head);
      return at >= 0
        ? { kind: 'rejected', reason, log: err.log, insnIndex: at }
        : { kind: 'rejected', reason, log: err.log };
    }
    throw err;
  }
  using prog = loaded;
  const data = new Uint8Array(Math.max(MIN_PACKET, mem?.length ?? 0));
  if (mem) data.set(mem);
  prog.testRun({ data, dataSizeOut: data.length + 256 });
  return { kind: 'ok', r0: result.get(0) ?? 0n };
}
