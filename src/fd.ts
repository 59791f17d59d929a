// Ownership of kernel file descriptors. Every kernel object (map, program, link, BTF, perf
// event) extends FdObject: `fd`, an idempotent `close()`, `[Symbol.dispose]` for `using`, and a
// FinalizationRegistry that closes an fd whose owner was garbage-collected without close(),
// with a one-time warning (a leak is a bug in the caller, but it must not exhaust fds).
// Closing goes through the syscall funnel the object was made under (a test's fake owns its fds).
import { funnel, type SyscallFunnel } from './sys/funnel.js';

interface Held {
  fd: number;
  kind: string;
  funnel: SyscallFunnel;
}

let warned = false;
const registry = new FinalizationRegistry<Held>((held) => {
  held.funnel.close(held.fd);
  if (!warned) {
    warned = true;
    process.emitWarning(
      `tsbpf: a ${held.kind} (fd ${held.fd}) was garbage-collected without close(); closed it. Use close() or \`using\`.`,
      { code: 'TSBPF_FD_LEAK' },
    );
  }
});

/** Closes a raw fd we own (for error paths before an FdObject exists). */
export function closeRawFd(fd: number): void {
  if (fd >= 0) funnel().close(fd);
}

/** A kernel object reached through a file descriptor this process owns. */
export abstract class FdObject {
  #fd: number;
  readonly #held: Held;

  protected constructor(fd: number, kind: string) {
    this.#fd = fd;
    this.#held = { fd, kind, funnel: funnel() };
    registry.register(this, this.#held, this.#held);
  }

  /** What this object is, for messages (e.g. `map 'counts'`). */
  protected abstract describe(): string;

  /** The file descriptor; throws if the object was closed. */
  get fd(): number {
    if (this.#fd < 0) throw new Error(`${this.describe()} is closed`);
    return this.#fd;
  }

  /** True once close() has run. */
  get closed(): boolean {
    return this.#fd < 0;
  }

  /** Releases the fd. Safe to call more than once. */
  close(): void {
    if (this.#fd < 0) return;
    registry.unregister(this.#held);
    this.#held.funnel.close(this.#fd);
    this.#fd = -1;
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
