// Helper functions for the interpreter: a registry id → implementation, and the default set
// with the kernel's ids (include/uapi/linux/bpf.h, __BPF_FUNC_MAPPER order) and semantics.
// A helper gets r1-r5 as unsigned 64-bit BigInts and returns r0; it reaches memory and maps
// through HelperContext, whose accesses fault exactly like the program's own.

import { PendingFault } from './fault.js';
import { type AnyInterpMap, Errno, InterpMap, InterpRingBuf } from './maps.js';
import { address, type Memory, split } from './memory.js';

/** What the "current task" helpers report; all configurable, deterministic by default. */
export interface InterpreterEnv {
  pid: number;
  tgid: number;
  uid: number;
  gid: number;
  comm: string;
  cpu: number;
  /** bpf_ktime_get_ns. Default: a fake clock that advances 1000 ns per call, so runs repeat. */
  now: () => bigint;
  /** bpf_get_prandom_u32. Default: xorshift32 seeded with 1. */
  random: () => number;
}

export function defaultEnv(): InterpreterEnv {
  let clock = 0n;
  let seed = 1;
  return {
    pid: 1,
    tgid: 1,
    uid: 0,
    gid: 0,
    comm: 'tsbpf',
    cpu: 0,
    now: () => (clock += 1000n),
    random: () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    },
  };
}

export interface HelperContext {
  /** r1-r5 as unsigned 64-bit values. */
  readonly args: readonly bigint[];
  readonly memory: Memory;
  readonly env: InterpreterEnv;
  /** The map whose handle `addr` is (what `lddw rX, map` loaded); faults otherwise. */
  map(addr: bigint): AnyInterpMap;
  /** Every map the program can see (ring-buffer submit finds its record's owner here). */
  readonly maps: readonly AnyInterpMap[];
  /** Appends a line to the captured trace_printk output. */
  print(line: string): void;
}

export type Helper = (h: HelperContext) => bigint | number;

export interface HelperEntry {
  readonly id: number;
  readonly name: string;
  readonly fn: Helper;
}

export class HelperRegistry {
  readonly #byId = new Map<number, HelperEntry>();

  register(id: number, name: string, fn: Helper): this {
    this.#byId.set(id, { id, name, fn });
    return this;
  }

  get(id: number): HelperEntry | undefined {
    return this.#byId.get(id);
  }

