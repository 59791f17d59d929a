// Small BPF programs the attach and event tests load: count calls made by one process into an
// array map, or push one record per call into a ringbuf / perf event array. Written in the
// llvm assembly dialect so each test shows exactly what runs in the kernel.
import { BpfMap, Program, type ProgramTypeName } from 'tsbpf';
import { assemble } from 'tsbpf/isa';

/** bpf_get_current_pid_tgid() >> 32 == tgid, else return 0. */
function tgidFilter(tgid: number): string {
  return `
    call 14
    r0 >>= 32
    if r0 != ${tgid} goto out`;
}

/** getppid's syscall number (raw_tp/tp_btf sys_enter see the number, not the name). */
export const NR_GETPPID = process.arch === 'arm64' ? 173 : 110;

/**
 * A u64 counter map (1 slot) and a program of `type` that adds 1 per run by process `tgid`.
 * `filter` is extra assembly run first with r6 = ctx; it may `goto out` to skip counting.
 */
export function countingProgram(
  type: ProgramTypeName,
  tgid: number | undefined,
  load: Partial<Parameters<typeof Program.load>[0]> = {},
  filter = '',
): { prog: Program; counts: { fd: number; close(): void }; count(): bigint; close(): void } {
  const counts = BpfMap.create<number, bigint>({ type: 'array', key: 4, value: 8, maxEntries: 1 } as never);
  const text = `
    r6 = r1
    ${tgid === undefined ? '' : tgidFilter(tgid)}
    ${filter}
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = counts ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
  out:
    r0 = 0
    exit`;
  const { instructions } = assemble(text);
  let prog: Program;
  try {
    prog = Program.load({ type, instructions, maps: { counts }, ...load });
  } catch (err) {
    counts.close();
    throw err;
  }
  const key = Buffer.alloc(4);
  return {
    prog,
    counts,
    count: () => {
      const v = counts.get(key as never) as unknown as Buffer;
      return Buffer.from(v).readBigUInt64LE(0);
    },
    close: () => {
      prog.close();
      counts.close();
    },
  };
}
