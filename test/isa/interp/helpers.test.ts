// Helpers, in-memory maps and step tracing. Helper ids are checked against the kernel's own
// list in /usr/include/linux/bpf.h; map error codes against the kernel's documented behaviour.
import { existsSync, readFileSync } from 'node:fs';
import {
  assemble,
  formatPrintk,
  formatTraceStep,
  HelperId,
  HelperRegistry,
  type InterpMap,
  type InterpRingBuf,
  Interpreter,
  InterpreterFault,
  type InterpreterOptions,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const interp = (text: string, opts: InterpreterOptions = {}) =>
  new Interpreter(assemble(text).instructions, opts);
const key32 = (n: number) => Uint8Array.from([n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24]);
const u64le = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getBigUint64(0, true);

describe('helper ids', () => {
  it.skipIf(!existsSync('/usr/include/linux/bpf.h'))(
    'match __BPF_FUNC_MAPPER in the installed uapi header',
    () => {
      const header = readFileSync('/usr/include/linux/bpf.h', 'utf8');
      const mapper = header.slice(header.indexOf('#define __BPF_FUNC_MAPPER'));
      const names = [...mapper.matchAll(/FN\((\w+),\s*(\d+),/g)].map((m) => [m[1], Number(m[2])] as const);
      const byName = new Map(
        names.length > 0 ? names : [...mapper.matchAll(/FN\((\w+)\)/g)].map((m, i) => [m[1], i] as const),
      );
      for (const [name, id] of Object.entries(HelperId)) expect([name, byName.get(name)]).toEqual([name, id]);
      for (const id of HelperRegistry.defaults().ids) expect(Object.values(HelperId)).toContain(id);
    },
  );
});

describe('hash and array maps', () => {
  const counter = `
    r1 = 7
    *(u32 *)(r10 - 4) = r1
    r1 = counts ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto insert
    r1 = 1
    lock *(u64 *)(r0 + 0) += r1
    r0 = 2
    exit
  insert:
    r1 = 1
    *(u64 *)(r10 - 16) = r1
    r1 = counts ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 1
    call bpf_map_update_elem
    exit`;

  it('a program counts into a hash map; the host reads the same bytes', () => {
    const it = interp(counter, {
      maps: { counts: { type: 'hash', keySize: 4, valueSize: 8, maxEntries: 16 } },
    });
    expect(it.run().r0).toBe(0n); // inserted with BPF_NOEXIST → 0
    expect(it.run().r0).toBe(2n); // found: incremented in place
    expect(it.run().r0).toBe(2n);
    const m = it.maps.get('counts') as InterpMap;
    expect(u64le(m.get(key32(7))!)).toBe(3n);
  });

  it('update flags and errors follow the kernel: -EEXIST, -ENOENT, -E2BIG, array delete -EINVAL', () => {
    const it = interp('exit', {
      maps: {
        h: { type: 'hash', keySize: 4, valueSize: 4, maxEntries: 1 },
        a: { type: 'array', keySize: 4, valueSize: 4, maxEntries: 2 },
        l: { type: 'lru_hash', keySize: 4, valueSize: 4, maxEntries: 2 },
      },
    });
    const h = it.maps.get('h') as InterpMap;
    const v = key32(1);
    expect(h.update(key32(1), v, 2)).toBe(-2); // BPF_EXIST on a missing key
    expect(h.update(key32(1), v, 1)).toBe(0);
    expect(h.update(key32(1), v, 1)).toBe(-17); // BPF_NOEXIST on a present key
    expect(h.update(key32(2), v, 0)).toBe(-7); // full
    expect(h.delete(key32(9))).toBe(-2);
    const a = it.maps.get('a') as InterpMap;
    expect(a.get(key32(1))).toEqual(new Uint8Array(4)); // arrays exist zeroed
    expect(a.get(key32(2))).toBeUndefined();
    expect(a.update(key32(2), v)).toBe(-7);
    expect(a.delete(key32(0))).toBe(-22);
    const l = it.maps.get('l') as InterpMap;
    l.set(key32(1), v);
    l.set(key32(2), v);
    l.get(key32(1)); // touch 1: 2 is now the least recently used
    l.set(key32(3), v);
    expect([...l.entries()].map(([k]) => k[0]).sort()).toEqual([1, 3]);
  });

  it('direct value access (lddw map_value) reads an array map element', () => {
    const it = interp('r1 = map_value(cfg) + 4 ll\nr0 = *(u32 *)(r1 + 0)\nexit', {
      maps: { cfg: { type: 'array', keySize: 4, valueSize: 8, maxEntries: 1 } },
    });
    (it.maps.get('cfg') as InterpMap).set(key32(0), Uint8Array.from([0, 0, 0, 0, 0x2a, 0, 0, 0]));
    expect(it.run().r0).toBe(42n);
  });

  it('map values are bounded regions; a map handle is not memory', () => {
    const spec = { maps: { m: { type: 'array' as const, keySize: 4, valueSize: 8, maxEntries: 1 } } };
    const oob = interp(
      '*(u32 *)(r10 - 4) = 0\nr1 = m ll\nr2 = r10\nr2 += -4\ncall 1\nr0 = *(u64 *)(r0 + 4)\nexit',
      spec,
    );
    expect(() => oob.run()).toThrow(/read of 8 bytes at 0x[0-9a-f]+ is outside m\[0\] \(8 bytes\)/);
    const handle = interp('r1 = m ll\nr0 = *(u64 *)(r1 + 0)\nexit', spec);
    expect(() => handle.run()).toThrow(InterpreterFault);
  });

  it('lookup through something that is not a map is a typed fault', () => {
    const f = (() => {
      try {
        interp('r1 = 5\nr2 = r10\ncall 1\nexit').run();
      } catch (e) {
        return e as InterpreterFault;
      }
    })();
    expect(f?.kind).toBe('unknown_map');
    expect(f?.pc).toBe(2);
  });
});

describe('ring buffer', () => {
  it('reserve/submit/discard and output; the host drains records in order', () => {
    const text = `
      r1 = events ll
      r2 = 8
      r3 = 0
      call bpf_ringbuf_reserve
      if r0 == 0 goto out
      r1 = 0x1122
      *(u64 *)(r0 + 0) = r1
      r1 = r0
      r2 = 0
      call bpf_ringbuf_submit
      r1 = events ll
      r2 = 4
      r3 = 0
      call bpf_ringbuf_reserve
      r1 = r0
      r2 = 0
      call bpf_ringbuf_discard
      r1 = 0x33
      *(u64 *)(r10 - 8) = r1
      r1 = events ll
      r2 = r10
      r2 += -8
      r3 = 1
      r4 = 0
      call bpf_ringbuf_output
    out:
      exit`;
    const it = interp(text, { maps: { events: { type: 'ringbuf', maxEntries: 4096 } } });
    expect(it.run().r0).toBe(0n);
    const rb = it.maps.get('events') as InterpRingBuf;
    expect(rb.drain().map((r) => Array.from(r))).toEqual([[0x22, 0x11, 0, 0, 0, 0, 0, 0], [0x33]]);
    expect(rb.drain()).toEqual([]);
  });

  it('a submitted record can no longer be written', () => {
    const text =
      'r1 = rb ll\nr2 = 8\nr3 = 0\ncall bpf_ringbuf_reserve\nr6 = r0\nr1 = r0\nr2 = 0\ncall bpf_ringbuf_submit\n*(u64 *)(r6 + 0) = 1\nexit';
    expect(() => interp(text, { maps: { rb: { type: 'ringbuf', maxEntries: 4096 } } }).run()).toThrow(
      /was freed/,
    );
  });

  it('a full ring buffer makes reserve return NULL', () => {
    const text = 'r1 = rb ll\nr2 = 4096\nr3 = 0\ncall bpf_ringbuf_reserve\nexit';
    expect(interp(text, { maps: { rb: { type: 'ringbuf', maxEntries: 4096 } } }).run().r0).toBe(0n);
  });
});

describe('task helpers and trace_printk', () => {
  it('pid/tgid, uid/gid, comm, cpu come from the configured env', () => {
    const env = { pid: 100, tgid: 200, uid: 1000, gid: 2000, comm: 'learner', cpu: 3 };
    expect(interp('call bpf_get_current_pid_tgid\nexit', { env }).run().r0).toBe((200n << 32n) | 100n);
    expect(interp('call bpf_get_current_uid_gid\nexit', { env }).run().r0).toBe((2000n << 32n) | 1000n);
    expect(interp('call bpf_get_smp_processor_id\nexit', { env }).run().r0).toBe(3n);
    const comm = interp(
      'r1 = r10\nr1 += -16\nr2 = 4\ncall bpf_get_current_comm\nr0 = *(u32 *)(r10 - 16)\nexit',
      { env },
    );
    expect(comm.run().r0).toBe(0x0061656cn); // 'lea' + NUL (size 4), little-endian
  });

  it('trace_printk formats the kernel subset and captures the line', () => {
    const text = `
      r1 = 0x0a7325 ll
      *(u64 *)(r10 - 8) = r1
      r1 = 0x7825206425 ll
      *(u64 *)(r10 - 16) = r1
      r1 = r10
      r1 += -16
      r2 = 16
      r3 = -5
      r4 = 255
      r5 = r10
      r5 += -32
      r0 = 0x6968
      *(u64 *)(r10 - 32) = r0
      call bpf_trace_printk
      exit`;
    // fmt bytes at r10-16: "%d %x" then at r10-8 "%s\n"; but they are separate u64 stores:
    // "%d %x\0\0\0" + "%s\n\0…" → the C string ends at the first NUL, so only "%d %x" is used.
    const it = interp(text);
    const res = it.run();
    expect(res.output).toEqual(['-5 ff']);
    expect(res.r0).toBe(6n);
    expect(
      formatPrintk(
        '%llu %lld %lx %5d|%-4s|%05u %c %% %p',
        [2n ** 64n - 1n, -1n, 255n, 42n, 0n, 7n, 65n, 16n],
        () => 'ab',
      ),
    ).toBe('18446744073709551615 -1 ff    42|ab  |00007 A % 0x10');
    // Without `l`, %d and %u take the low 32 bits, as the kernel passes them.
    expect(formatPrintk('%d %u', [0xffffffffn, 0x1_0000_0001n], () => '')).toBe('-1 1');
  });

  it('probe_read_kernel copies interpreter memory; a bad source zeroes dst and returns -EFAULT', () => {
    const ok =
      'r1 = 0x55\n*(u64 *)(r10 - 8) = r1\nr1 = r10\nr1 += -16\nr2 = 8\nr3 = r10\nr3 += -8\ncall bpf_probe_read_kernel\nr0 = *(u64 *)(r10 - 16)\nexit';
    expect(interp(ok).run().r0).toBe(0x55n);
    const bad =
      'r1 = -1\n*(u64 *)(r10 - 16) = r1\nr1 = r10\nr1 += -16\nr2 = 8\nr3 = 0x1000\ncall bpf_probe_read_kernel\nr6 = r0\nr0 = *(u64 *)(r10 - 16)\nr0 += r6\nexit';
    expect(interp(bad).run().r0).toBe(BigInt.asUintN(64, -14n));
  });

  it('custom helpers can be registered', () => {
    const helpers = HelperRegistry.defaults().register(1000, 'bpf_double', (h) => h.args[0] * 2n);
    expect(interp('r1 = 21\ncall 1000\nexit', { helpers }).run().r0).toBe(42n);
  });
});

describe('step tracing', () => {
  it('yields pc, text, changed registers and written bytes per step', () => {
    const it = interp('r0 = 1\nr1 = 2\nr0 += r1\n*(u32 *)(r10 - 4) = r0\nexit');
    const gen = it.trace();
    const steps = [];
    let next = gen.next();
    while (!next.done) {
      steps.push(next.value);
      next = gen.next();
    }
    expect(next.value.r0).toBe(3n);
    expect(steps.map((s) => s.pc)).toEqual([0, 1, 2, 3, 4]);
    expect(steps[2].registers).toEqual([{ reg: 0, before: 1n, after: 3n }]);
    expect(steps[3].writes).toEqual([{ address: 0x2000001fcn, bytes: Uint8Array.from([3, 0, 0, 0]) }]);
    // 6 columns of pc, the text padded to the width (20), two spaces, then the effects.
    expect(formatTraceStep(steps[2], 20)).toBe(`${'   2: r0 += r1'.padEnd(28)}r0 0x1 → 0x3`);
    expect(steps[4].registers).toEqual([]);
  });

  it('a fault during tracing is thrown from the generator with the pc', () => {
    const gen = interp('r0 = 1\nr0 = *(u8 *)(r0 + 0)\nexit').trace();
    expect(gen.next().value).toMatchObject({ pc: 0 });
    expect(() => gen.next()).toThrow(/^pc 1: /);
  });
});
