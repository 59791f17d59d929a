// tsbpf trace's output: lines gathered and written once per delivered batch (or at 64 KiB), one
// write per wake-up instead of one per event, while a quiet stream still shows each line at once.
import { writeStdout } from './sync-out.js';

export class LineBatch {
  #text = '';
  #pending = false;
  #closed = false;
  /** Called once when stdout's reader has gone (`| head`): the trace should end, not run on. */
  onClosed: () => void = () => {};

  /** Queues `text` (whole lines); written at 64 KiB or once the current batch is delivered. */
  add(text: string): void {
    this.#text += text;
    if (this.#text.length > 65536) this.flush();
    else if (!this.#pending) {
      this.#pending = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes what is queued, waiting while the pipe is full. */
  flush(): void {
    this.#pending = false;
    if (this.#text && !this.#closed && !writeStdout(this.#text)) {
      this.#closed = true;
      this.onClosed();
    }
    this.#text = '';
  }
}
