// The `format raw` text of bpftool (`[1] INT 'long unsigned int' size=8 ...`), one type at a time.
import type { Btf } from './parse.js';
import type { BtfType } from './types.js';

const RAW_KIND: Record<string, string> = {
  void: 'UNKNOWN',
  int: 'INT',
  ptr: 'PTR',
  array: 'ARRAY',
  struct: 'STRUCT',
  union: 'UNION',
  enum: 'ENUM',
  fwd: 'FWD',
  typedef: 'TYPEDEF',
  volatile: 'VOLATILE',
  const: 'CONST',
  restrict: 'RESTRICT',
  func: 'FUNC',
  func_proto: 'FUNC_PROTO',
  var: 'VAR',
  datasec: 'DATASEC',
  float: 'FLOAT',
  decl_tag: 'DECL_TAG',
  type_tag: 'TYPE_TAG',
  enum64: 'ENUM64',
};

const q = (name: string): string => `'${name === '' ? '(anon)' : name}'`;

/** One type as bpftool prints it in `format raw` (lines joined with \n, no trailing newline). */
export function formatRawType(btf: Btf, t: BtfType): string {
  let s = `[${t.id}] ${RAW_KIND[t.kind]} ${q(t.name)}`;
  switch (t.kind) {
    case 'int': {
      const enc = t.signed ? 'SIGNED' : t.char ? 'CHAR' : t.bool ? 'BOOL' : '(none)';
      return `${s} size=${t.size} bits_offset=${t.bitsOffset} nr_bits=${t.bits} encoding=${enc}`;
    }
    case 'ptr':
    case 'const':
    case 'volatile':
    case 'restrict':
    case 'typedef':
    case 'type_tag':
      return `${s} type_id=${t.type}`;
    case 'array':
      return `${s} type_id=${t.type} index_type_id=${t.indexType} nr_elems=${t.nelems}`;
    case 'struct':
    case 'union':
      s += ` size=${t.size} vlen=${t.members.length}`;
      for (const m of t.members) {
        s += `\n\t${q(m.name)} type_id=${m.type} bits_offset=${m.bitOffset}`;
        if (m.bitfieldSize) s += ` bitfield_size=${m.bitfieldSize}`;
      }
      return s;
    case 'enum':
    case 'enum64': {
      s += ` encoding=${t.signed ? 'SIGNED' : 'UNSIGNED'} size=${t.size} vlen=${t.values.length}`;
      const suffix = t.kind === 'enum' ? '' : t.signed ? 'LL' : 'ULL';
      for (const v of t.values) s += `\n\t${q(v.name)} val=${v.value}${suffix}`;
      return s;
    }
    case 'fwd':
      return `${s} fwd_kind=${t.fwdKind}`;
    case 'func':
      return `${s} type_id=${t.type} linkage=${t.linkage}`;
    case 'func_proto':
      s += ` ret_type_id=${t.returnType} vlen=${t.params.length}`;
      for (const p of t.params) s += `\n\t${q(p.name)} type_id=${p.type}`;
      return s;
    case 'var':
      return `${s} type_id=${t.type}, linkage=${t.linkage}`;
    case 'datasec':
      s += ` size=${t.size} vlen=${t.vars.length}`;
      for (const v of t.vars) {
        const vt = btf.type(v.type);
        s += `\n\ttype_id=${v.type} offset=${v.offset} size=${v.size} (${RAW_KIND[vt.kind]} ${q(vt.name)})`;
      }
      return s;
    case 'float':
      return `${s} size=${t.size}`;
    case 'decl_tag':
      return `${s} type_id=${t.type} component_idx=${t.componentIdx}`;
    default:
      return s;
  }
}

/** Every type of `btf` (not its base's), as `bpftool btf dump ... format raw` prints them. */
export function formatRaw(btf: Btf, ids?: Iterable<number>): string {
  const out: string[] = [];
  for (const id of ids ?? btf.ids()) out.push(formatRawType(btf, btf.type(id)));
  return out.length ? `${out.join('\n')}\n` : '';
}
