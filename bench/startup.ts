// Start-up of the package: a fresh node that imports 'tsbpf' (the package entry: a small module
// that runs the core layer, a bundle, through V8's code cache; src/lib-loader.ts) and
// loads a 2-instruction program, against bare `node -e 0`, run in turn (pairs) in the same run.
// Also: the same through the unbundled tsc output (dist/src/index.js), and through src/program.js
// alone (koffi and the bpf(2) edge). And two floors that say what part of the difference is ours:
// an ES module that imports nothing (what Node's ES module loader costs any script), and an ES
// module that loads the same program with koffi and a raw bpf(2) call, no tsbpf at all (what any
// koffi-based tool pays before its own code).
// NODE_EXTRA_CA_CERTS makes every node parse a certificate file at start (tens of ms): both sides
// pay it, but it is no part of either, so it is left out of the children's environment.
// Run: node dist/bench/startup.js (after npm run build; needs root for BPF_PROG_LOAD).
// Lines: `name: ours X, floor Y, ratio Z` (minimum over runs [median in brackets]).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from '../isa/instruction.js';
import { NR_BPF } from '../src/sys/libc.js';
import { nodeChildEnv } from './support/node-env.js';
import { now, stat } from './support/stats.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tsbpf-startbench-'));
const RUNS = 15;
/** issue 17: import 'tsbpf' + a 2-instruction load within 25 ms of bare node. */
const GOAL_MS = 25;

const f = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
/** Signed: a difference. */
const d = (x: number) => `${x >= 0 ? '+' : ''}${f(x)}`;
try {
  const prog = Buffer.from(
    encode([
      { code: 0xb7, dst: 0, src: 0, off: 0, imm: 0 },
      { code: 0x95, dst: 0, src: 0, off: 0, imm: 0 },
    ]),
  ).toString('base64');
  const script = (entry: string, file: string) => {
    const path = join(dir, file);
    writeFileSync(
      path,
      `import { Program } from ${JSON.stringify(entry)};\nProgram.load({ type: 'socket_filter', instructions: Buffer.from('${prog}', 'base64') }).close();\n`,
    );
    return path;
  };
  const emptyModule = join(dir, 'empty.mjs');
  writeFileSync(emptyModule, '');
  const koffiFloor = join(dir, 'koffi-floor.mjs');
  writeFileSync(
    koffiFloor,
    [
      "import { createRequire } from 'node:module';",
      `const koffi = createRequire(${JSON.stringify(join(here, '../../package.json'))})('koffi');`,
      "const libc = koffi.load('libc.so.6');",
      "const bpf = libc.func('long syscall(long nr, int cmd, void *attr, unsigned int size)');",
      "const close = libc.func('int close(int fd)');",
      `const insns = Buffer.from('${prog}', 'base64');`,
      "const license = Buffer.from('GPL\\0');",
      'const attr = Buffer.alloc(128);',
      'attr.writeUInt32LE(1, 0); // BPF_PROG_TYPE_SOCKET_FILTER',
      'attr.writeUInt32LE(2, 4);',
      'attr.writeBigUInt64LE(koffi.address(insns), 8);',
      'attr.writeBigUInt64LE(koffi.address(license), 16);',
      `const fd = bpf(${NR_BPF}, 5, attr, 128); // BPF_PROG_LOAD`,
      "if (fd < 0) throw new Error('BPF_PROG_LOAD failed');",
      'close(fd);',
    ].join('\n'),
  );
  const pkg = JSON.parse(readFileSync(join(here, '../../package.json'), 'utf8'));
  const viaPackage = script(join(here, '../..', pkg.exports['.'].default), 'via-package.mjs');
  const viaIndex = script(join(here, '../src/index.js'), 'via-index.mjs');
  const viaProgram = script(join(here, '../src/program.js'), 'via-program.mjs');
  const env = nodeChildEnv();
  const run = (args: string[]) => {
    const t0 = now();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'], env });
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed`);
    return (now() - t0) / 1e6;
  };
  run(['-e', '0']);
  run([viaPackage]);
  const bare: number[] = [];
  const bundle: number[] = [];
  const index: number[] = [];
  const program: number[] = [];
  const empty: number[] = [];
  const ffi: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    bare.push(run(['-e', '0']));
    empty.push(run([emptyModule]));
    ffi.push(run([koffiFloor]));
    bundle.push(run([viaPackage]));
    index.push(run([viaIndex]));
    program.push(run([viaProgram]));
  }
  const over = (xs: number[]) => stat(xs.map((x, i) => x - (bare[i] as number)));
  const b = stat(bare);
  const i = stat(bundle);
  const p = stat(program);
  const oi = over(bundle);
  const ou = over(index);
  const op = over(program);
  const oe = over(empty);
  const of = over(ffi);
  const beyondFloor = stat(bundle.map((x, k) => x - (ffi[k] as number)));
  console.log(
    `import 'tsbpf' + load 2 insns, whole process: ours ${f(i.min)} ms [median ${f(i.median)}], floor node -e 0 ${f(b.min)} ms [median ${f(b.median)}], ratio ${(i.min / b.min).toFixed(2)} (min) ${(i.median / b.median).toFixed(2)} (median)`,
  );
  console.log(
    `import 'tsbpf' + load 2 insns, over bare node (pairs): ours ${d(oi.min)} ms [median ${d(oi.median)}], floor ${GOAL_MS} ms (the goal), ratio ${(oi.min / GOAL_MS).toFixed(2)} (min) ${(oi.median / GOAL_MS).toFixed(2)} (median)`,
  );
  console.log(
    `import dist/src/index.js (unbundled) + load 2 insns, over bare node (pairs): ours ${d(ou.min)} ms [median ${d(ou.median)}], floor ${GOAL_MS} ms (the goal), ratio ${(ou.min / GOAL_MS).toFixed(2)} (min) ${(ou.median / GOAL_MS).toFixed(2)} (median)`,
  );
  console.log(
    `import src/program.js + load 2 insns, over bare node (pairs): ours ${d(op.min)} ms [median ${d(op.median)}], floor ${GOAL_MS} ms (the goal), ratio ${(op.min / GOAL_MS).toFixed(2)} (min) ${(op.median / GOAL_MS).toFixed(2)} (median)`,
  );
  console.log(
    `floor: an ES module that imports nothing, over bare node (pairs): ${d(oe.min)} ms [median ${d(oe.median)}]`,
  );
  console.log(
    `floor: koffi + the same load by a raw bpf(2) call from an ES module, over bare node (pairs): ${d(of.min)} ms [median ${d(of.median)}]`,
  );
  console.log(
    `import 'tsbpf' + load 2 insns, over that koffi floor (pairs): ours ${d(beyondFloor.min)} ms [median ${d(beyondFloor.median)}]: tsbpf's own share`,
  );
  console.log(
    `# load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}; ${RUNS} rounds`,
  );
  console.log(
    `# program.js alone is koffi + the bpf(2) edge: what the package import cannot go below (p.min ${f(p.min)} ms)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
