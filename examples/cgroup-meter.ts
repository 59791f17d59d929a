// cgroup-meter: bytes and packets sent per cgroup. A cgroup_skb/egress program, written with the
// builder instruction by instruction (no clang), is attached to one cgroup v2 directory — the
// whole hierarchy by default — and runs for every packet a socket of that cgroup or of any cgroup
// below it sends. It keys a hash map by the sending socket's cgroup id (bpf_skb_cgroup_id) and
// adds the packet and its length (IP header included); it lets every packet pass. On Ctrl-C,
// SIGTERM or at the end of --duration, Node turns the ids back into paths and prints the table.
//
//   sudo node dist/examples/cgroup-meter.js [--cgroup PATH] [--duration SEC]
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { attachCgroup, BpfMap, type Codec, codecs, Program, resolveCgroup } from 'tsbpf';
import { program, R0, R1, R2, R3, R4, R6, R7, R10 } from 'tsbpf/isa';

const { values } = parseArgs({ options: { cgroup: { type: 'string' }, duration: { type: 'string' } } });
const top = resolveCgroup(values.cgroup ?? '.'); // '.': the cgroup2 mount itself
const root = resolveCgroup('.');

/** The map's value: packets and bytes, two u64. */
interface Traffic {
  packets: bigint;
  bytes: bigint;
}
const traffic: Codec<Traffic> = {
  size: 16,
  encode: (v, into, at) => {
    into.writeBigUInt64LE(v.packets, at);
    into.writeBigUInt64LE(v.bytes, at + 8);
  },
  decode: (from, at) => ({ packets: from.readBigUInt64LE(at), bytes: from.readBigUInt64LE(at + 8) }),
};

const BPF_NOEXIST = 1;
const b = program();
const key = b.stackAlloc(8);
const zero = b.stackAlloc(16);
b.ldx('u32', R7, R1, 0); // r7 = skb->len (callee-saved: it survives the helper calls)
b.call('skb_cgroup_id'); // r1 is still the skb: r0 = the sending socket's cgroup id
b.stx('u64', R10, key, R0);
b.ldMap(R1, 'traffic').mov(R2, R10).add(R2, key).call('map_lookup_elem');
b.ifThen(R0, '==', 0, () => {
  // First packet of this cgroup: add a zeroed entry (NOEXIST: another CPU may have just done so).
  b.zeroStack(zero, 16);
  b.ldMap(R1, 'traffic').mov(R2, R10).add(R2, key).mov(R3, R10).add(R3, zero).mov(R4, BPF_NOEXIST);
  b.call('map_update_elem');
  b.ldMap(R1, 'traffic').mov(R2, R10).add(R2, key).call('map_lookup_elem');
});
b.ifThen(R0, '!=', 0, () => {
  b.mov(R6, 1).atomic('add', 'u64', R0, 0, R6);
  b.atomic('add', 'u64', R0, 8, R7);
});
b.ret(1); // 1: let the packet go

using counts = BpfMap.create({
  type: 'hash',
  key: codecs.u64,
  value: traffic,
  maxEntries: 4096,
  name: 'traffic',
});
using prog = Program.load({
  type: 'cgroup_skb',
  instructions: b.build().instructions,
  maps: { traffic: counts },
});
using _link = attachCgroup(prog, top, { attachType: 'cgroup_inet_egress' });
console.error(`metering bytes sent per cgroup under ${top}; Ctrl-C to print`);

let timer: NodeJS.Timeout | undefined;
await new Promise<void>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
  // A timer also keeps Node running: signal handlers alone do not (no --duration: ~24 days).
  timer = setTimeout(resolve, values.duration === undefined ? 2 ** 31 - 1 : Number(values.duration) * 1000);
});
clearTimeout(timer);

/** cgroup id → path below the cgroup2 mount, for the cgroups under `top`. */
function cgroupPaths(): Map<bigint, string> {
  const paths = new Map<bigint, string>();
  const walk = (dir: string) => {
    try {
      paths.set(statSync(dir, { bigint: true }).ino, `/${relative(root, dir)}`);
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
    } catch {
      // removed while walking
    }
  };
  walk(top);
  return paths;
}

const paths = cgroupPaths();
const rows = [...counts.entries()].sort((x, y) => Number(y[1].bytes - x[1].bytes));
console.log(`${'CGROUP'.padEnd(48)} ${'PACKETS'.padStart(10)} ${'BYTES'.padStart(12)}`);
for (const [id, t] of rows)
  console.log(
    `${(paths.get(id) ?? `cgroup ${id}`).padEnd(48)} ${String(t.packets).padStart(10)} ${String(t.bytes).padStart(12)}`,
  );
