// One 8-byte slot of the wire form, field by field: what encode() writes for each instruction and
// the assembler writes for each of its rows (isa/asm/columns.ts). Not part of the public API.

/** Writes a slot at `at`: code, the register byte (dst and src nibbles in the order of `le`), off, imm. */
export function writeSlot(
  view: DataView,
  at: number,
  code: number,
  dst: number,
  src: number,
  off: number,
  imm: number,
  le: boolean,
): void {
  view.setUint8(at, code);
  view.setUint8(at + 1, le ? ((src & 0xf) << 4) | (dst & 0xf) : ((dst & 0xf) << 4) | (src & 0xf));
  view.setInt16(at + 2, off, le);
  view.setInt32(at + 4, imm, le);
}
