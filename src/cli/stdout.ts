// A reader that goes away (`tsbpf list | head`) closes our stdout. Writes then fail with EPIPE,
// which Node reports as an 'error' event on process.stdout: unhandled, that is a crash with a
// stack. Here it becomes a signal instead: long-running commands stop on it, and the command
// ends quietly with exit status 0, as Unix tools do.
const closed = new AbortController();

/** Aborts when stdout's reader has gone away. */
export const stdoutClosed: AbortSignal = closed.signal;

/**
 * Turns EPIPE on stdout into `stdoutClosed`; called once, at start-up. The listener is added when
 * a command first uses process.stdout: Node makes that stream (for a pipe, a socket and the stream
 * machinery, ~3 ms) on first use, and commands that write fd 1 directly (trace) never need it.
 */
export function watchStdout(): void {
  const made = Object.getOwnPropertyDescriptor(process, 'stdout');
  if (made?.get === undefined || !made.configurable) {
    listen(process.stdout);
    return;
  }
  Object.defineProperty(process, 'stdout', {
    configurable: true,
    enumerable: made.enumerable,
    get() {
      Object.defineProperty(process, 'stdout', made);
      const stream = process.stdout;
      listen(stream);
      return stream;
    },
  });
}

function listen(stdout: NodeJS.WriteStream): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    // After the first EPIPE the stream is destroyed; later writes report that instead.
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      closed.abort();
      return;
    }
    process.stderr.write(`tsbpf: stdout: ${err.message}\n`);
    process.exitCode = 1;
  });
}
