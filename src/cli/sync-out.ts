// Standard output written synchronously, as a C tracer writes it. Node's process.stdout queues
// what a pipe cannot take yet in memory, without bound: a trace of a burst piped to a slower
// reader grew to hundreds of MB and starved its own ring reader. Waiting for the reader instead
// keeps memory flat; the ring buffer absorbs the wait.
import { writeSync } from 'node:fs';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `text` to fd 1, waiting while the pipe is full; false once the reader has gone
 * (EPIPE: `| head` has what it wanted), and the caller should stop.
 */
export function writeStdout(text: string): boolean {
  const bytes = Buffer.from(text);
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes, at);
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
