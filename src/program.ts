// BPF programs: load (late-bound map references resolved to fds, verifier log only on failure),
// test-run, info, pin, open by id or path.
import { encode, type Instruction, LDDW, slotCount } from '../isa/instruction.js';
import { FdObject } from './fd.js';
import { objectIds, openObjectById, openPinnedObject, PROGRAM_OBJECTS, pinObject } from './kernel-object.js';
import { type ProgramInfo, readProgInfo } from './sys/attrs/info.js';
import {
  decodeTestRun,
  encodeProgLoad,
  encodeTestRun,
  progLoadLogTrueSize,
  setProgLoadLog,
} from './sys/attrs/prog.js';
import { checkObjectName, cString } from './sys/attrs/writer.js';
import { bpf, bpfError, bpfTry, Cmd } from './sys/bpf.js';
import { BpfError, Errno } from './sys/errno.js';
import {
  AttachType,
  type AttachTypeName,
  ProgramType,
  type ProgramTypeName,
  programTypeName,
  resolveEnum,
} from './sys/types.js';
import { clockMs, phaseEnd } from './timing.js';
import { type ProgramSource, VerifierError } from './verifier.js';

/** lddw src_reg values for map references (BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE). */
const PSEUDO_MAP_FD = 1;
const PSEUDO_MAP_VALUE = 2;

/** Where load() finds the maps that instructions reference by name. */
export type MapResolver =
  | Readonly<Record<string, { readonly fd: number } | number>>
  | ReadonlyMap<string, { readonly fd: number } | number>
  | ((name: string) => { readonly fd: number } | number | undefined);

/** .BTF.ext-style records: raw bytes, `recSize` bytes each. */
export interface InfoRecords {
  records: Uint8Array;
  recSize: number;
}

export interface LoadOptions {
  type: ProgramTypeName | number;
  /** Instructions (map references may be late-bound by name) or raw bytecode. */
  instructions: readonly Instruction[] | Uint8Array;
  /** Default 'GPL' (most tracing helpers need a GPL-compatible license). */
  license?: string;
  /** At most 15 characters of [A-Za-z0-9_.]. */
  name?: string;
  expectedAttachType?: AttachTypeName | number;
  attachBtfId?: number;
  /** BTF object fd holding attachBtfId (a module's BTF); shares its slot with attachProgFd. */
  attachBtfObjFd?: number;
  /** The program an EXT/fentry program attaches to. */
  attachProgFd?: number;
  /** kern_version (only kprobes on kernels before 5.0 check it). */
  kernelVersion?: number;
  /** ProgramFlags bits (BPF_F_*). */
  progFlags?: number;
  /** BTF of the program itself (for funcInfo/lineInfo). */
  progBtfFd?: number;
  funcInfo?: InfoRecords;
  lineInfo?: InfoRecords;
  /** fds for BPF_PSEUDO_MAP_IDX / kfunc module BTF references. */
  fdArray?: readonly number[];
  /** Resolves `ref: {kind: 'map' | 'map_value', name}` on lddw instructions. */
  maps?: MapResolver;
  /** Load with a verifier log at this level from the start (default: only on failure, level 1). */
  logLevel?: number;
  /** With logLevel: receives the verifier's log of an accepted program (a rejection carries its own). */
  onLog?: (log: string) => void;
  ifindex?: number;
}

/** An lddw references a map the resolver does not know. */
export class UnresolvedReferenceError extends Error {
  override name = 'UnresolvedReferenceError';
  readonly reference: string;
  readonly insnIndex: number;
  readonly source?: Instruction['source'];
  constructor(reference: string, insnIndex: number, source?: Instruction['source']) {
    const at = source ? ` at ${source.file ? `${source.file}:` : ''}${source.line}:${source.col}` : '';
    super(`unresolved map reference '${reference}' (instruction ${insnIndex}${at})`);
    this.reference = reference;
    this.insnIndex = insnIndex;
    if (source) this.source = source;
  }
}

