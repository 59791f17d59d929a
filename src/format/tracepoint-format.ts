// The `format` file tracefs gives for each tracepoint (events/<category>/<event>/format), parsed
// into typed fields: names, C types, offsets and sizes of the record the kernel writes.

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
