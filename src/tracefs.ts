// tracefs: where it is (mounting it if nobody has), tracepoint ids, the `format` file of an
// event parsed into typed fields, and dynamic kprobe/uprobe events (the legacy attach path).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { nearestNames } from './compiler/nearest.js';
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

/** One field of a tracepoint's record, as its `format` file describes it. */
export interface TracepointField {
  name: string;
  /** The C type as written (`const char *`, `__data_loc char[]`, `char[16]`). */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** common_type, common_flags, common_preempt_count, common_pid. */
  common: boolean;
  /** Fixed arrays: element count (`char comm[16]` → 16). */
  arrayLength?: number;
  /** `__data_loc` fields: a u32 (offset low 16 bits, length high 16) pointing into the record. */
  dataLoc: boolean;
}

export interface TracepointFormat {
  name: string;
  id: number;
  fields: TracepointField[];
  /** Non-common fields by name. */
  byName: Map<string, TracepointField>;
  printFmt: string;
}

/** A format file that does not parse: which line and why. */
export class FormatParseError extends Error {
  override name = 'FormatParseError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`${message} (format line ${line})`);
  }
}

const FIELD_RE = /^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;

/** Parses the text of an event's `format` file. */
export function parseTracepointFormat(text: string): TracepointFormat {
  let name = '';
  let id = -1;
  let printFmt = '';
  const fields: TracepointField[] = [];
  let common = true;
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('name: ')) name = line.slice(6).trim();
    else if (line.startsWith('ID: ')) id = Number(line.slice(4).trim());
    else if (line.startsWith('print fmt: ')) printFmt = line.slice(11);
    else if (line.trim() === '' && fields.length > 0) common = false;
    else if (/^\s*field:/.test(line)) {
      const m = FIELD_RE.exec(line);
      if (!m) throw new FormatParseError(`unreadable field '${line.trim()}'`, i + 1);
      fields.push(parseField(m[1] as string, Number(m[2]), Number(m[3]), m[4] === '1', common, i + 1));
    }
  });
  if (!name || id < 0) throw new FormatParseError("missing 'name:' or 'ID:'", 1);
  const byName = new Map(fields.filter((f) => !f.common).map((f) => [f.name, f]));
  return { name, id, fields, byName, printFmt };
}

function parseField(
  decl: string,
  offset: number,
  size: number,
  signed: boolean,
  common: boolean,
  line: number,
): TracepointField {
  const dataLoc = decl.startsWith('__data_loc ') || decl.startsWith('__rel_loc ');
  // `type name`, `type name[16]`, `__data_loc char[] name`, `type * name`.
  const m = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)\s*(\[(\d*)\])?$/.exec(decl.trim());
  if (!m) throw new FormatParseError(`unreadable field declaration '${decl}'`, line);
  const field: TracepointField = {
    name: m[2] as string,
    type: `${(m[1] as string).trim()}${m[3] ?? ''}`,
    offset,
    size,
    signed,
    common,
    dataLoc,
  };
  if (m[4]) field.arrayLength = Number(m[4]);
  return field;
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