export interface TestRunOptions {
  /** Packet or input data (data_in). */
  data?: Uint8Array;
  /** Room for data_out; default data.length + 256 (XDP may grow the packet). 0: no data out. */
  dataSizeOut?: number;
  /** Context in (e.g. struct __sk_buff, struct xdp_md). */
  ctx?: Uint8Array;
  /** Room for ctx_out; default ctx.length. */
  ctxSizeOut?: number;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batchSize?: number;
}

export interface TestRunResult {
  retval: number;
  /** Mean run time per repetition, ns, as the kernel measured it. */
  duration: number;
  data: Buffer;
  ctx: Buffer;
}

export type { ProgramInfo };

/** One PROG_LOAD attr reused for every load (load is synchronous): a fresh Buffer costs microseconds. */
let loadAttr: Buffer | undefined;
const licenses = new Map<string, Buffer>();
function licenseString(text: string): Buffer {
  let b = licenses.get(text);
  if (!b) {
    b = cString(text);
    if (licenses.size < 16) licenses.set(text, b);
  }
  return b;
}
const LOG_START = 64 * 1024;
const LOG_MAX = 16 * 1024 * 1024;

function lookupMap(maps: MapResolver | undefined, name: string): number | undefined {
  if (!maps) return undefined;
  const found =
    typeof maps === 'function'
      ? maps(name)
      : maps instanceof Map
        ? maps.get(name)
        : (maps as Record<string, { fd: number } | number>)[name];
  if (found === undefined) return undefined;
  return typeof found === 'number' ? found : found.fd;
}

/** Encodes instructions, patching map references into pseudo MAP_FD/MAP_VALUE lddws. */
function encodeWithMaps(
  instructions: readonly Instruction[],
  maps: MapResolver | undefined,
): { bytes: Uint8Array; slotToInsn: Int32Array } {
  const bytes = encode(instructions);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const slotToInsn = new Int32Array(bytes.byteLength / 8);
  let slot = 0;
  instructions.forEach((ins, index) => {
    const n = slotCount(ins);
    slotToInsn[slot] = index;
    if (n === 2) slotToInsn[slot + 1] = index;
    const ref = ins.ref;
    if (ref && (ref.kind === 'map' || ref.kind === 'map_value')) {
      if (ins.code !== LDDW || n !== 2)
        throw new UnresolvedReferenceError(`${ref.name} (not on an lddw)`, index, ins.source);
      const fd = lookupMap(maps, ref.name);
      if (fd === undefined) throw new UnresolvedReferenceError(ref.name, index, ins.source);
      const at = slot * 8;
      const pseudo = ref.kind === 'map' ? PSEUDO_MAP_FD : PSEUDO_MAP_VALUE;
      view.setUint8(at + 1, (pseudo << 4) | (ins.dst & 0xf));
      view.setInt32(at + 4, fd, true);
      view.setInt32(at + 12, ref.kind === 'map_value' ? ref.offset : 0, true);
    }
    slot += n;
  });
  return { bytes, slotToInsn };
}

function sourceOf(
  instructions: readonly Instruction[] | undefined,
  slotToInsn: Int32Array | undefined,
  bytes: Uint8Array,
): ProgramSource {
  return {
    instructionAt(slot) {
      if (instructions && slotToInsn) {
        return slot < slotToInsn.length ? instructions[slotToInsn[slot] as number] : undefined;
      }
      if (slot * 8 + 8 > bytes.byteLength) return undefined;
      const view = new DataView(bytes.buffer, bytes.byteOffset + slot * 8, bytes.byteLength - slot * 8);
      const imm2 = view.byteLength >= 16 && view.getUint8(0) === LDDW ? view.getInt32(12, true) : undefined;
      const ins: Instruction = {
        code: view.getUint8(0),
        dst: view.getUint8(1) & 0xf,
        src: view.getUint8(1) >> 4,
        off: view.getInt16(2, true),
        imm: view.getInt32(4, true),
      };
      if (imm2 !== undefined) ins.imm2 = imm2;
      return ins;
    },
  };
}

