// trace_pipe reader: bpf_printk output (and any other ftrace output), parsed into task, pid,
// CPU, flags, timestamp, function and message. trace_pipe is opened non-blocking and polled on
// the event loop. Reading it consumes the text for everyone: only one reader per machine sees
// a given line.
import { closeSync, constants, openSync, readSync } from 'node:fs';
import { tracefsPath } from '../tracefs.js';
import { EventReader } from './reader.js';

/** One line of trace_pipe. */
export interface TraceLine {
  task: string;
  pid: number;
  /** Present when the `record-tgid` trace option is on. */
  tgid?: number;
  cpu: number;
  /** irqs-off / need-resched / hardirq-softirq / preempt-depth flags (`d..31`), '' if absent. */
  flags: string;
  /** Seconds, as printed. */
  timestamp: number;
  /** `bpf_trace_printk` for bpf_printk. */
  function: string;
  message: string;
  /** The line as read. */
  raw: string;
}

const LINE_RE =
  /^\s*(.*?)-(\d+)\s+(?:\(\s*(\d+|-+)\)\s+)?\[(\d+)\]\s+(?:([^\s[\]]{4,6})\s+)?(\d+\.\d+):\s+([^:\s]+):\s?(.*)$/;

/** Parses one trace_pipe line; undefined for lines that are not events (e.g. CPU buffer notes). */
export function parseTraceLine(raw: string): TraceLine | undefined {
  const m = LINE_RE.exec(raw);
  if (!m) return undefined;
  const line: TraceLine = {
    task: m[1] as string,
    pid: Number(m[2]),
    cpu: Number(m[4]),
    flags: m[5] ?? '',
    timestamp: Number(m[6]),
    function: m[7] as string,
    message: m[8] as string,
    raw,
  };
  if (m[3] !== undefined && /^\d+$/.test(m[3])) line.tgid = Number(m[3]);
  return line;
}

export class TracePipeReader extends EventReader<TraceLine> {
  readonly #fd: number;
  readonly #buf = Buffer.alloc(64 * 1024);
  #partial = '';
  readonly #queue: TraceLine[] = [];
  #head = 0;
  /** Lines that did not parse as events (kept raw here, not delivered). */
  unparsed = 0;

  private constructor(fd: number) {
    super();
    this.#fd = fd;
  }

  /** Opens tracefs's trace_pipe (mounting tracefs if needed). */
  static open(path = tracefsPath('trace_pipe')): TracePipeReader {
    return new TracePipeReader(openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
  }

  protected pollFds(): number[] {
    return [this.#fd];
  }

  protected peek(): boolean {
    if (this.#head < this.#queue.length) return true;
    this.#queue.length = 0;
    this.#head = 0;
    this.#fill();
    return this.#queue.length > 0;
  }

  #fill(): void {
    for (;;) {
      let n: number;
      try {
        n = readSync(this.#fd, this.#buf, 0, this.#buf.byteLength, null);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return;
        throw err;
      }
      if (n <= 0) return;
      const text = this.#partial + this.#buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      this.#partial = lines.pop() ?? '';
      for (const raw of lines) {
        const parsed = parseTraceLine(raw);
        if (parsed) this.#queue.push(parsed);
        else if (raw.trim() !== '') this.unparsed++;
      }
      if (this.#queue.length > 0) return;
    }
  }

  protected current(): TraceLine {
    return this.#queue[this.#head] as TraceLine;
  }

  protected commit(): void {
    this.#head++;
  }

  protected release(): void {
    closeSync(this.#fd);
  }
}
