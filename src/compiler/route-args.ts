// A kernel function's arguments read from a syscall tracepoint that stands in for it: the body
// written for `kprobe:do_unlinkat` (`p.arg('name').field('name').string()`) runs unchanged on
// `sys_enter_unlink`, where the path is the record's `pathname` string. Names and types are the
// function's (from BTF); values come from the record as syscall-routes.ts maps them.
import { cDeclaration } from '../../btf/cdecl.js';
import { findMember, functionSignature, resolveType } from '../../btf/layout.js';
import type { Btf } from '../../btf/parse.js';
import type { ArgDef, ProbeArgs } from './probe-args.js';
import { mapParams, type ParamShape, type ParamSource, type SyscallRoute } from './syscall-routes.js';
import { btfValueType, type IntType, type PtrType, U64, type ValueType } from './types.js';
import type { Node } from './value.js';

/** The members of `struct filename` a syscall record can give: the path and the user's pointer to it. */
const FILENAME_MEMBERS = ['name', 'uptr'];

function shapeOf(btf: Btf, name: string, typeId: number): ParamShape {
  const t = resolveType(btf, typeId);
  if (t.kind === 'int' || t.kind === 'enum' || t.kind === 'enum64') return { name, kind: 'int' };
  if (t.kind !== 'ptr') return { name, kind: 'other' };
  const to = resolveType(btf, t.type);
  if (to.kind === 'int' && to.size === 1) return { name, kind: 'chars' };
  if (to.kind === 'struct' && to.name === 'filename') return { name, kind: 'filename' };
  if (to.kind === 'struct' || to.kind === 'union')
    return { name, kind: 'struct', members: to.members.map((m) => m.name).filter(Boolean) };
  return { name, kind: 'other' };
}

/** `node` (an 8-byte record slot) narrowed to the function's declared type. */
function typed(node: Node, type: ValueType, user: boolean): { type: ValueType; node: Node } {
  if (type.kind === 'int')
    return {
      type,
      node: type.size === 8 ? node : { op: 'cast', a: node, size: type.size, signed: type.signed },
    };
  if (type.kind === 'ptr') return { type: { ...type, user }, node };
  return { type, node };
}

function valueType(btf: Btf, typeId: number, what: string): ValueType {
  try {
    return btfValueType(btf, typeId, false, what);
  } catch {
    return U64;
  }
}

export interface StandIn {
  args: ProbeArgs;
  /** How to read a record field (for the route's condition). */
  field(name: string): ArgDef;
}

/**
 * `fn`'s arguments (and return value, on an exit record) from `record` (the tracepoint's own
 * arguments), or the name of an argument this syscall does not give.
 */
export function standInArgs(
  btf: Btf,
  fn: string,
  record: ProbeArgs,
  route: SyscallRoute,
): StandIn | { missing: string } {
  const sig = functionSignature(btf, fn);
  const byName = new Map(record.args.map((a) => [a.name, a]));
  const field = (name: string): ArgDef => {
    const a = byName.get(name);
    if (!a) throw new Error(`internal: no field '${name}' in the ${route.syscall} record`);
    return a;
  };
  const retType = sig.returnType !== 0 ? valueType(btf, sig.returnType, `${fn} return value`) : undefined;
  const ret: ArgDef | undefined =
    record.ret?.node && retType
      ? { ...record.ret, ...typed(record.ret.node, retType, true), btfType: sig.returnType }
      : record.ret;
  // An exit record holds only the return value: the arguments are not there to map.
  if (record.args.length === 0) return { args: { args: [], ret }, field };
  const params = sig.params.map((p, i) => ({ ...p, name: p.name || `arg${i}` }));
  const shapes = params.map((p) => shapeOf(btf, p.name, p.type));
  const fields = new Map(
    record.args.map((a) => [a.name, { chars: a.type.kind === 'ptr' && (a.type as PtrType).char }]),
  );
  const mapped = mapParams(shapes, fields, route);
  if ('missing' in mapped) return mapped;
  const args = params.map((p, i) =>
    argFrom(btf, p.name, p.type, mapped.sources[i] as ParamSource, field, `${fn} argument ${p.name}`),
  );
  return { args: { args, ret }, field };
}

function argFrom(
  btf: Btf,
  name: string,
  typeId: number,
  src: ParamSource,
  field: (name: string) => ArgDef,
  what: string,
): ArgDef {
  const type = valueType(btf, typeId, what);
  const base = { name, btfType: typeId, decl: cDeclaration(btf, typeId, name) };
  switch (src.from) {
    case 'const':
      return { ...base, ...typed({ op: 'const', value: src.value }, type, false) };
    case 'field': {
      const f = field(src.field);
      if (f.str) return { ...base, type: f.type, str: f.str };
      return { ...base, ...typed(f.node as Node, type, true) };
    }
    case 'filename': {
      const path = field(src.field);
      const members: Record<string, ArgDef> = {};
      for (const m of FILENAME_MEMBERS)
        members[m] = { ...path, name: m, decl: `${path.decl} (the record's ${src.field})` };
      return { ...base, type, members };
    }
    case 'members': {
      const t = resolveType(btf, (resolveType(btf, typeId) as { type: number }).type);
      const members: Record<string, ArgDef> = {};
      for (const [m, from] of Object.entries(src.members)) {
        const found = t.kind === 'struct' || t.kind === 'union' ? findMember(btf, t, m) : undefined;
        const mt = found ? valueType(btf, found.member.type, `${what}.${m}`) : U64;
        const node: Node =
          'value' in from ? { op: 'const', value: from.value } : (field(from.field).node as Node);
        members[m] = {
          name: m,
          btfType: found?.member.type ?? 0,
          decl: 'value' in from ? `${m} = ${from.value}` : `${m} (the record's ${from.field})`,
          ...typed(node, mt as IntType, true),
        };
      }
      return { ...base, type, members };
    }
  }
}
