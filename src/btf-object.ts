// BTF loaded into the kernel (BPF_BTF_LOAD): an fd that maps and programs refer to for key/value
// types, func_info/line_info and global data. Loads without a log first (faster); on failure
// loads again with the kernel's BTF verifier log and reports its words.

import { FdObject } from './fd.js';
import { BTF_OBJECTS, openObjectById } from './kernel-object.js';
import { encodeBtfLoad } from './sys/attrs/btf.js';
import { readBtfInfo } from './sys/attrs/info.js';
import { bpf, bpfTry, Cmd } from './sys/bpf.js';
import { BpfError, Errno } from './sys/errno.js';

const LOG_START = 64 * 1024;
const LOG_MAX = 16 * 1024 * 1024;

/** The kernel rejected our BTF: the errno and the BTF verifier's log (its last lines say why). */
export class BtfLoadError extends BpfError {
  override name = 'BtfLoadError';
  readonly log: string;
  constructor(errno: number, log: string) {
    const why = log.trim().split('\n').slice(-3).join(' | ');
    super('BPF_BTF_LOAD', errno, why ? `kernel BTF verifier: ${why}` : '');
    this.log = log;
  }
}

export class KernelBtf extends FdObject {
  /** Bytes loaded (kept: map and program loads refer to type ids in them). */
  readonly bytes: Uint8Array;

  private constructor(fd: number, bytes: Uint8Array) {
    super(fd, 'BTF object');
    this.bytes = bytes;
  }

  protected describe(): string {
    return 'BTF object';
  }

  /** BPF_BTF_LOAD of a raw BTF blob (e.g. BtfBuilder.encode()). */
  static load(bytes: Uint8Array): KernelBtf {
    const blob = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const attr = encodeBtfLoad({ btf: blob });
    try {
      return new KernelBtf(bpf(Cmd.BTF_LOAD, attr, attr.byteLength, `(${blob.byteLength} bytes)`), bytes);
    } catch (e) {
      if (!(e instanceof BpfError) || e.errno === Errno.EPERM) throw e;
    }
    // Again with the log, growing the buffer while the kernel says it was too small.
    for (let size = LOG_START; ; size *= 4) {
      const log = Buffer.alloc(size);
      const withLog = encodeBtfLoad({ btf: blob, log: { level: 1, buf: log } });
      const r = bpfTry(Cmd.BTF_LOAD, withLog, withLog.byteLength);
      if (r >= 0) return new KernelBtf(r, bytes); // loaded this time (a transient failure)
      const errno = -r;
      if (errno === Errno.ENOSPC && size < LOG_MAX) continue;
      const end = log.indexOf(0);
      throw new BtfLoadError(errno, log.toString('utf8', 0, end < 0 ? log.length : end));
    }
  }

  /** Opens the BTF object with kernel id `id` (a map's or program's btf_id) and reads its bytes. */
  static fromId(id: number): KernelBtf {
    return openObjectById(BTF_OBJECTS, id, (fd) => new KernelBtf(fd, readBtfInfo(fd).bytes));
  }
}
