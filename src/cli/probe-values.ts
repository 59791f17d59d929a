// The values a command line names, as bpftrace writes them: builtins (pid, tid, uid, gid, comm,
// cpu, cgroup, nsecs, retval/ret, curtask), arguments (args.filename, args->filename, arg.NAME, a
// bare NAME, arg0), paths into them (args.argv[1], curtask->real_parent->tgid), functions (str(),
// ntop(), join()), whole structs (*X, *(struct T *)X), and a type or name suffix (ret:s32, sig:signal, ret:errno, id:syscall,
// cap:cap). Shared by trace --format, count --by/--sum and hist --value.

import type { Value } from '../compiler/value.js';
import type { ProbeContext } from '../probes/context.js';
import { UsageError } from './usage.js';

/** Struct pointers worth printing as the string they name. */
export const STRING_PATHS: Record<string, string> = {
  filename: 'name',
  dentry: 'd_name.name',
  file: 'f_path.dentry.d_name.name',
  qstr: 'name',
};

const CASTS = ['str', 's8', 's16', 's32', 's64', 'u8', 'u16', 'u32', 'u64'] as const;
/** Suffixes decoded in user space: the number stays a number in the kernel. */
export const NAMERS = ['signal', 'errno', 'syscall', 'cap'] as const;
export type Namer = (typeof NAMERS)[number];

export interface ValueExpr {
  /** As written, for headers and messages. */
  text: string;
  /** Builds the value inside a probe body. */
  make(p: ProbeContext): Value<unknown>;
  /** A user-space name for the number (signal, errno, syscall, capability). */
  namer?: Namer;
}

const BUILTINS: Record<string, (p: ProbeContext) => Value<unknown>> = {
  pid: (p) => p.pid(),
  tid: (p) => p.tid(),
  uid: (p) => p.uid(),
  gid: (p) => p.gid(),
  comm: (p) => p.comm(),
  cpu: (p) => p.cpu(),
  cgroup: (p) => p.cgroup(),
  nsecs: (p) => p.ktime(),
  ktime: (p) => p.ktime(),
  retval: (p) => p.ret(),
  ret: (p) => p.ret(),
  curtask: (p) => p.task(),
  task: (p) => p.task(),
  kstack: (p) => p.stack(),
  ustack: (p) => p.stack({ user: true }),
  // Of a wildcard probe, the point that fired (bpftrace's func and probe).
  func: (p) => p.func(),
  probe: (p) => p.probe(),
};

/** A char pointer, or a pointer to a struct that names a string (filename, dentry, file): the string. */
export function readable(v: Value<unknown>): Value<unknown> {
  if (v.type.kind !== 'ptr') return v;
  if (v.type.char) return v.string();
  const to = v.pointee();
  const path = to?.kind === 'struct' ? STRING_PATHS[to.name] : undefined;
  return path ? v.field(path).string() : v;
}

/**
 * Parses one value expression; a UsageError says what is wrong with it. A bare word names an
 * argument only with `bare` (trace --format's values); elsewhere arguments are `args.NAME`.
 */
export function parseValueExpr(text: string, bare = true): ValueExpr {
  let body = text.trim();
  let suffix: string | undefined;
  const colon = /:(\w+)$/.exec(body);
  if (colon) {
    suffix = colon[1] as string;
    body = body.slice(0, colon.index);
    if (!CASTS.includes(suffix as never) && !NAMERS.includes(suffix as never))
      throw new UsageError(
        `'${text}': ':${suffix}' is not one of ${[...CASTS, ...NAMERS].map((c) => `:${c}`).join(' ')}`,
      );
  }
  // `*X` (bpftrace's struct dereference): the whole struct X points at, printed as an object;
  // `*(struct T *)X` reads X as a pointer to T first (a tracepoint's untyped user pointer).
  const deref = /^\*\s*(?:\(\s*((?:struct|union)\s+\w+)\s*\*\s*\)\s*)?(.+)$/.exec(body);
  if (deref) body = (deref[2] as string).trim();
  const fn = /^(str|ntop|join)\((.*)\)$/.exec(body);
  const inner = fn ? (fn[2] as string) : body;
  const path = inner.replace(/->/g, '.');
  if (!/^[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*|\[\d+\])*$/.test(path))
    throw new UsageError(
      `'${text}' is not a value (e.g. pid, comm, args.filename, ret:errno, str(args.buf))`,
    );
  const head = /^\w+/.exec(path)?.[0] as string;
  if (!bare && !/[.[]/.test(path) && !Object.hasOwn(BUILTINS, head) && !/^arg\d+$/.test(head))
    throw new UsageError(
      `'${text}' is not a value: a builtin (${Object.keys(BUILTINS).join(', ')}), argN, or args.NAME`,
    );
  const make = (p: ProbeContext): Value<unknown> => {
    let v = base(p, path);
    if (deref) {
      const cast = deref[1];
      if (cast) v = v.as(cast, { user: v.type.kind === 'ptr' && v.type.user });
      return v.object();
    }
    if (fn?.[1] === 'str') v = v.string();
    else if (fn?.[1] === 'ntop') v = v.ntop();
    else if (fn?.[1] === 'join') v = v.strings();
    else if (!suffix || NAMERS.includes(suffix as never)) v = readable(v);
    if (suffix && CASTS.includes(suffix as never)) {
      const c = suffix as (typeof CASTS)[number];
      v = c === 'str' ? v.string() : v[c]();
    }
    return v;
  };
  const namer = NAMERS.includes(suffix as never) ? (suffix as Namer) : undefined;
  return { text, make, namer };
}

/** The head of a path (a builtin or an argument), then its members and indexes. */
function base(p: ProbeContext, path: string): Value<unknown> {
  const parts = path.split('.');
  let head = parts.shift() as string;
  const index = /^(\w+)((?:\[\d+\])*)$/.exec(head) as RegExpExecArray;
  head = index[1] as string;
  const idx = index[2] ?? '';
  let v: Value<unknown>;
  if ((head === 'args' || head === 'arg') && parts.length > 0 && !idx) {
    const name = parts.shift() as string;
    const m = /^(\w+)((?:\[\d+\])*)$/.exec(name) as RegExpExecArray;
    v = p.arg(m[1] as string);
    if (m[2]) v = v.field(m[2]);
  } else if (Object.hasOwn(BUILTINS, head)) v = (BUILTINS[head] as (p: ProbeContext) => Value<unknown>)(p);
  else if (/^arg\d+$/.test(head) && !p.args().some((a) => a.name === head)) v = p.arg(Number(head.slice(3)));
  else v = p.arg(head);
  if (idx) v = v.field(idx);
  return parts.length > 0 ? v.field(parts.join('.')) : v;
}

/** A decoded value as text, with its name when the expression asked for one. */
export async function namerFor(namer: Namer | undefined): Promise<((v: unknown) => unknown) | undefined> {
  if (!namer) return undefined;
  const names = await import('../probes/names.js');
  if (namer === 'syscall') await names.syscallNames();
  const f = {
    signal: names.signalName,
    errno: (n: number) => (n < 0 ? names.errnoName(n) : String(n)),
    syscall: names.syscallName,
    cap: names.capabilityName,
  }[namer];
  return (v) => (typeof v === 'number' ? f(v) : v);
}
