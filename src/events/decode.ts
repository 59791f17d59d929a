// How an event reader hands records over: raw (a zero-copy DataView valid until the consumer
// moves on), through a codec of your own, or through a typed-binary schema.
import { BufferReader } from 'typed-binary';
import type { BinarySchema } from '../codec.js';

/** Decodes one record from `view` at `offset` (`length` bytes). Must not keep `view`. */
export interface EventCodec<T> {
  decode(view: DataView, offset: number, length: number): T;
}

/** A typed-binary schema, as far as a reader needs it. */
type Schema<T> = BinarySchema<T>;

/** What a reader accepts as `decode`. */
export type EventDecoder<T> = EventCodec<T> | Schema<T>;

/** Internal: a decode function over one mapping (`buffer`), reusing one view and one reader. */
export type Decode<T> = (offset: number, length: number) => T;

function isCodec<T>(d: EventDecoder<T>): d is EventCodec<T> {
  return typeof (d as EventCodec<T>).decode === 'function';
}

/** A decoder bound to `buffer`; without `decoder`, a fresh zero-copy DataView per record. */
export function bindDecoder<T>(buffer: ArrayBuffer, decoder: EventDecoder<T> | undefined): Decode<T> {
  if (decoder === undefined)
    return ((offset: number, length: number) => new DataView(buffer, offset, length)) as Decode<T>;
  if (isCodec(decoder)) {
    const view = new DataView(buffer);
    return (offset, length) => decoder.decode(view, offset, length);
  }
  const reader = new BufferReader(buffer, { endianness: 'little' });
  return (offset) => {
    reader.seekTo(offset);
    return decoder.read(reader as never) as T;
  };
}
