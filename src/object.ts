// BPF objects: open what clang compiles (ELF + BTF), set globals, load everything into the kernel
// with CO-RE applied against the running kernel's BTF.
//
//   using obj = BpfObject.open('fsdist.bpf.o').set('target_pid', 42).load();
//   obj.program('file_read_entry'); obj.map('starts');

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { applyCoreRelocations, CORE_POISON, type CoreResult } from '../btf/core.js';
import { resolveType } from '../btf/layout.js';
import { didYouMean } from '../btf/nearest.js';
import type { Btf } from '../btf/parse.js';
import { type BtfValue, btfValueCodec } from '../btf/value.js';
import { type Instruction, slotCount } from '../isa/instruction.js';
import { vmlinuxBtf } from './btf-file.js';
import { KernelBtf } from './btf-object.js';
import { possibleCpus } from './cpus.js';
import { probeMmapableArray } from './features.js';
import { sanitizeBtf } from './format/object/btf-load.js';
import { fillKconfig } from './format/object/kconfig.js';
import { type ObjectSpec, parseObject } from './format/object/parse.js';
import type { MapSpec, ProgramSpec, VariableSpec } from './format/object/spec.js';
import { variablesTypeScript, variableTypeIds } from './format/object/variable-types.js';
import { kernelSymbol } from './kallsyms.js';
import { BpfMap, isPerCpu } from './map.js';
import { runningKernelConfig } from './object/kernel-config.js';
import { Program } from './program.js';
import { BpfError, Errno } from './sys/errno.js';
import { MapFlags, MapType, ProgramFlags } from './sys/types.js';
import { DataSection, Variable, type VariableData, type Variables, variablesRecord } from './variables.js';
import { VerifierError } from './verifier.js';

export type { ObjectSpec } from './format/object/parse.js';
export type { ExternSpec, MapSpec, ProgramSpec, VariableSpec } from './format/object/spec.js';
export {
  ReadonlyVariableError,
  Variable,
  type VariableData,
  type VariableInput,
  type Variables,
} from './variables.js';

/**
 * What a global variable can be set to before load: numbers by the variable's size, strings
 * NUL-padded, raw bytes; arrays and objects (struct members) typed by the variable's BTF.
 */
export type VariableValue = number | bigint | boolean | string | Uint8Array | BtfValue;

export interface ObjectLoadOptions {
  /** Directory for LIBBPF_PIN_BY_NAME maps (default /sys/fs/bpf); an existing pin is reused. */
  pinPath?: string;
  /** BTF to relocate CO-RE against (default: /sys/kernel/btf/vmlinux). */
  targetBtf?: Btf;
  /** .kconfig values that win over the kernel's (CONFIG_FOO → 'y' / 'm' / '100' / '"str"'). */
  kconfig?: Record<string, string>;
  /** Which programs to load (default: all in known sections). */
  programs?: (p: ProgramSpec) => boolean;
  /** 'skip': a program that fails to load is recorded in `skipped` instead of failing the load. */
  onProgramError?: 'throw' | 'skip';
  /**
   * Global variables through mmap'd data maps (BPF_F_MMAPABLE). Default: where the kernel
   * supports it (5.5+); false: every access is a map lookup/update of element 0.
   */
  mmap?: boolean;
}

/** An unresolvable CO-RE relocation reached the verifier: the relocation, not the poison, explained. */
export class CoreRelocationError extends Error {
  override name = 'CoreRelocationError';
  constructor(
    readonly program: string,
    readonly insnIndex: number,
    readonly result: CoreResult,
    readonly verifierError: VerifierError,
  ) {
    const src = verifierError.source;
    const at = src
      ? ` (${src.file ? `${basename(src.file)}:` : ''}${src.line}${src.text ? `: ${src.text.trim()}` : ''})`
      : '';
    super(
      `program '${program}': instruction ${insnIndex}${at} uses an unresolved relocation: ${result.description}`,
    );
  }
}

