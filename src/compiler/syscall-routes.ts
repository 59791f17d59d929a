// Which syscall tracepoints can stand in for a kernel function that neither a kprobe nor fentry
// can reach, and how the function's arguments are read from their records.
//
// The kernel does not say which syscalls call a function (no call graph in BTF or kallsyms), so
// the candidates come from names and are confirmed by argument lists, both read from this kernel:
//   - a function named for a syscall (`do_unlinkat`, `do_sys_openat2`, `ksys_read`) stands for
//     that syscall's family: the names that differ only by an `at` or a number (unlink, unlinkat;
//     open, openat, openat2), among the syscalls that have tracepoints here;
//   - a syscall is kept only when its tracepoint's fields give every argument of the function
//     (from its BTF prototype): by name; a `struct filename *` (what getname() makes of a user
//     path) from a path string; a struct pointer from fields named as its members (open_how from
//     flags and mode); `*dfd` as AT_FDCWD and `flags` as 0 when the syscall has none (the calls
//     without `at` work relative to the current directory and take no flags).
// What neither tells is in ROUTES below, each line checked against the kernel's sources.
import type { ProbeArgs } from './probe-args.js';
import type { Cond } from './value.js';

/** The calls of a syscall that take a route, when not all of them do. */
export interface RouteCondition {
  /** A field of the syscall's record, a mask, and whether the route needs the bits set. */
  field: string;
  mask: number;
  set: boolean;
  /** For the note: `flag without AT_REMOVEDIR`. */
  text: string;
}

export interface SyscallRoute {
  syscall: string;
  /** The function is the syscall's own entry point: the record's arguments are its arguments. */
  exact?: boolean;
  when?: RouteCondition;
  /** Arguments the syscall implies (creat: the open flags it stands for). */
  fixed?: Record<string, bigint>;
}

const AT_FDCWD = -100n;
const AT_REMOVEDIR = 0x200;
const O_WRONLY = 0o1n;
const O_CREAT = 0o100n;
const O_TRUNC = 0o1000n;

/**
 * Routes names do not tell, by family (fs/namei.c, fs/open.c): unlinkat(2) goes to do_rmdir
 * with AT_REMOVEDIR and to do_unlinkat without; creat(2) is open(2) with O_CREAT|O_WRONLY|O_TRUNC.
 */
const ROUTES: Record<string, SyscallRoute[]> = {
  unlink: [
    {
      syscall: 'unlinkat',
      when: { field: 'flag', mask: AT_REMOVEDIR, set: false, text: 'flag without AT_REMOVEDIR' },
    },
  ],
  rmdir: [
    {
      syscall: 'unlinkat',
      when: { field: 'flag', mask: AT_REMOVEDIR, set: true, text: 'flag with AT_REMOVEDIR' },
    },
  ],
  open: [{ syscall: 'creat', fixed: { flags: O_CREAT | O_WRONLY | O_TRUNC } }],
};

/** Prefixes of functions that implement one syscall exactly (the syscall's own entry points). */
const ENTRY = /^(?:__x64_sys_|__ia32_sys_|__arm64_sys_|__se_sys_|__do_sys_|sys_)/;
/** Prefixes of the functions syscalls of a family share. */
const SHARED = /^(?:ksys_|do_sys_|do_)/;

/** `openat2` → `open`, `unlinkat` → `unlink`, `pread64` → `pread`. */
export function syscallFamily(name: string): string {
  const base = name.replace(/\d+$/, '');
  return base.length > 4 && base.endsWith('at') ? base.slice(0, -2) : base;
}

/**
 * The syscalls that may reach kernel function `fn`, among `syscalls` (those with tracepoints
 * here), or undefined when `fn` is not named for a syscall. Arguments confirm them later.
 */
