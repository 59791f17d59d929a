// Attr encoders for the commands every kernel object kind shares: BPF_OBJ_PIN / BPF_OBJ_GET,
// *_GET_NEXT_ID, *_GET_FD_BY_ID and BPF_OBJ_GET_INFO_BY_FD.
import { GetId, InfoByFd, ObjPin } from '../attr.js';
import { AttrWriter, cString } from './writer.js';

/** BPF_OBJ_PIN of `fd` at `path`. */
export function encodeObjPin(a: { fd: number; path: string }): Buffer {
  return new AttrWriter(ObjPin.SIZE).ptr(ObjPin.pathname, cString(a.path)).u32(ObjPin.bpf_fd, a.fd).done();
}

/** BPF_OBJ_GET of `path`. */
export function encodeObjGet(a: { path: string; fileFlags?: number }): Buffer {
  return new AttrWriter(ObjPin.SIZE)
    .ptr(ObjPin.pathname, cString(a.path))
    .u32(ObjPin.file_flags, a.fileFlags)
    .done();
}

/** *_GET_FD_BY_ID. */
export function encodeGetFdById(a: { id: number; openFlags?: number }): Buffer {
  return new AttrWriter(GetId.SIZE).u32(GetId.id, a.id).u32(GetId.open_flags, a.openFlags).done();
}

/** *_GET_NEXT_ID after `startId` (0 for the first). */
export function encodeGetNextId(startId: number): Buffer {
  return new AttrWriter(GetId.SIZE).u32(GetId.start_id, startId).done();
}

/** The id *_GET_NEXT_ID wrote back. */
export function nextIdOf(attr: Buffer): number {
  return attr.readUInt32LE(GetId.next_id);
}

/** BPF_OBJ_GET_INFO_BY_FD into `info` (its length is info_len). */
export function encodeInfoByFd(a: { fd: number; info: Uint8Array }): Buffer {
  return new AttrWriter(InfoByFd.SIZE)
    .u32(InfoByFd.bpf_fd, a.fd)
    .u32(InfoByFd.info_len, a.info.byteLength)
    .ptr(InfoByFd.info, a.info)
    .done();
}

/** The info length the kernel filled. */
export function infoLenOf(attr: Buffer): number {
  return attr.readUInt32LE(InfoByFd.info_len);
}
