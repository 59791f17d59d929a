// BTF kinds (include/uapi/linux/btf.h): numbers as stored, names as our decoded types carry them.

export const Kind = Object.freeze({
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
});
export const MAX_KIND = 19;

export type KindName =
  | 'void'
  | 'int'
  | 'ptr'
  | 'array'
  | 'struct'
  | 'union'
  | 'enum'
  | 'fwd'
  | 'typedef'
  | 'volatile'
  | 'const'
  | 'restrict'
  | 'func'
  | 'func_proto'
  | 'var'
  | 'datasec'
  | 'float'
  | 'decl_tag'
  | 'type_tag'
  | 'enum64';

/** Our kind names, indexed by kind number (0 is void). */
export const KIND_NAMES: readonly KindName[] = [
  'void',
  'int',
  'ptr',
  'array',
  'struct',
  'union',
  'enum',
  'fwd',
  'typedef',
  'volatile',
  'const',
  'restrict',
  'func',
  'func_proto',
  'var',
  'datasec',
  'float',
  'decl_tag',
  'type_tag',
  'enum64',
];

/** The kind number for a name; -1 if unknown. */
export function kindNumber(name: string): number {
  return KIND_NAMES.indexOf(name as KindName);
}

/** Bytes of kind-specific data after the 12-byte `struct btf_type`. */
export function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case Kind.INT:
    case Kind.VAR:
    case Kind.DECL_TAG:
      return 4;
    case Kind.ARRAY:
      return 12;
    case Kind.STRUCT:
    case Kind.UNION:
    case Kind.DATASEC:
    case Kind.ENUM64:
      return vlen * 12;
    case Kind.ENUM:
    case Kind.FUNC_PROTO:
      return vlen * 8;
    default:
      return 0;
  }
}

export const INT_SIGNED = 1;
export const INT_CHAR = 2;
export const INT_BOOL = 4;