export function syscallRoutes(fn: string, syscalls: ReadonlySet<string>): SyscallRoute[] | undefined {
  const entry = fn.replace(ENTRY, '');
  if (entry !== fn && syscalls.has(entry)) return [{ syscall: entry, exact: true }];
  const name = fn.replace(SHARED, '');
  if (name === fn || !syscalls.has(name)) return undefined;
  const family = syscallFamily(name);
  const extra = Object.hasOwn(ROUTES, family) ? (ROUTES[family] as SyscallRoute[]) : [];
  const routes: SyscallRoute[] = [...syscalls]
    .filter((s) => syscallFamily(s) === family && !extra.some((r) => r.syscall === s))
    .sort()
    .map((syscall) => ({ syscall }));
  for (const r of extra) if (syscalls.has(r.syscall)) routes.push(r);
  return routes.sort((a, b) => a.syscall.localeCompare(b.syscall));
}

/** A parameter of the function, as BTF gives it, reduced to what mapping needs. */
export interface ParamShape {
  name: string;
  /** int, a char pointer, `struct filename *`, another struct pointer (with its member names), other. */
  kind: 'int' | 'chars' | 'filename' | 'struct' | 'other';
  members?: string[];
}

/** How each parameter is read from a syscall's record; a reason when one cannot be. */
export type ParamSource =
  | { from: 'field'; field: string }
  | { from: 'const'; value: bigint }
  | { from: 'filename'; field: string }
  | { from: 'members'; members: Record<string, { field: string } | { value: bigint }> };

/**
 * Reads `params` from the fields of `route.syscall`'s record (`fields`: name → is a char pointer),
 * or says which parameter the syscall does not give.
 */
export function mapParams(
  params: readonly ParamShape[],
  fields: ReadonlyMap<string, { chars: boolean }>,
  route: SyscallRoute,
): { sources: ParamSource[] } | { missing: string } {
  const fixed = route.fixed ?? {};
  const named = new Set(params.map((p) => p.name));
  // Path strings not claimed by a parameter of the same name, in record order.
  const paths = [...fields].filter(([n, f]) => f.chars && !named.has(n)).map(([n]) => n);
  const sources: ParamSource[] = [];
  for (const p of params) {
    const field = fields.get(p.name);
    if (Object.hasOwn(fixed, p.name)) sources.push({ from: 'const', value: fixed[p.name] as bigint });
    else if (field && p.kind === 'filename' && field.chars) sources.push({ from: 'filename', field: p.name });
    else if (field && p.kind !== 'filename') sources.push({ from: 'field', field: p.name });
    else if ((p.kind === 'filename' || p.kind === 'chars') && paths.length > 0) {
      const path = paths.shift() as string;
      sources.push(
        p.kind === 'filename' ? { from: 'filename', field: path } : { from: 'field', field: path },
      );
    } else if (p.kind === 'int' && /dfd$/.test(p.name)) sources.push({ from: 'const', value: AT_FDCWD });
    else if (p.kind === 'int' && /^flags?$/.test(p.name)) sources.push({ from: 'const', value: 0n });
    else if (p.kind === 'struct' && p.members) {
      const members: Record<string, { field: string } | { value: bigint }> = {};
      for (const m of p.members) {
        if (Object.hasOwn(fixed, m)) members[m] = { value: fixed[m] as bigint };
        else if (fields.has(m)) members[m] = { field: m };
      }
      if (Object.keys(members).length === 0) return { missing: p.name };
      sources.push({ from: 'members', members });
    } else return { missing: p.name };
  }
  return { sources };
}

/** The entry-side filter a route's condition becomes, given how to read a field. */
export function routeFilter(when: RouteCondition, field: (name: string) => ProbeArgs['args'][number]): Cond {
  const f = field(when.field);
  return {
    op: 'cmp',
    cmp: when.set ? '!=' : '==',
    a: {
      op: 'alu',
      alu: 'and',
      a: f.node as NonNullable<typeof f.node>,
      b: { op: 'const', value: BigInt(when.mask) },
      signed: false,
    },
    b: { op: 'const', value: 0n },
  };
}

/** `unlink, unlinkat (flag without AT_REMOVEDIR)`. */
export function describeRoutes(routes: readonly SyscallRoute[]): string {
  return routes.map((r) => (r.when ? `${r.syscall} (${r.when.text})` : r.syscall)).join(', ');
}
