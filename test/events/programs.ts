// Producer programs for the event reader tests: each runs on sys_enter_getppid (or openat) of
// this process and emits one record per call into a ringbuf, a perf event array or trace_pipe.
import { BpfMap, codecs, Program, tracepointFormat } from 'tsbpf';
import { assemble } from 'tsbpf/isa';

const FILTER = (tgid: number) => `
    r6 = r1
    call 14
    r7 = r0
    r0 >>= 32
    if r0 != ${tgid} goto out`;

/** Loads a tracepoint program from assembly with `maps`; closes the maps if the load fails. */
function load(text: string, maps: Record<string, { fd: number; close(): void }>): Program {
  try {
    return Program.load({ type: 'tracepoint', instructions: assemble(text).instructions, maps });
  } catch (err) {
    for (const m of Object.values(maps)) m.close();
    throw err;
  }
}

/** Per call: bpf_ringbuf_output of 64 bytes {u64 pid_tgid, u64 ktime_ns, u64 seq, zeros}. */
export function ringbufProducer(
  tgid: number,
  ringSize = 1 << 20,
): { prog: Program; ring: BpfMap; close(): void } {
  const ring = BpfMap.create({ type: 'ringbuf', maxEntries: ringSize });
  const seq = BpfMap.create({ type: 'array', key: 4, value: 8, maxEntries: 1 });
  const prog = load(
    `${FILTER(tgid)}
    r1 = 0
    *(u32 *)(r10 - 72) = r1
    r2 = r10
    r2 += -72
    r1 = seq ll
    call 1
    if r0 == 0 goto out
    r1 = 1
    r1 = atomic_fetch_add((u64 *)(r0 + 0x0), r1)
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 64) = r7
    call 5
    *(u64 *)(r10 - 56) = r0
    r1 = 0
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1
    *(u64 *)(r10 - 8) = r1
    r1 = ring ll
    r2 = r10
    r2 += -64
    r3 = 64
    r4 = 0
    call 130
  out:
    r0 = 0
    exit`,
    { ring, seq },
  );
  return {
    prog,
    ring,
    close() {
      prog.close();
      ring.close();
      seq.close();
    },
  };
}

/** On sys_enter_openat: a 256-byte ringbuf record with the `filename` argument (found by name). */
export function openatPathProducer(tgid: number): { prog: Program; ring: BpfMap; close(): void } {
  const filename = tracepointFormat('syscalls', 'sys_enter_openat').byName.get('filename');
  if (!filename) throw new Error('sys_enter_openat has no filename field');
  const ring = BpfMap.create({ type: 'ringbuf', maxEntries: 1 << 16 });
  const prog = load(
    `${FILTER(tgid)}
    r1 = ring ll
    r2 = 256
    r3 = 0
    call 131
    if r0 == 0 goto out
    r7 = r0
    r1 = r7
    r2 = 256
    r3 = *(u64 *)(r6 + ${filename.offset})
    call 114
    r1 = r7
    r2 = 0
    call 132
  out:
    r0 = 0
    exit`,
    { ring },
  );
  return {
    prog,
    ring,
    close() {
      prog.close();
      ring.close();
    },
  };
}

/** Per call: bpf_perf_event_output(ctx, events, BPF_F_CURRENT_CPU, {pid_tgid, ktime}, 16). */
export function perfbufProducer(
  tgid: number,
  cpus: number,
): { prog: Program; events: { fd: number; maxEntries: number }; close(): void } {
  const events = BpfMap.create({ type: 'perf_event_array', maxEntries: cpus });
  const prog = load(
    `${FILTER(tgid)}
    *(u64 *)(r10 - 16) = r7
    call 5
    *(u64 *)(r10 - 8) = r0
    r1 = r6
    r2 = events ll
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -16
    r5 = 16
    call 25
  out:
    r0 = 0
    exit`,
    { events },
  );
  return {
    prog,
    events,
    close() {
      prog.close();
      events.close();
    },
  };
}

