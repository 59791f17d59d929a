// tracefs: where it is (mounting it if nobody has), tracepoint ids, the `format` file of an
// event (parsed by format/tracepoint-format.ts), and dynamic kprobe/uprobe events (the legacy
// attach path).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { nearestNames } from './compiler/nearest.js';
import { parseTracepointFormat, type TracepointFormat } from './format/tracepoint-format.js';
import { Errno, SysError } from './sys/errno.js';
import { lastErrno, mount } from './sys/libc.js';

const CANDIDATES = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'];

let root: string | undefined;

/** tracefs's mount point; mounts it at /sys/kernel/tracing when it is not mounted anywhere. */
export function tracefsRoot(): string {
  if (root !== undefined) return root;
  for (const dir of CANDIDATES) {
    if (existsSync(`${dir}/events`)) {
      root = dir;
      return dir;
    }
  }
  const dir = CANDIDATES[0] as string;
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    // /sys/kernel/tracing exists on every kernel with tracefs; mount() gives the real error below.
  }
  if (mount('tracefs', dir, 'tracefs', 0, null) < 0) {
    const errno = lastErrno();
    if (errno === Errno.EPERM || errno === Errno.EACCES) {
      // Mostly tracefs is there, only not readable by this user: say what it takes, as features does.
      const mounted = mountedTracefs();
      throw new SysError(
        mounted ? `tracefs at ${mounted}: not readable by this user` : `mount tracefs on ${dir}`,
        errno,
        'needs root, or CAP_BPF + CAP_PERFMON',
      );
    }
    throw new SysError(`mount tracefs on ${dir}`, errno, 'kernel without tracefs?');
  }
  root = dir;
  return dir;
}

/** Where /proc/self/mounts has tracefs, or undefined. */
function mountedTracefs(): string | undefined {
  try {
    const line = readFileSync('/proc/self/mounts', 'latin1')
      .split('\n')
      .find((l) => l.split(' ')[2] === 'tracefs');
    return line?.split(' ')[1];
  } catch {
    return undefined;
  }
}

/** A tracefs path (`tracefsPath('events/syscalls')`). */
export function tracefsPath(rel: string): string {
  return `${tracefsRoot()}/${rel}`;
}

/** A tracepoint does not exist. */
export class TracepointNotFoundError extends Error {
  override name = 'TracepointNotFoundError';
  constructor(
    readonly category: string,
    readonly event: string,
  ) {
    super(
      `no tracepoint ${category}:${event} (no ${tracefsRoot()}/events/${category}/${event})${nearTracepoints(category, event)}`,
    );
  }
}

/** `; did you mean syscalls:sys_enter_unlinkat?` from the events this kernel has, or ''. */
function nearTracepoints(category: string, event: string): string {
  try {
    const events = `${tracefsRoot()}/events`;
    // The same category with a near event name, or the event under the categories that have it.
    const near = existsSync(`${events}/${category}`)
      ? nearestNames(event, readdirSync(`${events}/${category}`)).map((e) => `${category}:${e}`)
      : readdirSync(events)
          .filter((c) => existsSync(`${events}/${c}/${event}`))
          .slice(0, 3)
          .map((c) => `${c}:${event}`);
    return near.length > 0 ? `; did you mean ${near.join(' or ')}?` : '';
  } catch {
    return '';
  }
}

function checkPart(kind: string, part: string): void {
  if (!/^[A-Za-z0-9_.-]+$/.test(part)) throw new TypeError(`bad tracepoint ${kind} '${part}'`);
}

function eventFile(category: string, event: string, file: string): string {
  checkPart('category', category);
  checkPart('name', event);
  const path = tracefsPath(`events/${category}/${event}/${file}`);
  if (!existsSync(path)) throw new TracepointNotFoundError(category, event);
  return path;
}

/** The perf id of tracepoint `category:event` (events/<category>/<event>/id). */
export function tracepointId(category: string, event: string): number {
  return Number(readFileSync(eventFile(category, event, 'id'), 'latin1').trim());
}

/** The parsed `format` file of tracepoint `category:event`. */
export function tracepointFormat(category: string, event: string): TracepointFormat {
  return parseTracepointFormat(readFileSync(eventFile(category, event, 'format'), 'latin1'));
}

// ---- dynamic events (kprobe_events / uprobe_events) ---------------------------------------

export type DynamicEventFile = 'kprobe_events' | 'uprobe_events';

/** Appends one definition line to kprobe_events/uprobe_events; SysError with the kernel's errno. */
export function addDynamicEvent(file: DynamicEventFile, definition: string): void {
  try {
    writeFileSync(tracefsPath(file), `${definition}\n`, { flag: 'a' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const errno = typeof e.errno === 'number' ? -e.errno : Errno.EINVAL;
    throw new SysError(`write '${definition}' to ${file}`, Math.abs(errno), errorLogTail());
  }
}

/** Removes a dynamic event by group/name; false if it was not there. */
export function removeDynamicEvent(file: DynamicEventFile, group: string, name: string): boolean {
  try {
    writeFileSync(tracefsPath(file), `-:${group}/${name}\n`, { flag: 'a' });
    return true;
  } catch {
    return false;
  }
}

/** Dynamic events currently defined: `{type, group, name, definition}` per line. */
export function listDynamicEvents(file: DynamicEventFile): { group: string; name: string; line: string }[] {
  let text: string;
  try {
    text = readFileSync(tracefsPath(file), 'latin1');
  } catch {
    return [];
  }
  const out: { group: string; name: string; line: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^[prf]\d*:([^/\s]+)\/(\S+)/.exec(line);
    if (m) out.push({ group: m[1] as string, name: m[2] as string, line });
  }
  return out;
}

/** The last line of tracefs's error_log, if any (the kernel's reason for rejecting a definition). */
function errorLogTail(): string | undefined {
  try {
    const lines = readFileSync(tracefsPath('error_log'), 'latin1').trim().split('\n');
    const last = lines
      .filter((l) => l.trim())
      .slice(-2)
      .join(' ')
      .replace(/\s+/g, ' ');
    return last || undefined;
  } catch {
    return undefined;
  }
}
