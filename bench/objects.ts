// Loading clang-built objects: our user-space work (read, parse ELF/BTF, link subprograms, apply
// CO-RE and data relocations, encode attrs) next to the kernel's share (BPF_BTF_LOAD, MAP_CREATE,
// PROG_LOAD — mostly the verifier), measured in the same run over the fixture set. Goal: our share
// <= 10% of the total. Peer: `bpftool prog loadall` of the same objects (a whole process, so it
// includes exec and libbpf's own start; shown for scale).
// Run: node dist/bench/objects.js (after npm run build; needs root). Min over repetitions (median).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BPFFS_ROOT, BpfObject, ensureBpffs, vmlinuxBtf } from '../src/index.js';
import { stat } from './support/stats.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/objects/', import.meta.url));
const OBJECTS = [
  'subprogs.bpf.o',
  'unlink.bpf.o',
  'tp_unlinkat.bpf.o',
  'xdp_count.bpf.o',
  'fsdist.bpf.o',
  'legacy_maps.bpf.o',
  'ksyms.bpf.o',
];
const REPS = 15;

const f = (x: number) => x.toFixed(2);

// vmlinux BTF is parsed once per process (lazily); time it on its own.
let t = performance.now();
vmlinuxBtf();
const btfParse = performance.now() - t;

const user: number[] = [];
const kernel: number[] = [];
const perObject = new Map<string, { user: number[]; kernel: number[] }>(
  OBJECTS.map((o) => [o, { user: [], kernel: [] }]),
);
for (let rep = 0; rep < REPS + 1; rep++) {
  let u = 0;
  let k = 0;
  for (const name of OBJECTS) {
    t = performance.now();
    const loaded = BpfObject.open(`${FIXTURES}${name}`).load({ onProgramError: 'skip' });
    const total = performance.now() - t;
    loaded.close();
    const sys = loaded.timing.syscallMs;
    u += total - sys;
    k += sys;
    const po = perObject.get(name) as { user: number[]; kernel: number[] };
    if (rep > 0) {
      po.user.push(total - sys);
      po.kernel.push(sys);
    }
  }
  if (rep > 0) {
    // rep 0 warms the JIT and module caches
    user.push(u);
    kernel.push(k);
  }
}
const us = stat(user);
const ks = stat(kernel);
console.log(`vmlinux BTF parse (once per process): ${f(btfParse)} ms`);
for (const [name, v] of perObject) {
  const a = stat(v.user);
  const b = stat(v.kernel);
  console.log(
    `  ${name}: user ${f(a.min)} ms (median ${f(a.median)}), kernel ${f(b.min)} ms (median ${f(b.median)})`,
  );
}
console.log(
  `objects load, user-space share of ${OBJECTS.length} objects: ours ${f(us.min)} ms (median ${f(us.median)}), floor ${f(ks.min)} ms kernel syscalls (median ${f(ks.median)}), ratio ${(us.min / ks.min).toFixed(3)}; share ${((100 * us.median) / (us.median + ks.median)).toFixed(1)}% of the total (goal <= 10%)`,
);

const bpftool = ['/usr/sbin/bpftool', '/usr/bin/bpftool'].find((p) => existsSync(p));
if (bpftool) {
  // Only the objects libbpf 1.1 loads completely here (no fentry, no legacy maps).
  const peerSet = ['subprogs.bpf.o', 'unlink.bpf.o', 'tp_unlinkat.bpf.o', 'xdp_count.bpf.o'];
  const peer: number[] = [];
  const ours: number[] = [];
  // bpftool pins what it loads: bpffs must be mounted, as the library mounts it for its own pins.
  ensureBpffs();
  for (let rep = 0; rep < 5; rep++) {
    const dir = mkdtempSync(`${BPFFS_ROOT}/tsbpf-bench-`);
    t = performance.now();
    for (const [i, name] of peerSet.entries()) {
      const r = spawnSync(bpftool, ['prog', 'loadall', `${FIXTURES}${name}`, `${dir}/${i}`], {
        stdio: 'ignore',
      });
      if (r.status !== 0) throw new Error(`bpftool failed on ${name}`);
    }
    peer.push(performance.now() - t);
    rmSync(dir, { recursive: true, force: true });
    t = performance.now();
    for (const name of peerSet) BpfObject.open(`${FIXTURES}${name}`).load().close();
    ours.push(performance.now() - t);
  }
  const p = stat(peer);
  const o = stat(ours);
  console.log(
    `objects load (4 objects) vs bpftool prog loadall (peer, per process): ours ${f(o.min)} ms, floor ${f(p.min)} ms, ratio ${(o.min / p.min).toFixed(3)}`,
  );
}