const NAME_CHARS = /[^A-Za-z0-9_.]/g;
function kernelMapName(objectName: string, spec: MapSpec): string {
  if (spec.kind === 'data' || spec.kind === 'kconfig') {
    // libbpf's rule: as much of the object name as fits before the section name (`fsdist.bss`).
    // Custom sections (a second dot: `.data.tallies`) keep their own name.
    const prefix =
      spec.name.indexOf('.', 1) > 0
        ? ''
        : objectName.slice(0, Math.max(0, 15 - Math.max(7, spec.name.length)));
    return `${prefix}${spec.name}`.slice(0, 15).replace(NAME_CHARS, '_');
  }
  return spec.name.slice(0, 15).replace(NAME_CHARS, '_');
}

/** An object file, parsed: inspect programs and maps, set globals, then load(). */
export class BpfObject {
  readonly spec: ObjectSpec;

  private constructor(spec: ObjectSpec) {
    this.spec = spec;
  }

  /** Parses an object file (ElfError with a byte offset if it is malformed). */
  static open(path: string): BpfObject {
    return BpfObject.fromBytes(readFileSync(path), basename(path).replace(/(\.bpf)?\.o$/, ''));
  }

  static fromBytes(bytes: Uint8Array, name = 'obj'): BpfObject {
    return new BpfObject(parseObject(bytes, name.replace(NAME_CHARS, '_')));
  }

  get programs(): readonly ProgramSpec[] {
    return this.spec.programs;
  }
  get maps(): ReadonlyMap<string, MapSpec> {
    return this.spec.maps;
  }
  get variables(): ReadonlyMap<string, VariableSpec> {
    return this.spec.variables;
  }

  /** Sets a global variable's initial value (e.g. a `const volatile` knob) before load. */
  set(name: string, value: VariableValue): this {
    const v = this.#variable(name);
    const data = this.spec.maps.get(v.map)?.data as Uint8Array;
    const view = new DataView(data.buffer, data.byteOffset + v.offset, v.size);
    const typeId = variableTypeIds(this.spec).get(v.map)?.get(name);
    const codec = this.spec.btf && typeId !== undefined ? btfValueCodec(this.spec.btf, typeId) : undefined;
    if (
      (typeof value === 'object' && !(value instanceof Uint8Array)) ||
      (typeof value === 'string' && codec?.typeName.startsWith('enum '))
    ) {
      // Arrays, structs and enum names: through the variable's BTF, into a copy first (all or nothing).
      if (!codec)
        throw new TypeError(`'${name}' has no BTF type (compile with -g): set it with a Uint8Array`);
      const bytes = data.slice(v.offset, v.offset + v.size);
      codec.encode(value, new DataView(bytes.buffer), 0, name);
      data.set(bytes, v.offset);
      return this;
    }
    if (value instanceof Uint8Array || typeof value === 'string') {
      const bytes = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      if (bytes.byteLength > v.size)
        throw new RangeError(`'${name}' holds ${v.size} bytes; got ${bytes.byteLength}`);
      data.fill(0, v.offset, v.offset + v.size);
      data.set(bytes, v.offset);
      return this;
    }
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
    const bits = BigInt(v.size * 8);
    if (![1, 2, 4, 8].includes(v.size))
      throw new RangeError(`'${name}' is ${v.size} bytes; set it with a Uint8Array`);
    if (n >= 1n << bits || n < -(1n << (bits - 1n)))
      throw new RangeError(`${value} does not fit '${name}' (${v.size} bytes)`);
    const u = BigInt.asUintN(Number(bits), n);
    if (v.size === 1) view.setUint8(0, Number(u));
    else if (v.size === 2) view.setUint16(0, Number(u), true);
    else if (v.size === 4) view.setUint32(0, Number(u), true);
    else view.setBigUint64(0, u, true);
    return this;
  }