  /** By name, with or without the `bpf_` prefix. */
  byName(name: string): HelperEntry | undefined {
    const full = name.startsWith('bpf_') ? name : `bpf_${name}`;
    for (const e of this.#byId.values()) if (e.name === full) return e;
    return undefined;
  }

  get ids(): number[] {
    return [...this.#byId.keys()].sort((a, b) => a - b);
  }

  /** A copy to which more helpers can be added without touching this one. */
  clone(): HelperRegistry {
    const r = new HelperRegistry();
    for (const e of this.#byId.values()) r.register(e.id, e.name, e.fn);
    return r;
  }

  /** The kernel helpers this interpreter implements (listed in docs/isa.md). */
  static defaults(): HelperRegistry {
    return defaults.clone();
  }
}

/** The kernel's helper ids for the helpers implemented here (checked against bpf.h by a test). */
export const HelperId = {
  map_lookup_elem: 1,
  map_update_elem: 2,
  map_delete_elem: 3,
  probe_read: 4,
  ktime_get_ns: 5,
  trace_printk: 6,
  get_prandom_u32: 7,
  get_smp_processor_id: 8,
  get_current_pid_tgid: 14,
  get_current_uid_gid: 15,
  get_current_comm: 16,
  probe_read_str: 45,
  probe_read_user: 112,
  probe_read_kernel: 113,
  probe_read_user_str: 114,
  probe_read_kernel_str: 115,
  ringbuf_output: 130,
  ringbuf_reserve: 131,
  ringbuf_submit: 132,
  ringbuf_discard: 133,
} as const;

const num = (v: bigint): number => Number(BigInt.asUintN(32, v));

function hashMap(h: HelperContext, addr: bigint): InterpMap {
  const m = h.map(addr);
  if (!(m instanceof InterpMap))
    throw new PendingFault('helper', `map ${m.name} is a ${m.type}, not a key/value map`);
  return m;
}

function ringBuf(h: HelperContext, addr: bigint): InterpRingBuf {
  const m = h.map(addr);
  if (!(m instanceof InterpRingBuf)) throw new PendingFault('helper', `map ${m.name} is not a ringbuf`);
  return m;
}

/** Reads `size` bytes at src into dst; on a bad src, zeroes dst and returns -EFAULT (as the kernel). */
function probeRead(h: HelperContext): number {
  const [dst, sizeArg, src] = h.args;
  const size = num(sizeArg);
  let data: Uint8Array;
  try {
    data = h.memory.read(src, size);
  } catch (e) {
    if (!(e instanceof PendingFault)) throw e;
    h.memory.write(dst, new Uint8Array(size));
    return -Errno.EFAULT;
  }
  h.memory.write(dst, data);
  return 0;
}

/** Copies a NUL-terminated string of at most size-1 bytes plus the NUL; returns its length with the NUL. */
function probeReadStr(h: HelperContext): number {
  const [dst, sizeArg, src] = h.args;
  const size = num(sizeArg);
  if (size === 0) return 0;
  let s: string;
  try {
    s = h.memory.readCString(src, size - 1);
  } catch (e) {
    if (!(e instanceof PendingFault)) throw e;
    h.memory.write(dst, new Uint8Array(size));
    return -Errno.EFAULT;
  }
  const out = new Uint8Array(s.length + 1);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  h.memory.write(dst, out);
  return out.byteLength;
}

/**
 * The kernel's trace_printk conversions: %d %i %u %x %X %c %s %p %%, with l/ll length and
 * - / 0 flags and a width. Without l the argument is its low 32 bits, as the kernel passes it.
 */
export function formatPrintk(
  fmt: string,
  args: readonly bigint[],
  readString: (addr: bigint) => string,
): string {
  let out = '';
  let next = 0;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    const m = /^%([-0]*)(\d*)(l{0,2})([diuxXcsp%])/.exec(fmt.slice(i));
    if (!m) {
      out += c;
      continue;
    }
    i += m[0].length - 1;
    const [, flags, width, len, conv] = m;
    if (conv === '%') {
      out += '%';
      continue;
    }
    const arg = args[next++] ?? 0n;
    const wide = len.length > 0 || conv === 'p';
    const u = wide ? BigInt.asUintN(64, arg) : BigInt.asUintN(32, arg);
    let text: string;
    switch (conv) {
      case 'd':
      case 'i':
        text = (wide ? BigInt.asIntN(64, arg) : BigInt.asIntN(32, arg)).toString();
        break;
      case 'u':
        text = u.toString();
        break;
      case 'x':
        text = u.toString(16);
        break;
      case 'X':
        text = u.toString(16).toUpperCase();
        break;
      case 'c':
        text = String.fromCharCode(Number(arg & 0xffn));
        break;
      case 's':
        text = readString(arg);
        break;
      default:
        text = `0x${u.toString(16)}`;
    }
    const w = width ? Number(width) : 0;
    if (text.length < w) {
      if (flags.includes('-')) text = text.padEnd(w);
      else if (flags.includes('0') && conv !== 's' && conv !== 'c') {
        const neg = text.startsWith('-');
        text = (neg ? '-' : '') + text.slice(neg ? 1 : 0).padStart(w - (neg ? 1 : 0), '0');
      } else text = text.padStart(w);
    }
    out += text;
  }
  return out;
}

const defaults = new HelperRegistry()
  .register(HelperId.map_lookup_elem, 'bpf_map_lookup_elem', (h) => {
    const m = hashMap(h, h.args[0]);
    return m.lookupAddress(h.memory.read(h.args[1], m.keySize));
  })
  .register(HelperId.map_update_elem, 'bpf_map_update_elem', (h) => {
    const m = hashMap(h, h.args[0]);
    return m.update(
      h.memory.read(h.args[1], m.keySize),
      h.memory.read(h.args[2], m.valueSize),
      num(h.args[3]),
    );
  })
  .register(HelperId.map_delete_elem, 'bpf_map_delete_elem', (h) => {
    const m = hashMap(h, h.args[0]);
    return m.delete(h.memory.read(h.args[1], m.keySize));
  })
  .register(HelperId.probe_read, 'bpf_probe_read', probeRead)
  .register(HelperId.probe_read_kernel, 'bpf_probe_read_kernel', probeRead)
  .register(HelperId.probe_read_user, 'bpf_probe_read_user', probeRead)
  .register(HelperId.probe_read_str, 'bpf_probe_read_str', probeReadStr)
  .register(HelperId.probe_read_kernel_str, 'bpf_probe_read_kernel_str', probeReadStr)
  .register(HelperId.probe_read_user_str, 'bpf_probe_read_user_str', probeReadStr)
  .register(HelperId.ktime_get_ns, 'bpf_ktime_get_ns', (h) => h.env.now())
  .register(HelperId.get_prandom_u32, 'bpf_get_prandom_u32', (h) => h.env.random() >>> 0)
  .register(HelperId.get_smp_processor_id, 'bpf_get_smp_processor_id', (h) => h.env.cpu)
  .register(
    HelperId.get_current_pid_tgid,
    'bpf_get_current_pid_tgid',
    (h) => (BigInt(h.env.tgid >>> 0) << 32n) | BigInt(h.env.pid >>> 0),
  )
  .register(
    HelperId.get_current_uid_gid,
    'bpf_get_current_uid_gid',
    (h) => (BigInt(h.env.gid >>> 0) << 32n) | BigInt(h.env.uid >>> 0),
  )
  .register(HelperId.get_current_comm, 'bpf_get_current_comm', (h) => {
    const size = num(h.args[1]);
    if (size === 0) return -Errno.EINVAL;
    const out = new Uint8Array(size);
    const comm = h.env.comm.slice(0, size - 1);
    for (let i = 0; i < comm.length; i++) out[i] = comm.charCodeAt(i) & 0xff;
    h.memory.write(h.args[0], out);
    return 0;
  })
  .register(HelperId.trace_printk, 'bpf_trace_printk', (h) => {
    const size = num(h.args[1]);
    const fmt = h.memory.readCString(h.args[0], size);
    const line = formatPrintk(fmt, h.args.slice(2), (a) => h.memory.readCString(a, 256)).replace(/\n$/, '');
    h.print(line);
    return line.length + 1;
  })
  .register(HelperId.ringbuf_output, 'bpf_ringbuf_output', (h) => {
    const rb = ringBuf(h, h.args[0]);
    return rb.output(h.memory.read(h.args[1], num(h.args[2])));
  })
  .register(HelperId.ringbuf_reserve, 'bpf_ringbuf_reserve', (h) =>
    ringBuf(h, h.args[0]).reserve(num(h.args[1])),
  )
  .register(HelperId.ringbuf_submit, 'bpf_ringbuf_submit', (h) => commit(h, true))
  .register(HelperId.ringbuf_discard, 'bpf_ringbuf_discard', (h) => commit(h, false));

function commit(h: HelperContext, keep: boolean): number {
  const { hi, lo } = split(h.args[0]);
  if (lo !== 0)
    throw new PendingFault(
      'helper',
      'ringbuf submit/discard needs the pointer reserve returned',
      address(hi, lo),
    );
  for (const m of h.maps) if (m instanceof InterpRingBuf && m.commit(hi, keep)) return 0;
  throw new PendingFault(
    'helper',
    'ringbuf submit/discard of memory that is not a live reservation',
    address(hi, lo),
  );
}
