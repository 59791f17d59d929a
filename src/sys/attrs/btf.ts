// Attr encoder for BPF_BTF_LOAD (with the BTF verifier's log on a retry).
import { BtfLoad } from '../attr.js';
import { AttrWriter } from './writer.js';

export interface BtfLoadAttr {
  btf: Uint8Array;
  log?: { level: number; buf: Uint8Array };
}

/** BPF_BTF_LOAD. */
export function encodeBtfLoad(a: BtfLoadAttr): Buffer {
  const w = new AttrWriter(BtfLoad.SIZE).ptr(BtfLoad.btf, a.btf).u32(BtfLoad.btf_size, a.btf.byteLength);
  if (a.log) {
    w.ptr(BtfLoad.btf_log_buf, a.log.buf)
      .u32(BtfLoad.btf_log_size, a.log.buf.byteLength)
      .u32(BtfLoad.btf_log_level, a.log.level);
  }
  return w.done();
}
