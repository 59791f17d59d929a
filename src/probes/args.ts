// Where a probe's arguments and return value live, per argument source (each attach kind names
// its source in its descriptor): kprobes and uprobes read the saved registers (struct pt_regs, at
// offsets the ABI fixes), fentry/fexit and tp_btf read the u64 array
// the trampoline passes, tracepoints read their record at the offsets of the `format` file. Types
// come from the function's BTF prototype or the format file's declarations.
import { cDeclaration } from '../../btf/cdecl.js';
import { functionSignature, resolveType } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';
import type { ArgDef, ProbeArgs } from '../compiler/probe-args.js';
import { btfValueType, fieldValueType, intType, U64, type ValueType } from '../compiler/types.js';
import type { Node, StrNode } from '../compiler/value.js';
import type { TracepointField, TracepointFormat } from '../format/tracepoint-format.js';
import type { UsdtArg } from '../format/usdt.js';
import { btfTargetType, findBtfTarget, lookupIn } from '../link/btf-target.js';
import { kindOf } from '../link/kinds/index.js';
import type { ArgSourceName } from '../link/kinds/kind.js';
import { ptRegsOffset } from './pt-regs.js';
import type { ProbeKind } from './spec.js';
import { usdtProbeArgs } from './usdt-args.js';

type RegisterOffsets = { args: number[]; ret: number };

/** The pt_regs fields of the argument registers and of the return register, per architecture. */
export const ARG_REGISTERS: Partial<Record<NodeJS.Architecture, { args: string[]; ret: string }>> = {
  x64: { args: ['di', 'si', 'dx', 'cx', 'r8', 'r9'], ret: 'ax' },
  arm64: { args: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `regs[${i}]`), ret: 'regs[0]' },
};

/** The argument and return registers' offsets in the context (pt-regs.ts: no BTF where the ABI fixes them). */
export function registerOffsets(btf: () => Btf): RegisterOffsets {
  const regs = ARG_REGISTERS[process.arch];
  if (!regs) throw new Error(`probe arguments from registers are not mapped for ${process.arch} yet`);
  return { args: regs.args.map((f) => ptRegsOffset(f, btf)), ret: ptRegsOffset(regs.ret, btf) };
}

/** An 8-byte context slot narrowed to `type`. */
function fromSlot(off: number, type: ValueType): Node {
  const slot: Node = { op: 'ctx', off, size: 8, signed: false };
  if (type.kind !== 'int' || type.size === 8) return slot;
  return { op: 'cast', a: slot, size: type.size, signed: type.signed };
}

function btfArg(
  btf: Btf,
  name: string,
  typeId: number,
  node: (t: ValueType) => Node,
  user: boolean,
  what: string,
): ArgDef {
  let type: ValueType;
  try {
    type = btfValueType(btf, typeId, user, what);
  } catch {
    type = U64; // a struct passed by value: its first 8 bytes, as an integer
  }
  return { name, type, node: node(type), btfType: typeId, decl: cDeclaration(btf, typeId, name) };
}

/** A kernel function's arguments from its BTF prototype, read by `at`; its return value by `retAt`. */
function functionArgs(
  btf: Btf,
  fn: string,
  at: (i: number, t: ValueType) => Node,
  retAt?: (t: ValueType) => Node,
): ProbeArgs {
  const sig = functionSignature(btf, fn);
  const args = sig.params.map((p, i) =>
    btfArg(btf, p.name || `arg${i}`, p.type, (t) => at(i, t), false, `${fn} argument ${p.name || i}`),
  );
  const ret =
    retAt && sig.returnType !== 0
      ? btfArg(btf, 'ret', sig.returnType, retAt, false, `${fn} return value`)
      : undefined;
  return { args, ret };
}

/** Registers as untyped u64 arguments: uprobes, and kernel functions BTF does not describe. */
function registerArgs(btf: () => Btf, ret: boolean): ProbeArgs {
  // Registers hold integers: `.string()` or `.as('struct …')` says what one points at.
  const regs = registerOffsets(btf);
  return {
    args: regs.args.map((off, i) => ({
      name: `arg${i}`,
      type: U64,
      node: fromSlot(off, U64),
      btfType: 0,
      decl: `u64 arg${i}`,
    })),
    ret: ret
      ? { name: 'ret', type: U64, node: fromSlot(regs.ret, U64), btfType: 0, decl: 'u64 ret' }
      : undefined,
  };
}

/** C integer spellings whose width is narrower than the 8-byte slot syscall tracepoints use. */
function declaredInt(type: string): { size: 1 | 2 | 4 | 8; signed: boolean } | undefined {
  const t = type.replace(/\b(const|volatile)\b/g, '').trim();
  const m = /^(unsigned\s+|signed\s+)?(char|short|int|long|long long)(\s+int)?$/.exec(t);
  if (!m) return undefined;
  const size = { char: 1, short: 2, int: 4, long: 8, 'long long': 8 }[m[2] as 'int'] as 1 | 2 | 4 | 8;
  return { size, signed: m[1]?.trim() !== 'unsigned' };
}

/** `char rwbs[10]`, as the C source (and bpftrace -lv) declare it; the format file's type says `char[10]`. */
function fieldDecl(f: TracepointField): string {
  if (f.arrayLength === undefined) return `${f.type} ${f.name}`;
  return `${f.type.replace(/\[\d*\]$/, '').trim()} ${f.name}[${f.arrayLength}]`;
}

