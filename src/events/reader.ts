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
  /** Called after each batch (a wake-up or a tick of the busy clock) with how many were read. */
  onBatch?: (records: number) => void;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks this thread for `ms` (the short waits of settle(), which is synchronous). */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** While a reader waits for a wake-up, it also looks for records this often (see #listen). */
const RECHECK_MS = 50;

/** Records per wake-up from which a subscription reads on a timer instead (see subscribe()). */
const BUSY_BATCH = 64;

/** A record callback; returning `false` stops the current drain (the record counts as consumed). */
export type RecordCallback<T> = (record: T) => unknown;

export abstract class EventReader<T> implements AsyncIterable<T>, Disposable {
  #watches: Readable[] | undefined;
  #recheck: NodeJS.Timeout | undefined;
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

  /**
   * Hands over the records there now, not those that arrive meanwhile: unlike drain(), it ends
   * under a producer that never pauses. Readers that cannot tell (none here) fall back to drain().
   */
  drainAvailable(callback: RecordCallback<T>): number {
    return this.drain(callback);
  }

  /**
   * The last read of a session, once every producer is detached: hands over every record left,
   * also past a callback's `false`, and waits up to `timeoutMs` for a record still being written
   * (a program that was running on another CPU as it was detached). Returns how many.
   */
  settle(callback: RecordCallback<T>, timeoutMs = 1000): number {
    let n = 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const k = this.drain(callback);
      n += k;
      if (k > 0) continue; // a callback's `false` ended that drain early, or one more committed
      if (!this.writing() || Date.now() >= deadline) return n;
      pause(1);
    }
  }

  /** True while a record at the cursor is reserved but not yet committed (ring buffers). */
  protected writing(): boolean {
    return false;
  }

  /** Calls `callback` for each record as it arrives, from the event loop, until closed or aborted. */
  subscribe(callback: RecordCallback<T>, opts: SubscribeOptions = {}): void {
    this.#check();
    if (this.#subscribed) throw new Error('this reader already has a subscriber');
    if (opts.signal?.aborted) return;
    this.#subscribed = true;
    const batch = opts.batch ?? Number.POSITIVE_INFINITY;
    const onBatch = opts.onBatch;
    let timer: NodeJS.Timeout | undefined;
    const pump = () => {
      timer = undefined;
      if (this.#closed || opts.signal?.aborted) return;
      const n = this.drain(callback, batch);
      onBatch?.(n);
      if (n >= BUSY_BATCH) {
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
    // A perf event's poll reports each wake-up once, and registering the fd with epoll polls it:
    // a wake-up that came before the registration is taken by it and never reported (records
    // that arrived between the last drain and the watch). A slow look at the rings catches that.
    this.#recheck = setInterval(() => {
      if (this.peek()) onReadable();
    }, RECHECK_MS);
    this.#recheck.unref();
  }

  #stopWatching(): void {
    for (const w of this.#watches ?? []) w.close();
    this.#watches = undefined;
    clearInterval(this.#recheck);
    this.#recheck = undefined;
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
