// `tsbpf load OBJ.o [--set NAME=VALUE…] [--record MAP=STRUCT…] [--pin DIR] [--no-attach] [--duration S]`:
// loads an object, prints its programs and maps, attaches by section name and streams trace_pipe
// and ring/perf buffer records (decoded through the object's BTF) until Ctrl-C (or --duration).
import { closeSync, constants, mkdirSync, openSync, readSync } from 'node:fs';
import type { Link } from '../link/link.js';
import { attachBySection, NotAutoAttachable } from '../object/attach.js';
import { BpfObject, type LoadedObject, type VariableValue } from '../object.js';
import { command } from './command.js';
import { openRecordReaders, type RecordDecoding, recordDecodings } from './load-records.js';
import { runSignal } from './probe-common.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf load OBJ.o [--set NAME=VALUE]... [--record MAP=STRUCT]... [--pin DIR] [--no-attach] [--duration SECONDS]
       tsbpf load OBJ.o --types

Loads every program and map of a BPF object (as clang -target bpf -g writes it), applying CO-RE
relocations against this kernel's BTF, and prints them. Then attaches each program by its section
name (kprobe/, tracepoint/, raw_tp/, tp_btf/, fentry/, uprobe/ …) and prints bpf_printk output
(trace_pipe) and ringbuf and perf buffer records until Ctrl-C. Records print as struct fields
(pid=42 comm="bash") when their type is known: the struct of the object's BTF whose size the
programs pass to bpf_ringbuf_reserve/_output or bpf_perf_event_output, or --record.
  --set NAME=VALUE     set a global variable before load (e.g. a const volatile knob):
                       integers (42, -1, 0x10), true/false, or a string
  --kconfig KEY=VALUE  override a .kconfig value (CONFIG_HZ=100)
  --record MAP=STRUCT  print MAP's records as STRUCT (a struct in the object's BTF)
  --types              print a TypeScript interface of the object's global variables (for
                       BpfObject.load<T>(), typing loaded.variables) and exit; loads nothing
  --pin DIR            pin programs at DIR/<program> and maps at DIR/maps/<map> (bpffs)
  --no-attach          load and print, then exit
  --duration SECONDS   stream for this long, then exit (default: until Ctrl-C)
  -h, --help           show this help
`;

function parseValue(text: string): VariableValue {
  if (/^-?\d+$/.test(text)) return BigInt(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text.replace(/^"(.*)"$/, '$1');
}

function pairs(list: string[] | undefined, what: string): [string, string][] {
  return (list ?? []).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} takes NAME=VALUE, not '${s}'`);
    return [s.slice(0, eq), s.slice(eq + 1)];
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}

export const run = command({
  help: HELP,
  options: {
    set: { type: 'string', multiple: true },
    kconfig: { type: 'string', multiple: true },
    record: { type: 'string', multiple: true },
    types: { type: 'boolean' },
    pin: { type: 'string' },
    'no-attach': { type: 'boolean' },
    duration: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('expected one object file');
    const duration = values.duration === undefined ? undefined : Number(values.duration);
    if (duration !== undefined && !(duration >= 0))
      throw new UsageError(`--duration takes seconds, not '${values.duration}'`);
    const sets = pairs(values.set, '--set');
    const kconfig = Object.fromEntries(pairs(values.kconfig, '--kconfig'));
    const records = new Map(pairs(values.record, '--record'));

    const obj = BpfObject.open(positionals[0] as string);
    if (values.types) {
      process.stdout.write(obj.variablesTypeScript());
      return 0;
    }
    const decodings = recordDecodings(obj.spec, records);
    for (const [name, value] of sets) obj.set(name, parseValue(value));
    using loaded = obj.load({
      onProgramError: 'skip',
      kconfig,
      ...(values.pin ? { pinPath: values.pin } : {}),
    });
    const links: Link[] = [];
    try {
      const attached = new Map<string, string>();
      if (!values['no-attach']) {
        for (const [name, prog] of loaded.programs) {
          const def = loaded.specs.get(name)?.def;
          if (!def) continue;
          try {
            links.push(await attachBySection(prog, def));
            attached.set(name, 'attached');
          } catch (err) {
            attached.set(
              name,
              err instanceof NotAutoAttachable
                ? 'not auto-attached'
                : `attach failed: ${(err as Error).message.split('\n')[0]}`,
            );
          }
        }
      }
      printObject(loaded, attached);
      if (values.pin) pinAll(loaded, values.pin);
      if (loaded.programs.size === 0) {
        process.stderr.write(`tsbpf load: no program of ${positionals[0]} could be loaded\n`);
        return 1;
      }
      if (values['no-attach'] || links.length === 0) return 0;
      await stream(loaded, decodings, duration);
      return 0;
    } finally {
      for (const l of links) l.close();
    }
  },
});

