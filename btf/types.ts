// Decoded BTF types. Every type refers to others by id; `Btf.type(id)` decodes on demand.
import type { KindName } from './kinds.js';

export type Linkage = 'static' | 'global' | 'extern';

export interface Member {
  name: string;
  type: number;
  /** Offset from the start of the struct, in bits. */
  bitOffset: number;
  /** Non-zero for a bitfield: its width in bits. */
  bitfieldSize: number;
}
export interface Param {
  name: string;
  type: number;
}
export interface EnumValue {
  name: string;
  value: number;
}
export interface Enum64Value {
  name: string;
  value: bigint;
}
export interface VarSecinfo {
  type: number;
  offset: number;
  size: number;
}

interface Named<K extends KindName> {
  kind: K;
  id: number;
  /** '' when anonymous. */
  name: string;
}

export interface VoidType extends Named<'void'> {}
export interface IntType extends Named<'int'> {
  size: number;
  bitsOffset: number;
  bits: number;
  signed: boolean;
  char: boolean;
  bool: boolean;
}
export interface RefType<K extends 'ptr' | 'typedef' | 'volatile' | 'const' | 'restrict'> extends Named<K> {
  type: number;
}
export type PtrType = RefType<'ptr'>;
export type TypedefType = RefType<'typedef'>;
export type VolatileType = RefType<'volatile'>;
export type ConstType = RefType<'const'>;
export type RestrictType = RefType<'restrict'>;
export interface TypeTagType extends Named<'type_tag'> {
  type: number;
  /** kflag: the tag is an `__attribute__` rather than a btf_type_tag string (6.13+). */
  attribute: boolean;
}
export interface ArrayType extends Named<'array'> {
  type: number;
  indexType: number;
  nelems: number;
}
export interface CompositeType<K extends 'struct' | 'union'> extends Named<K> {
  size: number;
  members: Member[];
}
export type StructType = CompositeType<'struct'>;
export type UnionType = CompositeType<'union'>;
export interface EnumType extends Named<'enum'> {
  size: number;
  signed: boolean;
  values: EnumValue[];
}
export interface Enum64Type extends Named<'enum64'> {
  size: number;
  signed: boolean;
  values: Enum64Value[];
}
export interface FwdType extends Named<'fwd'> {
  fwdKind: 'struct' | 'union';
}
export interface FuncType extends Named<'func'> {
  /** The FUNC_PROTO. */
  type: number;
  linkage: Linkage;
}
export interface FuncProtoType extends Named<'func_proto'> {
  returnType: number;
  params: Param[];
}
export interface VarType extends Named<'var'> {
  type: number;
  linkage: Linkage;
}
export interface DatasecType extends Named<'datasec'> {
  size: number;
  vars: VarSecinfo[];
}
export interface FloatType extends Named<'float'> {
  size: number;
}
export interface DeclTagType extends Named<'decl_tag'> {
  type: number;
  /** -1 for the type itself, else the member/parameter index. */
  componentIdx: number;
  attribute: boolean;
}

export type BtfType =
  | VoidType
  | IntType
  | PtrType
  | ArrayType
  | StructType
  | UnionType
  | EnumType
  | FwdType
  | TypedefType
  | VolatileType
  | ConstType
  | RestrictType
  | FuncType
  | FuncProtoType
  | VarType
  | DatasecType
  | FloatType
  | DeclTagType
  | TypeTagType
  | Enum64Type;

export const VOID: VoidType = Object.freeze({ kind: 'void', id: 0, name: '' });

/** A type description without an id, as the builder takes it. */
export type TypeSpec = BtfType extends infer T ? (T extends BtfType ? Omit<T, 'id'> : never) : never;