export class Program extends FdObject {
  readonly type: number;
  readonly name: string;

  private constructor(fd: number, type: number, name: string) {
    super(fd, `program '${name}'`);
    this.type = type;
    this.name = name;
  }

  protected describe(): string {
    return `program '${this.name}'`;
  }

  get typeName(): string {
    return programTypeName(this.type);
  }

  /**
   * Loads a program (BPF_PROG_LOAD). The first attempt has no verifier log (a log makes loads
   * several times slower); on failure it retries with one and throws a VerifierError.
   */
  static load(opts: LoadOptions): Program {
    const type = resolveEnum('program type', ProgramType, opts.type);
    const name = opts.name ?? '';
    checkObjectName('program', name);
    let bytes: Uint8Array;
    let slotToInsn: Int32Array | undefined;
    const list = opts.instructions instanceof Uint8Array ? undefined : opts.instructions;
    if (list) ({ bytes, slotToInsn } = encodeWithMaps(list, opts.maps));
    else {
      bytes = opts.instructions as Uint8Array;
      if (bytes.byteLength % 8 !== 0)
        throw new RangeError(`bytecode length ${bytes.byteLength} is not a multiple of 8`);
    }
    if (bytes.byteLength === 0) throw new RangeError('a program needs at least one instruction');

    const license = licenseString(opts.license ?? 'GPL');
    const attr = encodeProgLoad(
      {
        type,
        insns: bytes,
        license,
        kernVersion: opts.kernelVersion,
        progFlags: opts.progFlags,
        name,
        ifindex: opts.ifindex,
        expectedAttachType:
          opts.expectedAttachType === undefined
            ? undefined
            : resolveEnum('attach type', AttachType, opts.expectedAttachType),
        progBtfFd: opts.progBtfFd,
        funcInfo: opts.funcInfo,
        lineInfo: opts.lineInfo,
        attachBtfId: opts.attachBtfId,
        attachProgFd: opts.attachProgFd ?? opts.attachBtfObjFd,
        fdArray: opts.fdArray,
      },
      loadAttr,
    );
    loadAttr = attr;

    const what = `${programTypeName(type)} program${name ? ` '${name}'` : ''}`;
    const loadStart = clockMs();
    let fd = -1;
    if (opts.logLevel)
      fd = Program.#loadWithLog(attr, opts.logLevel, what, list, slotToInsn, bytes, opts.onLog);
    else {
      try {
        fd = bpf(Cmd.PROG_LOAD, attr, attr.byteLength, what);
      } catch (err) {
        // E2BIG is also the verifier's "program is too large" (complexity limit): the log tells
        // it from an attr this kernel does not know, which leaves the log empty.
        if (!(err instanceof BpfError) || err.errno === Errno.EPERM) throw err;
        fd = Program.#loadWithLog(attr, 1, what, list, slotToInsn, bytes, opts.onLog, err.errno);
      }
    }
    phaseEnd(`program load ${name || programTypeName(type)}`, loadStart);
    return new Program(fd, type, name);
  }

