// core.read: the compiler's CO-RE field read (src/compiler/core-read.ts) with the running kernel's
// BTF as the default target, read from /sys/kernel/btf/vmlinux on first use.
//
//   core.read(b, R6, R1, 'struct filename', 'name');            // R6 = filename->name
//   core.read(b, R6, R0, 'struct task_struct', 'real_parent.tgid'); // follows the pointer
import type { Builder, Register } from '../../isa/index.js';
import { vmlinuxBtf } from '../btf-file.js';
import { type CoreReadOptions, emitCoreRead } from '../compiler/core-read.js';

export type { CoreReadOptions };

/** Emits code that loads `root`'s `path` (a field, possibly through pointers) from `src` into `dst`. */
export function coreRead(
  b: Builder,
  dst: Register,
  src: Register,
  root: string,
  path: string,
  opts: CoreReadOptions = {},
): Builder {
  return emitCoreRead(opts.btf ?? vmlinuxBtf(), b, dst, src, root, path, opts.mode);
}

/** The builder's CO-RE helpers. */
export const core = { read: coreRead };
