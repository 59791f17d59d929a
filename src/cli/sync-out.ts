// Standard output written synchronously, as a C tracer writes it. Node's process.stdout queues
// what a pipe cannot take yet in memory, without bound: a trace of a burst piped to a slower
// reader grew to hundreds of MB and starved its own ring reader. Waiting for the reader instead
// keeps memory flat; the ring buffer absorbs the wait. A stream of events goes through an
// OutputBatch: each line is encoded once into one reused buffer, written with one write(2) per
// batch, instead of a string grown per event and copied into a fresh Buffer per write.
import { writeSync } from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to fd 1, waiting while the pipe is full; false once the reader has gone
 * (EPIPE: `| head` has what it wanted), and the caller should stop.
 */
export function writeStdout(text: string): boolean {
  const bytes = Buffer.from(text);
  return writeAll(1, bytes, 0, bytes.length);
}

/**
 * Writes `text` to fd 2 as process.stderr would (its writes to a pipe, file or terminal are
 * synchronous too), without making that stream: a status line at start-up need not load Node's
 * socket and stream modules (~3 ms). False if stderr's reader has gone.
 */
export function writeStderr(text: string): boolean {
  const bytes = Buffer.from(text);
  return writeAll(2, bytes, 0, bytes.length);
}

/** Writes bytes [at, end) of `bytes` to `fd` (see writeStdout). */
function writeAll(fd: number, bytes: Uint8Array, at: number, end: number): boolean {
  while (at < end) {
    try {
      at += writeSync(fd, bytes, at, end - at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(sleeper, 0, 0, 1); // a non-blocking pipe that is full: wait for the reader
        continue;
      }
      if (code === 'EPIPE') return false;
      throw err;
    }
  }
  return true;
}

/** A pipe's capacity: a full buffer fills it in one write. */
const BATCH_BYTES = 1 << 16;

/** Lines for stdout gathered in one reused buffer; written when full or on flush(). */
export class OutputBatch {
  readonly #buf = Buffer.allocUnsafe(BATCH_BYTES);
  #len = 0;
  #gone = false;

  /** Bytes waiting to be written. */
  get pending(): number {
    return this.#len;
  }

  /** Appends `text`, writing the batch out first if it might not fit; false once stdout's reader has gone. */
  add(text: string): boolean {
    if (this.#gone) return false;
    // At most 3 bytes per UTF-16 unit: checked without measuring the text.
    if (this.#len + text.length * 3 > BATCH_BYTES) {
      if (!this.flush()) return false;
      if (text.length * 3 > BATCH_BYTES) {
        this.#gone = !writeStdout(text);
        return !this.#gone;
      }
    }
    this.#len += this.#buf.write(text, this.#len);
    return true;
  }

  /** Writes what was gathered; false once stdout's reader has gone (EPIPE). */
  flush(): boolean {
    if (this.#gone) return false;
    const len = this.#len;
    this.#len = 0;
    if (len > 0 && !writeAll(1, this.#buf, 0, len)) this.#gone = true;
    return !this.#gone;
  }
}
