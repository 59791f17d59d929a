// A reader that goes away (`tsbpf list | head`) closes our stdout. Writes then fail with EPIPE,
// which Node reports as an 'error' event on process.stdout: unhandled, that is a crash with a
// stack. Here it becomes a signal instead: long-running commands stop on it, and the command
// ends quietly with exit status 0, as Unix tools do.
const closed = new AbortController();

/** Aborts when stdout's reader has gone away. */
export const stdoutClosed: AbortSignal = closed.signal;

/** Turns EPIPE on stdout into `stdoutClosed`; once, at start-up. */
export function watchStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // After the first EPIPE the stream is destroyed; later writes report that instead.
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed.abort();
      return;
    }
    process.stderr.write(`tsbpf: stdout: ${err.message}\n`);
    process.exitCode = 1;
  });
}
