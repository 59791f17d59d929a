// How `tsbpf trace` prints a record: a text line (seconds since start, pid, command, probe,
// arguments, return value) or one JSON object. A formatter is built per probe from its first
// record, so the argument keys and the probe's name are worked out once and not per event: at a
// million events a second, this is one of the consumer's two largest costs (with write(2)).

export type RecordFormatter = (r: Record<string, unknown>) => string;

/** A formatter for records shaped like `first` (`time`, `pid`, `comm`, `a_<arg>`…, `ret`?). */
export function recordFormatter(
  first: Record<string, unknown>,
  probe: string,
  t0: number,
  json: boolean,
): RecordFormatter {
  const args = Object.keys(first).filter((k) => k.startsWith('a_'));
  const hasRet = 'ret' in first;
  return json ? jsonFormatter(args, hasRet, probe, t0) : textFormatter(args, hasRet, probe, t0);
}

function textFormatter(args: string[], hasRet: boolean, probe: string, t0: number): RecordFormatter {
  const labels = args.map((k) => ` ${k.slice(2)}=`);
  const tail = ` ${probe}`;
  // Consecutive events mostly come from the same task: keep its padded pid and comm.
  let lastPid = -1;
  let pidText = '';
  let lastComm = '';
  let commText = '';
  return (r) => {
    const pid = r.pid as number;
    if (pid !== lastPid) {
      lastPid = pid;
      pidText = String(pid).padStart(7);
    }
    const comm = r.comm as string;
    if (comm !== lastComm) {
      lastComm = comm;
      commText = comm.padEnd(16);
    }
    // A wildcard probe's records name the point that fired (`probe` field).
    const at = r.probe === undefined ? tail : ` ${r.probe}`;
    let line = `${(((r.time as number) - t0) / 1e9).toFixed(6).padStart(12)} ${pidText} ${commText}${at}`;
    for (let i = 0; i < args.length; i++) line += (labels[i] as string) + text(r[args[i] as string]);
    if (hasRet) line += ` ret=${text(r.ret)}`;
    return `${line}\n`;
  };
}

function jsonFormatter(args: string[], hasRet: boolean, probe: string, t0: number): RecordFormatter {
  const names = args.map((k) => k.slice(2));
  return (r) => {
    const values: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i++) values[names[i] as string] = plain(r[args[i] as string]);
    const o: Record<string, unknown> = {
      time: ((r.time as number) - t0) / 1e9,
      pid: r.pid,
      comm: r.comm,
      probe: r.probe ?? probe,
      args: values,
    };
    if (hasRet) o.ret = plain(r.ret);
    return `${JSON.stringify(o)}\n`;
  };
}

/**
 * Pointers (bigint) as hex, strings quoted, numbers as they are, arrays as [a,b,c], whole structs
 * as bpftrace prints them: `{ .sin_family = 2, .sin_addr = { .s_addr = 16777343 } }`.
 */
export function text(v: unknown): string {
  if (typeof v === 'bigint') return `0x${v.toString(16)}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(text).join(',')}]`;
  if (typeof v === 'object' && v !== null)
    return `{ ${Object.entries(v)
      .map(([k, x]) => `.${k} = ${text(x)}`)
      .join(', ')} }`;
  return String(v);
}

/** JSON has no bigint: pointers become hex strings (also inside arrays and structs). */
export function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return typeof v === 'bigint' ? `0x${v.toString(16)}` : v;
}