function printObject(loaded: LoadedObject, attached: Map<string, string>): void {
  const rows = [['PROGRAM', 'SECTION', 'TYPE', 'ID', 'INSNS', 'VERIFIED', 'CO-RE', 'STATUS']];
  for (const [name, prog] of loaded.programs) {
    const info = prog.info();
    const core = loaded.core.get(name) ?? [];
    rows.push([
      name,
      loaded.specs.get(name)?.section ?? '',
      info.typeName,
      String(info.id),
      String(info.xlatedSize / 8),
      String(info.verifiedInsns),
      core.length
        ? `${core.length}${core.some((c) => c.poisoned) ? ` (${core.filter((c) => c.poisoned).length} unresolved)` : ''}`
        : '-',
      attached.get(name) ?? 'loaded',
    ]);
  }
  for (const s of loaded.skipped)
    rows.push([s.program, s.section, '-', '-', '-', '-', '-', `skipped: ${s.reason}`]);
  process.stdout.write(`${table(rows)}\n\n`);
  const maps = [['MAP', 'TYPE', 'ID', 'KEY', 'VALUE', 'MAX_ENTRIES', 'FLAGS']];
  for (const [name, map] of loaded.maps) {
    const i = map.info();
    maps.push([
      name,
      i.typeName,
      String(i.id),
      String(i.keySize),
      String(i.valueSize),
      String(i.maxEntries),
      `0x${i.flags.toString(16)}`,
    ]);
  }
  process.stdout.write(`${table(maps)}\n`);
}

function pinAll(loaded: LoadedObject, dir: string): void {
  mkdirSync(`${dir}/maps`, { recursive: true });
  for (const [name, prog] of loaded.programs) prog.pin(`${dir}/${name}`);
  for (const map of loaded.maps.values()) {
    const path = `${dir}/maps/${map.name || 'map'}`;
    try {
      map.pin(path);
    } catch (err) {
      // A map pinned by name is already there.
      if (!/EEXIST/.test((err as Error).message)) throw err;
    }
  }
}

/** trace_pipe lines and ring/perf buffer records until SIGINT/SIGTERM or the duration. */
async function stream(
  loaded: LoadedObject,
  decodings: Map<string, RecordDecoding>,
  duration: number | undefined,
): Promise<void> {
  const { tracefsRoot } = await import('../tracefs.js');
  const readers = await openRecordReaders(
    loaded.maps,
    decodings,
    (line) => process.stdout.write(line),
    (line) => process.stderr.write(`tsbpf load: ${line}\n`),
  );
  let pipe = -1;
  try {
    pipe = openSync(`${tracefsRoot()}/trace_pipe`, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    process.stderr.write(
      `tsbpf load: no trace_pipe (${(err as Error).message}); bpf_printk output will not be shown\n`,
    );
  }
  const buf = Buffer.alloc(64 * 1024);
  process.stderr.write(`streaming${duration === undefined ? ' (Ctrl-C to stop)' : ` for ${duration} s`}…\n`);
  // Until Ctrl-C, SIGTERM, --duration or a closed stdout, as the tracing commands run.
  const end = runSignal(duration);
  end.started();
  const timer = setInterval(() => {
    if (pipe < 0) return;
    for (;;) {
      let n = 0;
      try {
        n = readSync(pipe, buf, 0, buf.length, null);
      } catch {
        break; // EAGAIN: nothing more now
      }
      if (n <= 0) break;
      process.stdout.write(buf.subarray(0, n));
    }
  }, 100);
  await new Promise((resolve) => end.signal.addEventListener('abort', resolve, { once: true }));
  clearInterval(timer);
  end.dispose();
  readers.close();
  if (pipe >= 0) closeSync(pipe);
}
