// Builder programs in the real kernel: map references bound at load, helper calls by name,
// subprograms and structured control flow verified and test-run; verifier errors point at the
// builder call in this file; and the helper table agrees with the kernel's own helper names.
import { BpfMap, codecs, Program, program, R0, R1, R2, R3, R6, R7, R10, VerifierError } from 'tsbpf';
import { HELPERS } from 'tsbpf/isa';
import { expect, it } from 'vitest';
import { kernelDescribe } from '../../support/kernel.js';

const THIS_FILE = new URL(import.meta.url).pathname;

kernelDescribe('builder: programs in the kernel', ['prog_load', 'test_run', 'maps'], () => {
  it('a socket filter counts packets by length parity in an array map and returns skb->len', () => {
    using counts = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64,
      maxEntries: 2,
      name: 'counts',
    });
    const b = program();
    const key = b.stackAlloc(4);
    b.ldx('u32', R6, R1, 0); // skb->len
    b.mov(R7, R6).and(R7, 1).stx('u32', R10, key, R7.w);
    b.ldMap(R1, 'counts').mov(R2, R10).add(R2, key).call('map_lookup_elem');
    b.ifThen(R0, '!=', 0, () => b.mov(R1, 1).atomic('add', 'u64', R0, 0, R1));
    b.mov(R0, R6).exit();
    using p = Program.load({ type: 'socket_filter', instructions: b.build().instructions, maps: { counts } });
    const lengths = [14, 15, 60, 61, 63, 100];
    for (const len of lengths) expect(p.testRun({ data: new Uint8Array(len) }).retval).toBe(len - 14);
    // the kernel strips the 14-byte Ethernet header from skb->len: parity of len - 14
    const odd = lengths.filter((l) => (l - 14) % 2 === 1).length;
    expect(counts.get(1)).toBe(BigInt(odd));
    expect(counts.get(0)).toBe(BigInt(lengths.length - odd));
  });

  it('subprograms, an else branch, a global through ldMapValue and a 64-bit constant in XDP', () => {
    using globals = BpfMap.create({
      type: 'array',
      key: codecs.u32,
      value: codecs.u64,
      maxEntries: 1,
      name: 'globals',
    });
    globals.set(0, 40n);
    const b = program();
    b.ldx('u32', R2, R1, 0).ldx('u32', R1, R1, 4).sub(R1, R2); // packet length = data_end - data
    b.callLocal('add_global');
    b.ifThen(
      R0,
      '>',
      100,
      () => b.mov(R0, 2),
      () => b.mov(R0, 1),
    ); // XDP_PASS if long, else XDP_DROP
    b.exit();
    b.func('add_global', (f) => {
      f.ldMapValue(R2, 'globals').ldx('u64', R2, R2, 0).mov(R0, R1).add(R0, R2);
      f.loadImm64(R1, 0x1_0000_0000n).jge(R0, R1, 'huge').exit();
      f.label('huge').mov(R0, 0).exit();
    });
    using p = Program.load({ type: 'xdp', instructions: b.build().instructions, maps: { globals } });
    expect(p.testRun({ data: new Uint8Array(64) }).retval).toBe(2); // 64 + 40 > 100
    expect(p.testRun({ data: new Uint8Array(50) }).retval).toBe(1); // 50 + 40 <= 100
  });

  it("a verifier rejection points at the builder call in the user's file", () => {
    const b = program();
    b.mov(R0, 0);
    const [line] = [lineHere(), b.add(R0, R3)]; // r3 was never written
    b.exit();
    let error: unknown;
    try {
      Program.load({ type: 'socket_filter', instructions: b.build().instructions }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VerifierError);
    const v = error as VerifierError;
    expect(v.message).toContain('R3 !read_ok');
    expect(v.source?.file).toContain(THIS_FILE);
    expect(v.source?.line).toBe(line);
    expect(v.message).toContain(`${THIS_FILE}:${line}:`);
  });

  it("every helper id in the table is the kernel's helper of that name, and the next id is unknown", () => {
    // The verifier log prints each call as `call bpf_<name>#<id>` from the kernel's own table;
    // reading r1 after the call (helpers clobber r1-r5) makes every load fail, so there is a log.
    const nameIn = (id: number): string => {
      const b = program({ sourcePositions: false }).call(id).mov(R0, R1).exit();
      try {
        Program.load({ type: 'socket_filter', instructions: b.build().instructions, logLevel: 1 }).close();
      } catch (e) {
        if (!(e instanceof VerifierError)) throw e;
        const m = /call (\w+)#(\d+)/.exec(e.log);
        if (m && Number(m[2]) === id) return m[1] as string;
        throw e;
      }
      return '(loaded)';
    };
    const mismatches = HELPERS.filter((h) => nameIn(h.id) !== `bpf_${h.name}`).map(
      (h) => `${h.id} ${h.name}`,
    );
    expect(mismatches).toEqual([]);
    expect(nameIn((HELPERS.at(-1)?.id ?? 0) + 1)).toBe('unknown');
  });
});

function lineHere(): number {
  const frame = new Error().stack?.split('\n')[2] ?? '';
  return Number(/:(\d+):\d+\)?$/.exec(frame)?.[1]);
}
