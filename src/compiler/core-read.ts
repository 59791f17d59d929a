// CO-RE for programs built in TypeScript: BPF_CORE_READ's job done at build time. Offsets come
// from the target kernel's BTF, so a probe built here reads the right bytes on whatever kernel it
// is built for, as a CO-RE object would after relocation. The public `core.read`, which defaults
// to the running kernel's BTF, is src/object/core-read.ts.
//
//   core.read(b, R6, R1, 'struct filename', 'name');            // R6 = filename->name
//   core.read(b, R6, R0, 'struct task_struct', 'real_parent.tgid'); // follows the pointer
import { fieldPath } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';
import { type Builder, R1, R2, R3, R10, type Register } from '../../isa/builder/index.js';

export interface CoreReadOptions {
  /** Target BTF (core.read's default: /sys/kernel/btf/vmlinux). */
  btf?: Btf;
  /**
   * 'probe' (default): every step through bpf_probe_read_kernel into a stack slot — works where
   * the verifier does not know the pointer's type (kprobe arguments, bpf_get_current_task()).
   * Clobbers r0-r5. 'direct': plain loads, for BTF-typed pointers (fentry/tp_btf arguments).
   */
  mode?: 'probe' | 'direct';
}

const LOAD: Record<number, 'u8' | 'u16' | 'u32' | 'u64'> = { 1: 'u8', 2: 'u16', 4: 'u32', 8: 'u64' };

function rootType(btf: Btf, root: string): number {
  const m = /^\s*(struct|union|typedef)?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(root);
  if (!m)
    throw new RangeError(
      `core.read: bad root type '${root}' (want 'struct name', 'union name' or a typedef)`,
    );
  const kind = (m[1] ?? 'typedef') as 'struct' | 'union' | 'typedef';
  const id = btf.findId(m[2] as string, kind) ?? (m[1] ? undefined : btf.findId(m[2] as string, 'struct'));
  if (id === undefined) throw new RangeError(`core.read: the target BTF has no ${m[1] ?? 'type'} '${m[2]}'`);
  return id;
}

/**
 * Emits code that loads `root`'s `path` (a field, possibly through pointers) from `src` into
 * `dst`, at the offsets `btf` gives.
 */
export function emitCoreRead(
  btf: Btf,
  b: Builder,
  dst: Register,
  src: Register,
  root: string,
  path: string,
  mode: CoreReadOptions['mode'] = 'probe',
): Builder {
  const loc = fieldPath(btf, path, rootType(btf, root));
  if (loc.bitfieldSize !== 0)
    throw new RangeError(`core.read: '${root}.${path}' is a bitfield; read its containing bytes instead`);
  const load = LOAD[loc.size];
  if (!load)
    throw new RangeError(
      `core.read: '${root}.${path}' is ${loc.size} bytes; only 1, 2, 4 or 8-byte fields load into a register`,
    );
  const steps = [
    ...loc.hops.map((h) => ({ offset: h.offset, load: 'u64' as const, size: 8 })),
    { offset: loc.offset, load, size: loc.size },
  ];
  if (mode === 'direct') {
    let from = src;
    for (const s of steps) {
      b.ldx(s.load, dst, from, s.offset);
      from = dst;
    }
    return b;
  }
  const slot = b.stackAlloc(8);
  let from = src;
  for (const s of steps) {
    b.mov(R3, from);
    if (s.offset !== 0) b.add(R3, s.offset);
    b.mov(R1, R10).add(R1, slot).mov(R2, s.size).call('bpf_probe_read_kernel');
    b.ldx(s.load, dst, R10, slot);
    from = dst;
  }
  return b;
}