/** Per call: bpf_printk("<tag> %d", pid). */
export function printkProducer(tgid: number, tag: string): { prog: Program; close(): void } {
  const fmt = Buffer.alloc(16);
  fmt.write(`${tag} %d`, 'latin1');
  if (fmt.indexOf(0) < 0) throw new Error('tag too long');
  const lo = fmt.readBigUInt64LE(0);
  const hi = fmt.readBigUInt64LE(8);
  const prog = load(
    `${FILTER(tgid)}
    r1 = 0x${lo.toString(16)} ll
    *(u64 *)(r10 - 16) = r1
    r1 = 0x${hi.toString(16)} ll
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -16
    r2 = 16
    r3 = r7
    r3 &= 0xffffffff
    call 6
  out:
    r0 = 0
    exit`,
    {},
  );
  return { prog, close: () => prog.close() };
}

/** A per-CPU u64 counter (a percpu_array of one entry), read as one figure per possible CPU. */
export interface CpuCounter {
  map: BpfMap<number, number[]>;
  perCpu(): number[];
  total(): number;
}

function cpuCounter(name: string): CpuCounter {
  const map = BpfMap.create({
    type: 'percpu_array',
    key: codecs.u32,
    value: codecs.u64n,
    maxEntries: 1,
    name,
  });
  const perCpu = () => (map.get(0) ?? []).map(Number);
  return { map, perCpu, total: () => perCpu().reduce((a, b) => a + b, 0) };
}

/** `counter[0] += 1` on this CPU (r1-r5 clobbered, key at r10 - 4). */
const bump = (counter: string) => `
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = ${counter} ll
    call 1
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 1
    *(u64 *)(r0 + 0) = r1`;

/** A 64-byte record {u64 pid_tgid, u64 ktime_ns, zeros} at r10 - 72. */
const RECORD = `
    *(u64 *)(r10 - 72) = r7
    call 5
    *(u64 *)(r10 - 64) = r0
    r1 = 0
    *(u64 *)(r10 - 56) = r1
    *(u64 *)(r10 - 48) = r1
    *(u64 *)(r10 - 40) = r1
    *(u64 *)(r10 - 32) = r1
    *(u64 *)(r10 - 24) = r1
    *(u64 *)(r10 - 16) = r1`;

/**
 * The accounting oracle beside a reader: per getppid of `tgid`, `hits` += 1 on the CPU it ran
 * on, then one 64-byte record out (bpf_ringbuf_output or bpf_perf_event_output); an output the
 * kernel refused (no room) counts in `failed` on that CPU. Every hit is then either a record a
 * reader can receive, or a failure: received + failed == hits, per CPU, exactly.
 */
export interface AccountedProducer {
  prog: Program;
  /** The ringbuf or perf event array the records go to. */
  out: { fd: number; maxEntries: number; close(): void };
  hits: CpuCounter;
  failed: CpuCounter;
  close(): void;
}

export function accountedProducer(
  kind: 'ringbuf' | 'perfbuf',
  tgid: number,
  opts: { ringBytes?: number; cpus?: number } = {},
): AccountedProducer {
  const out =
    kind === 'ringbuf'
      ? BpfMap.create({ type: 'ringbuf', maxEntries: opts.ringBytes ?? 1 << 20 })
      : BpfMap.create({ type: 'perf_event_array', maxEntries: opts.cpus ?? 1 });
  const hits = cpuCounter('hits');
  const failed = cpuCounter('failed');
  const output =
    kind === 'ringbuf'
      ? `
    r1 = out ll
    r2 = r10
    r2 += -72
    r3 = 64
    r4 = 0
    call 130`
      : `
    r1 = r6
    r2 = out ll
    r3 = 0xffffffff ll
    r4 = r10
    r4 += -72
    r5 = 64
    call 25`;
  const prog = load(
    `${FILTER(tgid)}
    ${bump('hits')}
    ${RECORD}
    ${output}
    if r0 == 0 goto out
    ${bump('failed')}
  out:
    r0 = 0
    exit`,
    { out, hits: hits.map, failed: failed.map },
  );
  return {
    prog,
    out,
    hits,
    failed,
    close() {
      prog.close();
      out.close();
      hits.map.close();
      failed.map.close();
    },
  };
}

/** Counts getppid calls of `tgid` per CPU: the in-kernel hit counter beside a CLI under test. */
export function getppidCounter(tgid: number): { prog: Program; hits: CpuCounter; close(): void } {
  const hits = cpuCounter('hits');
  const prog = load(
    `${FILTER(tgid)}
    ${bump('hits')}
  out:
    r0 = 0
    exit`,
    { hits: hits.map },
  );
  return {
    prog,
    hits,
    close() {
      prog.close();
      hits.map.close();
    },
  };
}
