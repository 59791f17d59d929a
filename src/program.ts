// BPF programs: load (late-bound map references resolved to fds, verifier log only on failure),
// test-run, info, pin, open by id or path.
import { encode, type Instruction, LDDW, slotCount } from '../isa/instruction.js';
import { preparePinPath } from './bpffs.js';
import { closeRawFd, FdObject } from './fd.js';
import { OBJ_NAME_LEN, ProgInfo as ProgInfoLayout, ProgLoad, TestRun } from './sys/attr.js';
import {
  bpf,
  bpfTry,
  Cmd,
  commandName,
  cString,
  fdById,
  getName,
  hintFor,
  infoByFd,
  nextId,
  objGet,
  objPin,
  putName,
  putPointer,
} from './sys/bpf.js';
import { BpfError, Errno } from './sys/errno.js';
import {
  AttachType,
  type AttachTypeName,
  ProgramType,
  type ProgramTypeName,
  programTypeName,
  resolveEnum,
} from './sys/types.js';
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

export interface ProgramInfo {
  type: number;
  typeName: string;
  id: number;
  name: string;
  /** The kernel's 8-byte tag (hash of the instructions), hex. */
  tag: string;
  xlatedSize: number;
  jitedSize: number;
  verifiedInsns: number;
  /** Need bpf stats enabled (sysctl kernel.bpf_stats_enabled=1) to count. */
  runTimeNs: bigint;
  runCount: bigint;
  recursionMisses: bigint;
  mapIds: number[];
  btfId: number;
  loadTime: bigint;
  createdByUid: number;
  attachBtfId: number;
  attachBtfObjId: number;
}