  #variable(name: string): VariableSpec {
    const v = this.spec.variables.get(name);
    if (!v)
      throw new RangeError(
        `no global variable '${name}'${didYouMean(name, [...this.spec.variables.keys()])}`,
      );
    return v;
  }

  /**
   * A TypeScript interface of the global variables, as `loaded.variables` reads them (numbers,
   * bigints, strings, arrays, objects by their BTF), to pass to `load<T>()`.
   */
  variablesTypeScript(interfaceName = 'Globals'): string {
    return variablesTypeScript(this.spec, interfaceName);
  }

  /** The current initial bytes of a global variable. */
  get(name: string): Uint8Array {
    const v = this.#variable(name);
    const data = this.spec.maps.get(v.map)?.data as Uint8Array;
    return data.slice(v.offset, v.offset + v.size);
  }

  /**
   * Creates the maps, loads BTF and programs. Everything is closed again if any step fails.
   * `G` types `loaded.variables` (e.g. `load<{ packets: bigint }>()`); values are checked at run time.
   */
  load<G extends Record<string, VariableData> = Record<string, VariableData>>(
    opts: ObjectLoadOptions = {},
  ): LoadedObject<G> {
    const loaded = new LoadedObject<G>(this.spec.name);
    try {
      loadInto(this.spec, loaded, opts);
      loaded.bindVariables(this.spec, opts.mmap ?? true);
      return loaded;
    } catch (err) {
      loaded.close();
      throw err;
    }
  }
}

/** Kernel objects of a loaded BpfObject. Closing it closes every map, program and the BTF. */
export class LoadedObject<G extends Record<string, VariableData> = Record<string, VariableData>> {
  readonly name: string;
  readonly programs = new Map<string, Program>();
  readonly maps = new Map<string, BpfMap>();
  /** Programs not loaded, with the reason (unsupported section, or an error under 'skip'). */
  readonly skipped: { program: string; section: string; reason: string }[] = [];
  /** CO-RE outcomes per program. */
  readonly core = new Map<string, CoreResult[]>();
  /** The specs of the loaded programs. */
  readonly specs = new Map<string, ProgramSpec>();
  btf: KernelBtf | undefined;
  /** Time spent in bpf(2) for BTF, maps and programs (ms), vs the whole load. */
  readonly timing = { syscallMs: 0, totalMs: 0 };
  readonly #sections: DataSection[] = [];
  readonly #variables = new Map<string, Variable>();
  #record: Variables<G> | undefined;

  constructor(name: string) {
    this.name = name;
  }

  program(name: string): Program {
    const p = this.programs.get(name);
    if (!p) {
      const why = this.skipped.find((s) => s.program === name);
      throw new RangeError(
        why
          ? `program '${name}' was not loaded: ${why.reason}`
          : `no program '${name}' (have: ${[...this.programs.keys()].join(', ')})`,
      );
    }
    return p;
  }

  /**
   * Map `name`, raw bytes in and out. A per-CPU map is asked for with `{ perCpu: true }`: its
   * values are one per possible CPU (a TypeError otherwise, so the type says what get() returns).
   */
  map(name: string, opts: { perCpu: true }): BpfMap<Uint8Array, Uint8Array[]>;
  map(name: string, opts?: { perCpu?: false }): BpfMap<Uint8Array, Uint8Array>;
  map(name: string, opts: { perCpu?: boolean } = {}): BpfMap<Uint8Array, Uint8Array | Uint8Array[]> {
    const m = this.maps.get(name);
    if (!m) throw new RangeError(`no map '${name}' (have: ${[...this.maps.keys()].join(', ')})`);
    if (m.perCpu !== (opts.perCpu ?? false))
      throw new TypeError(
        m.perCpu
          ? `map '${name}' is a ${m.typeName}: ask for it with map('${name}', { perCpu: true }) (its values are one per CPU)`
          : `map '${name}' is a ${m.typeName}, not a per-CPU map`,
      );
    return m as BpfMap<Uint8Array, Uint8Array | Uint8Array[]>;
  }

  /**
   * Global variables by name (.bss, .data, .rodata, custom .data.*), read and written through
   * the kernel's memory-mapped arrays: `loaded.variables.packets.get()`. An unknown name throws.
   */
  get variables(): Variables<G> {
    this.#record ??= variablesRecord<G>(this.#variables);
    return this.#record;
  }