  /**
   * Loads with a verifier log, growing the buffer on ENOSPC; throws VerifierError on rejection.
   * `firstErrno`: how the load without a log failed (the error to report when only the log overflowed).
   */
  static #loadWithLog(
    attr: Buffer,
    level: number,
    what: string,
    list: readonly Instruction[] | undefined,
    slotToInsn: Int32Array | undefined,
    bytes: Uint8Array,
    onLog?: (log: string) => void,
    firstErrno?: number,
  ): number {
    let size = LOG_START;
    for (;;) {
      const log = Buffer.alloc(size);
      setProgLoadLog(attr, level, log);
      const r = bpfTry(Cmd.PROG_LOAD, attr, attr.byteLength);
      if (r >= 0) {
        if (onLog) {
          const end = log.indexOf(0);
          onLog(log.toString('utf8', 0, end < 0 ? log.byteLength : end));
        }
        return r;
      }
      let errno = -r;
      const trueSize = progLoadLogTrueSize(attr);
      // Over the complexity limit the log is as long as the million steps walked; a kernel that
      // reports the size it needed (6.4+) keeps the log's end, where the verifier says why.
      const tail = errno === Errno.ENOSPC && firstErrno === Errno.E2BIG && trueSize > size;
      if (tail) errno = Errno.E2BIG;
      else if (errno === Errno.ENOSPC && size < LOG_MAX) {
        // 6.4+ reports the size it needed; older kernels make us guess.
        size = Math.min(LOG_MAX, trueSize > size ? trueSize : size * 4);
        continue;
      }
      const end = log.indexOf(0);
      const text = log.toString('utf8', 0, end < 0 ? log.byteLength : end);
      if (text.trim() === '') throw bpfError(Cmd.PROG_LOAD, errno, what);
      throw new VerifierError(
        what,
        errno,
        text,
        sourceOf(list, slotToInsn, bytes),
        tail || errno === Errno.ENOSPC,
      );
    }
  }

  static #adopt(fd: number): Program {
    const info = readProgInfo(fd, false);
    return new Program(fd, info.type, info.name);
  }

  /** Opens a program pinned at a bpffs path. */
  static openPinned(path: string): Program {
    return openPinnedObject(path, (fd) => Program.#adopt(fd));
  }

  /** Opens a program by its kernel id. */
  static fromId(id: number): Program {
    return openObjectById(PROGRAM_OBJECTS, id, (fd) => Program.#adopt(fd));
  }

  /** Ids of all programs loaded in the kernel. */
  static ids(): Generator<number> {
    return objectIds(PROGRAM_OBJECTS);
  }

  /** Runs the program once or `repeat` times on the given input (BPF_PROG_TEST_RUN). */
  testRun(opts: TestRunOptions = {}): TestRunResult {
    const data = opts.data;
    const ctx = opts.ctx;
    const dataOut = Buffer.alloc(opts.dataSizeOut ?? (data ? data.byteLength + 256 : 0));
    const ctxOut = Buffer.alloc(opts.ctxSizeOut ?? (ctx ? ctx.byteLength : 0));
    const attr = encodeTestRun({
      progFd: this.fd,
      dataIn: data,
      dataOut,
      repeat: opts.repeat,
      ctxIn: ctx,
      ctxOut,
      flags: opts.flags,
      cpu: opts.cpu,
      batchSize: opts.batchSize,
    });
    try {
      bpf(Cmd.PROG_TEST_RUN, attr, attr.byteLength, `program '${this.name}'`);
    } catch (err) {
      throw testRunHint(err, this.typeName, data?.byteLength ?? 0);
    }
    const out = decodeTestRun(attr);
    return {
      retval: out.retval,
      duration: out.duration,
      data: dataOut.subarray(0, out.dataSizeOut),
      ctx: ctxOut.subarray(0, out.ctxSizeOut),
    };
  }

  /** The kernel's view of this program (BPF_OBJ_GET_INFO_BY_FD), including the map ids it uses. */
  info(): ProgramInfo {
    return readProgInfo(this.fd, true);
  }

  /** Pins the program at a bpffs path (mounting /sys/fs/bpf and making directories as needed). */
  pin(path: string): void {
    pinObject(this.fd, path);
  }
}

/** Packet programs need at least an Ethernet header of input; the kernel only says EINVAL. */
const MIN_PACKET: Record<string, number> = { xdp: 14, sched_cls: 14, sched_act: 14 };

function testRunHint(err: unknown, type: string, bytes: number): unknown {
  const min = Object.hasOwn(MIN_PACKET, type) ? (MIN_PACKET[type] as number) : 0;
  if (!(err instanceof BpfError) || err.errno !== Errno.EINVAL || bytes >= min) return err;
  return new BpfError(
    err.command,
    err.errno,
    `a ${type} program needs at least ${min} bytes of data (an Ethernet header); got ${bytes}`,
    'test run',
  );
}
