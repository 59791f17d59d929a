/** Malformed or unusable BTF: what was wrong and the byte offset in the blob where it was found. */
export class BtfError extends Error {
  override name = 'BtfError';
  /** Byte offset into the BTF blob (or section) where the problem is; -1 when not about bytes. */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message);
    this.offset = offset;
  }
}