  /** One global variable; `T` types its value (checked at run time against its BTF). */
  variable<T extends VariableData = VariableData>(name: string): Variable<T> {
    const v = this.#variables.get(name);
    if (!v)
      throw new RangeError(`no global variable '${name}'${didYouMean(name, [...this.#variables.keys()])}`);
    return v as unknown as Variable<T>;
  }

  /** @internal Maps the data sections and types each variable (after the maps exist). */
  bindVariables(spec: ObjectSpec, mmap: boolean): void {
    const types = variableTypeIds(spec);
    const sections = new Map<string, DataSection>();
    for (const v of spec.variables.values()) {
      const map = this.maps.get(v.map);
      if (!map) continue;
      let section = sections.get(v.map);
      if (!section) {
        section = new DataSection(v.map, map, spec.maps.get(v.map)?.freeze === true, mmap);
        sections.set(v.map, section);
        this.#sections.push(section);
      }
      this.#variables.set(v.name, new Variable(v, section, spec.btf, types.get(v.map)?.get(v.name)));
    }
  }

  close(): void {
    for (const s of this.#sections) s.close();
    for (const p of this.programs.values()) p.close();
    for (const m of this.maps.values()) m.close();
    this.btf?.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function timed<T>(loaded: LoadedObject, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    loaded.timing.syscallMs += performance.now() - t0;
  }
}

function loadInto(spec: ObjectSpec, loaded: LoadedObject, opts: ObjectLoadOptions): void {
  const t0 = performance.now();
  // 1. BTF, fixed up (no BTF or a kernel that rejects it: maps and programs load without).
  if (spec.btf) {
    const kconfigOffsets = new Map(spec.externs.map((e) => [e.name, e.offset]));
    const bytes = sanitizeBtf(
      spec.btf,
      (sec) => (sec === '.kconfig' ? spec.maps.get('.kconfig')?.valueSize : spec.sectionSizes.get(sec)),
      (sec, name) => (sec === '.kconfig' ? kconfigOffsets.get(name) : spec.symbolOffsets.get(sec)?.get(name)),
    );
    try {
      loaded.btf = timed(loaded, () => KernelBtf.load(bytes));
    } catch (err) {
      if (!(err instanceof BpfError)) throw err;
      loaded.btf = undefined;
    }
  }
  // 2. Maps.
  const kconfig = spec.maps.get('.kconfig');
  if (kconfig?.data)
    fillKconfig(
      kconfig.data,
      spec.externs,
      new Map(Object.entries(opts.kconfig ?? {})),
      runningKernelConfig(),
    );
  const mapSpecs = [...spec.maps.values()];
  // Plain maps first, so map-in-map initialisers find their inner maps.
  mapSpecs.sort((a, b) => Number(a.innerValues !== undefined) - Number(b.innerValues !== undefined));
  for (const m of mapSpecs) loaded.maps.set(m.name, createMap(spec, m, loaded, opts));
  // 3. Programs.
  const target = spec.programs.some(
    (p) => p.coreRelos.length > 0 || p.ksymRefs.length > 0 || p.def?.btfTarget,
  )
    ? (opts.targetBtf ?? vmlinuxBtf())
    : undefined;
  for (const p of spec.programs) {
    if (opts.programs && !opts.programs(p)) continue;
    if (!p.def) {
      loaded.skipped.push({
        program: p.name,
        section: p.section,
        reason: `section '${p.section}' is not a known program section`,
      });
      continue;
    }
    if (p.def.unsupported) {
      loaded.skipped.push({ program: p.name, section: p.section, reason: p.def.unsupported });
      continue;
    }
    try {
      const prog = loadProgram(spec, p, loaded, target);
      loaded.programs.set(p.name, prog);
      loaded.specs.set(p.name, p);
    } catch (err) {
      if (opts.onProgramError !== 'skip') throw err;
      loaded.skipped.push({
        program: p.name,
        section: p.section,
        reason: (err as Error).message.split('\n')[0] as string,
      });
    }
  }
  loaded.timing.totalMs = performance.now() - t0;
}

function createMap(spec: ObjectSpec, m: MapSpec, loaded: LoadedObject, opts: ObjectLoadOptions): BpfMap {
  const name = kernelMapName(spec.name, m);
  const pinFile = m.pinning === 'by_name' ? `${opts.pinPath ?? '/sys/fs/bpf'}/${m.name}` : undefined;
  if (pinFile && existsSync(pinFile)) {
    const pinned = timed(loaded, () => BpfMap.openPinned(pinFile, { perCpu: isPerCpu(m.type) }));
    if (
      pinned.type !== m.type ||
      pinned.keySize !== m.keySize ||
      pinned.valueSize !== m.valueSize ||
      pinned.maxEntries !== m.maxEntries
    ) {
      pinned.close();
      throw new RangeError(
        `map '${m.name}': the map pinned at ${pinFile} has a different type, key/value size or max_entries`,
      );
    }
    return pinned as BpfMap;
  }
  let inner: BpfMap | undefined;
  if (m.inner) inner = createMap(spec, { ...m.inner, pinning: 'none' }, loaded, opts);
  // Data maps are BPF_F_MMAPABLE (for loaded.variables) where the kernel has it and mmap is wanted.
  const dataFlags =
    (m.flags & MapFlags.MMAPABLE) !== 0 &&
    m.kind === 'data' &&
    (opts.mmap === false || !probeMmapableArray().supported)
      ? m.flags & ~MapFlags.MMAPABLE
      : m.flags;
  const base = {
    type: m.type,
    key: m.keySize,
    value: m.valueSize,
    // As libbpf: a perf event array without max_entries gets one slot per possible CPU.
    maxEntries: m.type === MapType.perf_event_array && m.maxEntries === 0 ? possibleCpus() : m.maxEntries,
    name,
    flags: dataFlags,
    ...(m.numaNode !== undefined ? { numaNode: m.numaNode } : {}),
    ...(m.mapExtra !== undefined ? { mapExtra: m.mapExtra } : {}),
    ...(inner ? { innerMap: inner } : {}),
  };
  let map: BpfMap;
  try {
    const btf =
      loaded.btf && (m.btfKeyTypeId || m.btfValueTypeId)
        ? { fd: loaded.btf.fd, keyTypeId: m.btfKeyTypeId ?? 0, valueTypeId: m.btfValueTypeId ?? 0 }
        : undefined;
    try {
      map = timed(loaded, () => BpfMap.create(btf ? { ...base, btf } : base));
    } catch (err) {
      // As libbpf: a kernel that rejects the map's BTF gets the map without it.
      if (!btf || !(err instanceof BpfError) || err.errno !== Errno.EINVAL) throw err;
      map = timed(loaded, () => BpfMap.create(base));
    }
  } finally {
    inner?.close();
  }
  try {
    if (m.data) timed(loaded, () => map.set(new Uint8Array(4), m.data as Uint8Array));
    if (m.innerValues) {
      for (const [slot, innerName] of m.innerValues) {
        const target = loaded.maps.get(innerName);
        if (!target) throw new RangeError(`map '${m.name}' slot ${slot}: no map '${innerName}'`);
        const key = new Uint8Array(4);
        new DataView(key.buffer).setUint32(0, slot, true);
        const value = new Uint8Array(4);
        new DataView(value.buffer).setUint32(0, target.fd, true);
        timed(loaded, () => map.set(key, value));
      }
    }
    if (m.freeze) timed(loaded, () => map.freeze());
    if (pinFile) map.pin(pinFile);
  } catch (err) {
    map.close();
    throw err;
  }
  return map;
}

const PSEUDO_BTF_ID = 3;

function loadProgram(
  spec: ObjectSpec,
  p: ProgramSpec,
  loaded: LoadedObject,
  target: Btf | undefined,
): Program {
  const def = p.def as NonNullable<ProgramSpec['def']>;
  const instructions: Instruction[] = p.instructions.map((i) => ({ ...i }));
  // .ksyms first (CO-RE poisoning may change instruction indices after it).
  for (const ref of p.ksymRefs) {
    const ins = instructions[ref.insn] as Instruction;
    const ext = spec.externs.find((e) => e.name === ref.name);
    const typed =
      ext !== undefined &&
      ext.btfType !== 0 &&
      (spec.btf as Btf).type(resolveType(spec.btf as Btf, ext.btfType).id).kind !== 'void';
    if (typed) {
      // A typed ksym: the kernel resolves the variable by its vmlinux BTF id.
      const id = target?.findId(ref.name, 'var');
      if (id !== undefined) {
        ins.src = PSEUDO_BTF_ID;
        ins.imm = id;
        ins.imm2 = 0;
        continue;
      }
    } else {
      // An untyped ksym (`extern const void sym __ksym`): its address from kallsyms.
      const sym = kernelSymbol(ref.name);
      if (sym) {
        ins.imm = Number(BigInt.asIntN(32, sym.address & 0xffffffffn));
        ins.imm2 = Number(BigInt.asIntN(32, sym.address >> 32n));
        continue;
      }
    }
    if (!ext?.weak) {
      throw new RangeError(
        `program '${p.name}': kernel symbol '${ref.name}' is not ${typed ? 'a variable in the kernel BTF' : 'in /proc/kallsyms'}`,
      );
    }
    ins.imm = 0; // a missing __weak ksym is NULL
    ins.imm2 = 0;
  }
  let core: CoreResult[] = [];
  // Slot of each instruction before poisoning (poisoning keeps the slot layout).
  const slots: number[] = [];
  let slotAt = 0;
  for (const ins of instructions) {
    slots.push(slotAt);
    slotAt += slotCount(ins);
  }
  if (p.coreRelos.length > 0) {
    const local = spec.btf as Btf;
    core = applyCoreRelocations(
      instructions,
      p.coreRelos.map((r) => ({
        insn: r.insn,
        typeId: r.record.typeId,
        access: r.record.access,
        kind: r.record.kindId,
      })),
      local,
      target as Btf,
    );
    loaded.core.set(p.name, core);
  }
  let attachBtfId: number | undefined;
  if (def.btfTarget) {
    const kb = target as Btf;
    const id =
      def.btfTarget === 'func'
        ? kb.findId(def.target, 'func')
        : kb.findId(`btf_trace_${def.target}`, 'typedef');
    if (id === undefined)
      throw new RangeError(
        `program '${p.name}': '${def.target}' is not in the kernel's BTF (section ${p.section})`,
      );
    attachBtfId = id;
  }
  const btf = loaded.btf;
  try {
    return timed(loaded, () =>
      Program.load({
        type: def.programType,
        instructions,
        license: spec.license || 'GPL',
        name: p.name.slice(0, 15),
        ...(def.expectedAttachType ? { expectedAttachType: def.expectedAttachType } : {}),
        ...(attachBtfId !== undefined ? { attachBtfId } : {}),
        ...(def.sleepable ? { progFlags: ProgramFlags.SLEEPABLE } : {}),
        ...(spec.kernelVersion ? { kernelVersion: spec.kernelVersion } : {}),
        ...(btf && p.funcInfo
          ? { progBtfFd: btf.fd, funcInfo: { records: p.funcInfo, recSize: p.funcInfoRecSize as number } }
          : {}),
        ...(btf && p.lineInfo
          ? { lineInfo: { records: p.lineInfo, recSize: p.lineInfoRecSize as number } }
          : {}),
        maps: (name: string) => loaded.maps.get(name),
      }),
    );
  } catch (err) {
    if (
      err instanceof VerifierError &&
      err.instruction?.code === 0x85 &&
      err.instruction.imm === CORE_POISON &&
      err.insnIndex !== undefined
    ) {
      const at = err.insnIndex;
      const bad = core.find(
        (c) => c.poisoned && (slots[c.relocation.insn] === at || slots[c.relocation.insn] === at - 1),
      );
      const first = bad ?? core.find((c) => c.poisoned);
      if (first) throw new CoreRelocationError(p.name, err.insnIndex, first, err);
    }
    if (err instanceof Error && !err.message.includes(`'${p.name.slice(0, 15)}'`))
      err.message = `program '${p.name}' (${p.section}): ${err.message}`;
    throw err;
  }
}
