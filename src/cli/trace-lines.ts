// tsbpf trace's output: lines gathered and written once per delivered batch (or when the buffer is
// full), one write per wake-up instead of one per event, while a quiet stream still shows each line
// at once. Each line is encoded once into one reused buffer (OutputBatch), not kept as a string.
import { OutputBatch } from './sync-out.js';

export class LineBatch {
  readonly #out = new OutputBatch();
  #pending = false;
  #closed = false;
  /** Called once when stdout's reader has gone (`| head`): the trace should end, not run on. */
  onClosed: () => void = () => {};

  /** Queues `text` (whole lines); written when the buffer is full or the current batch is delivered. */
  add(text: string): void {
    if (this.#closed) return;
    if (!this.#out.add(text)) this.#close();
    else if (!this.#pending) {
      this.#pending = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued, waiting while the pipe is full. */
  flush(): void {
    this.#pending = false;
    if (!this.#closed && !this.#out.flush()) this.#close();
  }

  #close(): void {
    this.#closed = true;
    this.onClosed();
  }
}
