// What every event reader shares: a record cursor (peek / current / commit, implemented per
// ring type), and three ways to consume it on Node's own event loop — drain() now, subscribe()
// with a callback, or `for await`. The consumer position moves past a record only after the
// record was handed over (the callback returned, or the iterator was asked for the next one).
import { type Readable, watchReadable } from '../sys/mmap.js';

export interface SubscribeOptions {
  /** Stops the subscription (and ends a `for await` loop) when aborted. */
  signal?: AbortSignal;
  /**
   * At most this many records per wake-up (default: all). Under a sustained stream a bounded
   * batch lets timers and signals run between batches; the poll fires again for the rest.
   */
  batch?: number;
}

/** Records per wake-up from which a subscription reads on a timer instead (see subscribe()). */
const BUSY_BATCH = 64;

/** A record callback; returning `false` stops the current drain (the record counts as consumed). */
export type RecordCallback<T> = (record: T) => unknown;

export abstract class EventReader<T> implements AsyncIterable<T>, Disposable {
  #watches: Readable[] | undefined;
  #wake: (() => void) | undefined;
  #subscribed = false;
  #closed = false;

  /** fds that poll readable when records arrive. */
  protected abstract pollFds(): number[];
  /** True when a record is ready at the cursor (skipping and counting lost/discarded ones). */
  protected abstract peek(): boolean;
  /** The record at the cursor (valid until commit()). */
  protected abstract current(): T;
  /** Moves the cursor past the record and tells the kernel the space is free. */
  protected abstract commit(): void;
  /** Releases mappings and fds (called once by close()). */
  protected abstract release(): void;

  get closed(): boolean {
    return this.#closed;
  }

  /** Hands every record available now to `callback`; returns how many (at most `max`). */
  drain(callback: RecordCallback<T>, max = Number.POSITIVE_INFINITY): number {
    this.#check();
    let n = 0;
    while (n < max && this.peek()) {
      let stop = false;
      try {
        stop = callback(this.current()) === false;
      } finally {
        this.commit();
      }
      n++;
      if (stop) break;
    }
    return n;
  }

  /** Calls `callback` for each record as it arrives, from the event loop, until closed or aborted. */
  subscribe(callback: RecordCallback<T>, opts: SubscribeOptions = {}): void {
    this.#check();
    if (this.#subscribed) throw new Error('this reader already has a subscriber');
    if (opts.signal?.aborted) return;
    this.#subscribed = true;
    const batch = opts.batch ?? Number.POSITIVE_INFINITY;
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      if (this.#closed || opts.signal?.aborted) return;
      if (this.drain(callback, batch) >= BUSY_BATCH) {
        // A busy stream is read on a 1 ms clock instead of per wake-up. A reader that keeps up
        // record by record has the kernel wake it for nearly every record (it wakes a reader
        // that has caught up), and those wake-ups cost the producing task more than the record.
        this.#stopWatching();
        timer = setTimeout(pump, 1);
      } else if (!this.#watches) this.#listen(pump);
    };
    pump();
    opts.signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        this.#unlisten();
      },
      { once: true },
    );
  }

  /** Records as an async iterable; `signal` ends the loop. */
  async *records(opts: SubscribeOptions = {}): AsyncGenerator<T, void, undefined> {
    this.#check();
    const signal = opts.signal;
    for (;;) {
      let n = 0;
      while (!this.#closed && !signal?.aborted && this.peek()) {
        try {
          yield this.current();
        } finally {
          if (!this.#closed) this.commit();
        }
        n++;
      }
      if (this.#closed || signal?.aborted) return;
      // A busy stream waits on the 1 ms clock, as subscribe() does, not for the next wake-up.
      await (n >= BUSY_BATCH ? this.#tick(signal) : this.#readable(signal));
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.records();
  }

  /** Stops watching and unmaps. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unlisten();
    this.#wake?.();
    this.release();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  #check(): void {
    if (this.#closed) throw new Error('event reader is closed');
  }

  #listen(onReadable: () => void): void {
    this.#watches = this.pollFds().map((fd) => watchReadable(fd, onReadable));
  }

  #stopWatching(): void {
    for (const w of this.#watches ?? []) w.close();
    this.#watches = undefined;
  }

  #unlisten(): void {
    this.#stopWatching();
    this.#subscribed = false;
  }

  /** Resolves after 1 ms, or sooner when the reader closes or `signal` aborts. */
  #tick(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, 1);
      this.#wake = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when a poll fd is readable, the reader closes or `signal` aborts. */
  #readable(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.#wake = undefined;
        this.#unlisten();
        resolve();
      };
      this.#wake = done;
      signal?.addEventListener('abort', done, { once: true });
      this.#listen(done);
    });
  }
}
