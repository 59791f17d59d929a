// load-object: load what clang wrote — a C program compiled with `clang -target bpf -O2 -g`
// (test/fixtures/objects/tp_unlinkat.bpf.c) — set its `const volatile` knob, attach its program
// by section name, and read both its ringbuf events and a global counter in .bss. No libbpf:
// tsbpf parses the ELF, creates the maps, applies relocations and loads the program itself.
//
//   sudo node dist/examples/load-object.js [OBJECT.o] [--duration SEC]
//   (in another shell: touch /tmp/x && rm /tmp/x)
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { attachBySection, BpfObject, RingBufReader } from 'tsbpf';

const { values, positionals } = parseArgs({
  options: { duration: { type: 'string', short: 'd' }, pid: { type: 'string', short: 'p' } },
  allowPositionals: true,
});
const path =
  positionals[0] ?? fileURLToPath(new URL('../../test/fixtures/objects/tp_unlinkat.bpf.o', import.meta.url));

const object = BpfObject.open(path);
object.set('target_pid', Number(values.pid ?? 0)); // 0: every process
using loaded = object.load();
const links = await Promise.all(
  [...loaded.programs].map(([name, prog]) => {
    const def = loaded.specs.get(name)?.def;
    if (!def) throw new Error(`${name}: no section definition to attach by`);
    console.error(`attached ${name} (${loaded.specs.get(name)?.section})`);
    return attachBySection(prog, def);
  }),
);

// struct event { u32 pid; s32 dfd; char path[64]; }
using events = RingBufReader.open(loaded.map('events'), {
  decode: {
    decode: (v, o) => ({
      pid: v.getUint32(o, true),
      dfd: v.getInt32(o + 4, true),
      path: Buffer.from(v.buffer, v.byteOffset + o + 8, 64)
        .toString('latin1')
        .split('\0')[0],
    }),
  },
});
const show = (e: { pid: number; dfd: number; path: string | undefined }) =>
  console.log(`${String(e.pid).padStart(7)} unlinkat(${e.dfd}, "${e.path}")`);
events.subscribe(show);

console.error('streaming; Ctrl-C to stop');
await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  if (values.duration !== undefined) setTimeout(resolve, Number(values.duration) * 1000);
});
events.drain(show); // what arrived after the last wake-up

// The program's global `__u64 calls` (.bss), read through the kernel's memory-mapped array.
if ('calls' in loaded.variables) console.log(`calls counted in the kernel: ${loaded.variables.calls?.get()}`);
for (const link of links) link.close();