function tracepointArg(f: TracepointField, user: boolean, what: string): ArgDef {
  const decl = fieldDecl(f);
  let type: ValueType;
  try {
    type = fieldValueType(f, user, what);
  } catch (err) {
    // One field this code cannot read must not make the whole tracepoint unusable.
    if (!(err instanceof RangeError)) throw err;
    return { name: f.name, type: U64, btfType: 0, decl, error: err.message };
  }
  if (type.kind === 'array')
    return { name: f.name, type, str: { op: 'ctxbytes', off: f.offset, size: f.size }, btfType: 0, decl };
  if (type.kind === 'str') {
    const str: StrNode = f.dataLoc
      ? { op: 'dataloc', off: f.offset, size: type.size }
      : { op: 'ctxbytes', off: f.offset, size: type.size };
    return { name: f.name, type, str, btfType: 0, decl };
  }
  if (type.kind === 'ptr')
    return {
      name: f.name,
      type,
      node: { op: 'ctx', off: f.offset, size: 8, signed: false },
      btfType: 0,
      decl,
    };
  const c = declaredInt(f.type);
  if (c && c.size < f.size) {
    // Syscall tracepoints store every argument in 8 bytes; the C type says how wide it really is.
    const t = intType(c.size, c.signed, what);
    return {
      name: f.name,
      type: t,
      node: {
        op: 'cast',
        a: { op: 'ctx', off: f.offset, size: intType(f.size, false, what).size, signed: false },
        size: c.size,
        signed: c.signed,
      },
      btfType: 0,
      decl,
    };
  }
  return {
    name: f.name,
    type,
    node: { op: 'ctx', off: f.offset, size: (type as { size: 1 | 2 | 4 | 8 }).size, signed: f.signed },
    btfType: 0,
    decl,
  };
}

export interface ArgSource {
  kind: ProbeKind;
  /** Kernel function (kprobe/fentry), tp_btf event, or uprobe symbol. */
  target: string;
  /** The kernel's BTF, parsed only if this kind needs it (tracepoints do not). */
  btf: () => Btf;
  format?: TracepointFormat;
  /** USDT: the argument layouts of the probe's sites, one per attachment cookie. */
  sites?: readonly (readonly UsdtArg[])[];
}

function tracepointArgs(format: TracepointFormat | undefined): ProbeArgs {
  if (!format) throw new Error('tracepoint arguments need the format file');
  const user = format.name.startsWith('sys_enter_') || format.name.startsWith('sys_exit_');
  const fields = format.fields.filter((f) => !f.common && f.name !== '__syscall_nr');
  // Array fields stay arrays (`args`); `p.arg('args[1]')` names one element.
  const args = fields.map((f) => tracepointArg(f, user, `${format.name} field ${f.name}`));
  const retIdx = args.findIndex((a) => a.name === 'ret');
  return retIdx >= 0 && format.name.startsWith('sys_exit_')
    ? { args: args.filter((_, i) => i !== retIdx), ret: args[retIdx] }
    : { args };
}

/** Each argument source (a kind's `args`) as a reader; `returns`: the probe runs at the return. */
const SOURCES: Record<ArgSourceName, (src: ArgSource, returns: boolean) => ProbeArgs> = {
  none: () => ({ args: [] }),
  'tracepoint-format': (src) => tracepointArgs(src.format),
  'kernel-registers': (src, returns) => {
    const btf = src.btf();
    if (findBtfTarget(lookupIn(btf), 'func', src.target) === undefined)
      return registerArgs(() => btf, returns);
    const regs = registerOffsets(() => btf);
    const out = functionArgs(
      btf,
      src.target,
      (i, t) => (i < regs.args.length ? fromSlot(regs.args[i] as number, t) : { op: 'const', value: 0n }),
      returns ? (t) => fromSlot(regs.ret, t) : undefined,
    );
    // At return the argument registers hold other values: a return probe reads only `ret`.
    return returns ? { args: [], ret: out.ret } : { args: out.args.slice(0, regs.args.length) };
  },
  usdt: (src) => usdtProbeArgs(src.btf, src.sites ?? []),
  'user-registers': (src, returns) => {
    const regs = registerArgs(src.btf, returns);
    return returns ? { args: [], ret: regs.ret } : regs;
  },
  trampoline: (src, returns) => {
    const btf = src.btf();
    const n = functionSignature(btf, src.target).params.length;
    return functionArgs(
      btf,
      src.target,
      (i, t) => fromSlot(8 * i, t),
      returns ? (t) => fromSlot(8 * n, t) : undefined,
    );
  },
  'btf-tracepoint': (src) => {
    const btf = src.btf();
    const typedef = btfTargetType('tp_btf', src.target).name;
    const id = findBtfTarget(lookupIn(btf), 'tp_btf', src.target);
    if (id === undefined) throw new Error(`tp_btf: no tracepoint '${src.target}' in the kernel's BTF`);
    const ptr = resolveType(btf, id);
    const proto = ptr.kind === 'ptr' ? resolveType(btf, ptr.type) : ptr;
    if (proto.kind !== 'func_proto') throw new Error(`tp_btf: ${typedef} is not a function pointer`);
    // params[0] is the tracepoint's `void *__data`; the program sees the rest from ctx[0]. The
    // typedef's prototype has no parameter names; the kernel's __bpf_trace_<event> function,
    // same parameters, has them.
    const named =
      btf.findId(`__bpf_trace_${src.target}`, 'func') !== undefined
        ? functionSignature(btf, `__bpf_trace_${src.target}`).params
        : [];
    const args = proto.params.slice(1).map((p, i) => {
      const name = p.name || named[i + 1]?.name || `arg${i}`;
      return btfArg(btf, name, p.type, (t) => fromSlot(8 * i, t), false, `${src.target} argument ${name}`);
    });
    return { args };
  },
};

/** The arguments (and return value, for return probes and syscall exits) a probe can read. */
export function probeArgs(src: ArgSource): ProbeArgs {
  const kind = kindOf(src.kind).descriptor;
  return SOURCES[kind.args ?? 'none'](src, kind.returns === true);
}
