// Attr encoders for BPF_PROG_LOAD (and its verifier-log retries) and BPF_PROG_TEST_RUN.
import { ProgLoad, TestRun } from '../attr.js';
import { AttrWriter } from './writer.js';

export interface ProgLoadAttr {
  type: number;
  /** Encoded instructions (8 bytes a slot). */
  insns: Uint8Array;
  /** NUL-terminated license string. */
  license: Uint8Array;
  kernVersion?: number;
  progFlags?: number;
  name?: string;
  ifindex?: number;
  expectedAttachType?: number;
  progBtfFd?: number;
  funcInfo?: { records: Uint8Array; recSize: number };
  lineInfo?: { records: Uint8Array; recSize: number };
  attachBtfId?: number;
  /** attach_prog_fd, or the BTF object fd holding attach_btf_id (the same slot). */
  attachProgFd?: number;
  fdArray?: readonly number[];
  log?: { level: number; buf: Uint8Array };
}

/** BPF_PROG_LOAD. `into`: a reusable attr of the right size (loads are synchronous). */
export function encodeProgLoad(a: ProgLoadAttr, into?: Buffer): Buffer {
  const w = new AttrWriter(ProgLoad.SIZE, into)
    .u32(ProgLoad.prog_type, a.type)
    .u32(ProgLoad.insn_cnt, a.insns.byteLength / 8)
    .ptr(ProgLoad.insns, a.insns)
    .ptr(ProgLoad.license, a.license)
    .u32(ProgLoad.kern_version, a.kernVersion)
    .u32(ProgLoad.prog_flags, a.progFlags)
    .name(ProgLoad.prog_name, a.name)
    .u32(ProgLoad.prog_ifindex, a.ifindex)
    .u32(ProgLoad.expected_attach_type, a.expectedAttachType)
    .u32(ProgLoad.prog_btf_fd, a.progBtfFd)
    .u32(ProgLoad.attach_btf_id, a.attachBtfId)
    .u32(ProgLoad.attach_prog_fd, a.attachProgFd);
  if (a.funcInfo) {
    w.u32(ProgLoad.func_info_rec_size, a.funcInfo.recSize)
      .ptr(ProgLoad.func_info, a.funcInfo.records)
      .u32(ProgLoad.func_info_cnt, a.funcInfo.records.byteLength / a.funcInfo.recSize);
  }
  if (a.lineInfo) {
    w.u32(ProgLoad.line_info_rec_size, a.lineInfo.recSize)
      .ptr(ProgLoad.line_info, a.lineInfo.records)
      .u32(ProgLoad.line_info_cnt, a.lineInfo.records.byteLength / a.lineInfo.recSize);
  }
  if (a.fdArray && a.fdArray.length > 0) {
    const fds = Buffer.alloc(a.fdArray.length * 4);
    for (const [i, fd] of a.fdArray.entries()) fds.writeInt32LE(fd, i * 4);
    w.ptr(ProgLoad.fd_array, fds);
  }
  if (a.log) setProgLoadLog(w.buf, a.log.level, a.log.buf);
  return w.done();
}

/** Points a PROG_LOAD attr at a (new) verifier log buffer, clearing log_true_size. */
export function setProgLoadLog(attr: Buffer, level: number, log: Uint8Array): void {
  new AttrWriter(attr)
    .u32(ProgLoad.log_level, level)
    .u32(ProgLoad.log_size, log.byteLength)
    .ptr(ProgLoad.log_buf, log);
  attr.writeUInt32LE(0, ProgLoad.log_true_size);
}

/** The log size the kernel needed (6.4+; 0 on older kernels). */
export function progLoadLogTrueSize(attr: Buffer): number {
  return attr.readUInt32LE(ProgLoad.log_true_size);
}

export interface TestRunAttr {
  progFd: number;
  dataIn?: Uint8Array | null;
  dataOut?: Uint8Array | null;
  ctxIn?: Uint8Array | null;
  ctxOut?: Uint8Array | null;
  repeat?: number;
  flags?: number;
  cpu?: number;
  batchSize?: number;
}

/** BPF_PROG_TEST_RUN. */
export function encodeTestRun(a: TestRunAttr): Buffer {
  return new AttrWriter(TestRun.SIZE)
    .u32(TestRun.prog_fd, a.progFd)
    .u32(TestRun.data_size_in, a.dataIn?.byteLength)
    .ptr(TestRun.data_in, a.dataIn)
    .u32(TestRun.data_size_out, a.dataOut?.byteLength)
    .ptr(TestRun.data_out, a.dataOut)
    .u32(TestRun.repeat, a.repeat)
    .u32(TestRun.ctx_size_in, a.ctxIn?.byteLength)
    .ptr(TestRun.ctx_in, a.ctxIn)
    .u32(TestRun.ctx_size_out, a.ctxOut?.byteLength)
    .ptr(TestRun.ctx_out, a.ctxOut)
    .u32(TestRun.flags, a.flags)
    .u32(TestRun.cpu, a.cpu)
    .u32(TestRun.batch_size, a.batchSize)
    .done();
}

/** What PROG_TEST_RUN wrote back. */
export function decodeTestRun(attr: Buffer): {
  retval: number;
  duration: number;
  dataSizeOut: number;
  ctxSizeOut: number;
} {
  return {
    retval: attr.readUInt32LE(TestRun.retval),
    duration: attr.readUInt32LE(TestRun.duration),
    dataSizeOut: attr.readUInt32LE(TestRun.data_size_out),
    ctxSizeOut: attr.readUInt32LE(TestRun.ctx_size_out),
  };
}