const NAME_RE = /^[A-Za-z0-9_.]*$/;
const loadAttr = Buffer.alloc(ProgLoad.SIZE);
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
    if (name.length >= OBJ_NAME_LEN || !NAME_RE.test(name)) {
      throw new TypeError(`bad program name '${name}': at most 15 characters of [A-Za-z0-9_.]`);
    }
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
    // One attr reused for every load (load is synchronous): a fresh Buffer costs microseconds.
    const attr = loadAttr;
    attr.fill(0);
    attr.writeUInt32LE(type, ProgLoad.prog_type);
    attr.writeUInt32LE(bytes.byteLength / 8, ProgLoad.insn_cnt);
    putPointer(attr, ProgLoad.insns, bytes);
    putPointer(attr, ProgLoad.license, license);
    attr.writeUInt32LE(opts.kernelVersion ?? 0, ProgLoad.kern_version);
    attr.writeUInt32LE((opts.progFlags ?? 0) >>> 0, ProgLoad.prog_flags);
    putName(attr, ProgLoad.prog_name, name);
    attr.writeUInt32LE(opts.ifindex ?? 0, ProgLoad.prog_ifindex);
    if (opts.expectedAttachType !== undefined) {
      attr.writeUInt32LE(
        resolveEnum('attach type', AttachType, opts.expectedAttachType),
        ProgLoad.expected_attach_type,
      );
    }
    attr.writeUInt32LE(opts.progBtfFd ?? 0, ProgLoad.prog_btf_fd);
    const keep: Uint8Array[] = [bytes, license];
    if (opts.funcInfo) {
      attr.writeUInt32LE(opts.funcInfo.recSize, ProgLoad.func_info_rec_size);
      putPointer(attr, ProgLoad.func_info, opts.funcInfo.records);
      attr.writeUInt32LE(opts.funcInfo.records.byteLength / opts.funcInfo.recSize, ProgLoad.func_info_cnt);
    }
    if (opts.lineInfo) {
      attr.writeUInt32LE(opts.lineInfo.recSize, ProgLoad.line_info_rec_size);
      putPointer(attr, ProgLoad.line_info, opts.lineInfo.records);
      attr.writeUInt32LE(opts.lineInfo.records.byteLength / opts.lineInfo.recSize, ProgLoad.line_info_cnt);
    }
    attr.writeUInt32LE(opts.attachBtfId ?? 0, ProgLoad.attach_btf_id);
    attr.writeUInt32LE(opts.attachProgFd ?? opts.attachBtfObjFd ?? 0, ProgLoad.attach_prog_fd);
    if (opts.fdArray && opts.fdArray.length > 0) {
      const fds = Buffer.alloc(opts.fdArray.length * 4);
      for (const [i, fd] of opts.fdArray.entries()) fds.writeInt32LE(fd, i * 4);
      putPointer(attr, ProgLoad.fd_array, fds);
      keep.push(fds);
    }

    const what = `${programTypeName(type)} program${name ? ` '${name}'` : ''}`;
    let fd = -1;
    if (opts.logLevel)
      fd = Program.#loadWithLog(attr, opts.logLevel, what, list, slotToInsn, bytes, opts.onLog);
    else {
      try {
        fd = bpf(Cmd.PROG_LOAD, attr, ProgLoad.SIZE, what);
      } catch (err) {
        // E2BIG is also the verifier's "program is too large" (complexity limit): the log tells
        // it from an attr this kernel does not know, which leaves the log empty.
        if (!(err instanceof BpfError) || err.errno === Errno.EPERM) throw err;
        fd = Program.#loadWithLog(attr, 1, what, list, slotToInsn, bytes, opts.onLog, err.errno);
      }
    }
    void keep;
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
      attr.writeUInt32LE(level, ProgLoad.log_level);
      attr.writeUInt32LE(size, ProgLoad.log_size);
      putPointer(attr, ProgLoad.log_buf, log);
      attr.writeUInt32LE(0, ProgLoad.log_true_size);
      const r = bpfTry(Cmd.PROG_LOAD, attr, ProgLoad.SIZE);
      if (r >= 0) {
        if (onLog) {
          const end = log.indexOf(0);
          onLog(log.toString('utf8', 0, end < 0 ? log.byteLength : end));
        }
        return r;
      }
      let errno = -r;
      const trueSize = attr.readUInt32LE(ProgLoad.log_true_size);
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
      if (text.trim() === '')
        throw new BpfError(commandName(Cmd.PROG_LOAD), errno, hintFor(Cmd.PROG_LOAD, errno), what);
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
    try {
      const info = readProgInfo(fd, false);
      return new Program(fd, info.type, info.name);
    } catch (err) {
      closeRawFd(fd);
      throw err;
    }
  }

  /** Opens a program pinned at a bpffs path. */
  static openPinned(path: string): Program {
    return Program.#adopt(objGet(path));
  }

  /** Opens a program by its kernel id. */
  static fromId(id: number): Program {
    return Program.#adopt(fdById(Cmd.PROG_GET_FD_BY_ID, id));
  }

  /** Ids of all programs loaded in the kernel. */
  static *ids(): Generator<number> {
    for (let id = nextId(Cmd.PROG_GET_NEXT_ID, 0); id !== undefined; id = nextId(Cmd.PROG_GET_NEXT_ID, id))
      yield id;
  }

  /** Runs the program once or `repeat` times on the given input (BPF_PROG_TEST_RUN). */
  testRun(opts: TestRunOptions = {}): TestRunResult {
    const data = opts.data;
    const ctx = opts.ctx;
    const dataOut = Buffer.alloc(opts.dataSizeOut ?? (data ? data.byteLength + 256 : 0));
    const ctxOut = Buffer.alloc(opts.ctxSizeOut ?? (ctx ? ctx.byteLength : 0));
    const attr = Buffer.alloc(TestRun.SIZE);
    attr.writeUInt32LE(this.fd, TestRun.prog_fd);
    if (data) {
      attr.writeUInt32LE(data.byteLength, TestRun.data_size_in);
      putPointer(attr, TestRun.data_in, data);
    }
    attr.writeUInt32LE(dataOut.byteLength, TestRun.data_size_out);
    putPointer(attr, TestRun.data_out, dataOut.byteLength ? dataOut : null);
    attr.writeUInt32LE(opts.repeat ?? 0, TestRun.repeat);
    if (ctx) {
      attr.writeUInt32LE(ctx.byteLength, TestRun.ctx_size_in);
      putPointer(attr, TestRun.ctx_in, ctx);
    }
    attr.writeUInt32LE(ctxOut.byteLength, TestRun.ctx_size_out);
    putPointer(attr, TestRun.ctx_out, ctxOut.byteLength ? ctxOut : null);
    attr.writeUInt32LE(opts.flags ?? 0, TestRun.flags);
    attr.writeUInt32LE(opts.cpu ?? 0, TestRun.cpu);
    attr.writeUInt32LE(opts.batchSize ?? 0, TestRun.batch_size);
    try {
      bpf(Cmd.PROG_TEST_RUN, attr, TestRun.SIZE, `program '${this.name}'`);
    } catch (err) {
      throw testRunHint(err, this.typeName, data?.byteLength ?? 0);
    }
    return {
      retval: attr.readUInt32LE(TestRun.retval),
      duration: attr.readUInt32LE(TestRun.duration),
      data: dataOut.subarray(0, attr.readUInt32LE(TestRun.data_size_out)),
      ctx: ctxOut.subarray(0, attr.readUInt32LE(TestRun.ctx_size_out)),
    };
  }

  /** The kernel's view of this program (BPF_OBJ_GET_INFO_BY_FD), including the map ids it uses. */
  info(): ProgramInfo {
    return readProgInfo(this.fd, true);
  }

  /** Pins the program at a bpffs path (mounting /sys/fs/bpf and making directories as needed). */
  pin(path: string): void {
    preparePinPath(path);
    objPin(this.fd, path);
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

function readProgInfo(fd: number, withMaps: boolean): ProgramInfo {
  const L = ProgInfoLayout;
  let b = Buffer.alloc(L.SIZE);
  infoByFd(fd, b);
  const nMaps = b.readUInt32LE(L.nr_map_ids);
  const mapIds: number[] = [];
  if (withMaps && nMaps > 0) {
    const ids = Buffer.alloc(nMaps * 4);
    b = Buffer.alloc(L.SIZE);
    b.writeUInt32LE(nMaps, L.nr_map_ids);
    putPointer(b, L.map_ids, ids);
    infoByFd(fd, b);
    const n = Math.min(nMaps, b.readUInt32LE(L.nr_map_ids));
    for (let i = 0; i < n; i++) mapIds.push(ids.readUInt32LE(i * 4));
  }
  const type = b.readUInt32LE(L.type);
  return {
    type,
    typeName: programTypeName(type),
    id: b.readUInt32LE(L.id),
    name: getName(b, L.name, OBJ_NAME_LEN),
    tag: b.toString('hex', L.tag, L.tag + 8),
    xlatedSize: b.readUInt32LE(L.xlated_prog_len),
    jitedSize: b.readUInt32LE(L.jited_prog_len),
    verifiedInsns: b.readUInt32LE(L.verified_insns),
    runTimeNs: b.readBigUInt64LE(L.run_time_ns),
    runCount: b.readBigUInt64LE(L.run_cnt),
    recursionMisses: b.readBigUInt64LE(L.recursion_misses),
    mapIds,
    btfId: b.readUInt32LE(L.btf_id),
    loadTime: b.readBigUInt64LE(L.load_time),
    createdByUid: b.readUInt32LE(L.created_by_uid),
    attachBtfId: b.readUInt32LE(L.attach_btf_id),
    attachBtfObjId: b.readUInt32LE(L.attach_btf_obj_id),
  };
}
