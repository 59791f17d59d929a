// What an object file describes, before anything touches the kernel: programs (linked with their
// subprograms, map references late-bound by name), maps (BTF-defined, legacy, global data) and
// global variables. Loading turns a spec into kernel objects (see ../object.ts).

import type { CoreRelo } from '../../../btf/ext.js';
import type { Instruction } from '../../../isa/index.js';
import type { SectionInfo } from './sections.js';

export interface MapSpec {
  /** The name programs use: the map variable, or the data section (`.bss`, `.rodata.str1.1`). */
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** LIBBPF_PIN_BY_NAME: pinned (and reused) at <pin dir>/<name>. */
  pinning: 'none' | 'by_name';
  numaNode?: number;
  mapExtra?: bigint;
  /** The inner map template of a map-in-map. */
  inner?: MapSpec;
  /** Map-in-map `values` initialiser: slot → name of the map to put there. */
  innerValues?: Map<number, string>;
  /** BTF ids in the object's BTF (for BPF_MAP_CREATE's btf_key/value_type_id). */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** Global data: the section's initial bytes, stored at key 0 after creation. */
  data?: Uint8Array;
  /** .rodata and .kconfig: frozen after their contents are written. */
  freeze?: boolean;
  kind: 'btf' | 'legacy' | 'data' | 'kconfig';
}

/** A global variable in a data section, settable by name before load. */
export interface VariableSpec {
  name: string;
  /** The data section's map name. */
  map: string;
  offset: number;
  size: number;
  /** In .rodata (a `const volatile` knob). */
  readonly: boolean;
}

/** An extern the loader fills: a .kconfig value, or a .ksyms kernel symbol. */
export interface ExternSpec {
  name: string;
  section: '.kconfig' | '.ksyms';
  /** .kconfig: offset in the .kconfig map. */
  offset: number;
  size: number;
  weak: boolean;
  /** The VAR's type in the object's BTF (0 if none). */
  btfType: number;
}

/** A CO-RE relocation bound to an instruction of a linked program. */
export interface ProgramCoreRelo {
  insn: number;
  record: CoreRelo;
}

export interface ProgramSpec {
  /** The function name. */
  name: string;
  section: string;
  /** Section definition; undefined for sections libbpf would not load either. */
  def: SectionInfo | undefined;
  /** Linked instructions: the program, then the subprograms it calls. */
  instructions: Instruction[];
  /** Kernel-format func_info/line_info (insn_off in instructions), if the object has BTF. */
  funcInfo?: Uint8Array;
  funcInfoRecSize?: number;
  lineInfo?: Uint8Array;
  lineInfoRecSize?: number;
  coreRelos: ProgramCoreRelo[];
  /** Instructions (by index) that reference a .ksyms extern: patched to BTF ids at load. */
  ksymRefs: { insn: number; name: string }[];
}
