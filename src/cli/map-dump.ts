// `tsbpf map dump ID|NAME [--json]`: every entry of a loaded map, like `bpftool map dump`. A map
// created with BTF (a clang object's maps, a map given key/value types) is printed as C values
// (`key: 3  value: {pid=42 comm="bash"}`), otherwise as hex bytes; --json gives bpftool's shape
// (`key`/`value` as hex byte strings, `formatted` with the BTF values).
import { Btf } from '../../btf/parse.js';
import { type BtfValueCodec, btfValueCodec } from '../../btf/value.js';
import { KernelBtf } from '../btf-object.js';
import { closeRawFd } from '../fd.js';
import { MAP_OBJECTS, objectIds, openObjectById } from '../kernel-object.js';
import { BpfMap } from '../map.js';
import { readMapInfo } from '../sys/attrs/info.js';
import { BpfError, Errno } from '../sys/errno.js';
import { command } from './command.js';
import { stringify } from './show.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf map dump ID|NAME [--json]

Prints every entry of a loaded BPF map, given by kernel id or by name ('tsbpf show maps' lists
both), like 'bpftool map dump'. Keys and values are printed as C values when the map has BTF,
else as hex bytes; per-CPU maps print one value per CPU.
  --json       one JSON array of {key, value, formatted}, as 'bpftool -j map dump' writes it
  -h, --help   show this help
`;

/** Map types with no key/value iteration from user space. */
const NOT_DUMPABLE = new Set([
  'ringbuf',
  'user_ringbuf',
  'perf_event_array',
  'struct_ops',
  'arena',
  'bloom_filter',
  'queue',
  'stack',
]);

export const run = command({
  help: HELP,
  options: { json: { type: 'boolean' } },
  async run(values, positionals) {
    const [sub, target, ...rest] = positionals;
    if (sub !== 'dump')
      throw new UsageError(sub ? `unknown subcommand '${sub}' (dump)` : 'expected a subcommand: dump');
    if (target === undefined) throw new UsageError('map dump needs a map id or name');
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}' (see --help)`);
    const id = /^\d+$/.test(target) ? Number(target) : idOfName(target);
    const info = (() => {
      try {
        return openObjectById(MAP_OBJECTS, id, (fd) => {
          try {
            return readMapInfo(fd);
          } finally {
            closeRawFd(fd);
          }
        });
      } catch (err) {
        if (err instanceof BpfError && err.errno === Errno.ENOENT) throw new Error(`no map with id ${id}`);
        throw err;
      }
    })();
    if (NOT_DUMPABLE.has(info.typeName))
      throw new Error(`map ${id} ('${info.name}') is a ${info.typeName}: it has no entries to dump`);
    const perCpu = /percpu/.test(info.typeName);
    using map = BpfMap.fromId(id, { perCpu } as { perCpu: false });
    const codecs = btfCodecs(info.btfId, info.btfKeyTypeId, info.btfValueTypeId);
    const rows: Record<string, unknown>[] = [];
    const lines: string[] = [];
    for (const [k, v] of map.entries()) {
      const key = Buffer.from(k as Uint8Array);
      const vals = perCpu
        ? (v as unknown as Uint8Array[]).map((x) => Buffer.from(x))
        : [Buffer.from(v as Uint8Array)];
      if (values.json) {
        const row: Record<string, unknown> = { key: hexBytes(key) };
        if (perCpu) row.values = vals.map((x, cpu) => ({ cpu, value: hexBytes(x) }));
        else row.value = hexBytes(vals[0] as Buffer);
        if (codecs) {
          const fk = codecs.key.decode(view(key), 0);
          row.formatted = perCpu
            ? { key: fk, values: vals.map((x, cpu) => ({ cpu, value: codecs.value.decode(view(x), 0) })) }
            : { key: fk, value: codecs.value.decode(view(vals[0] as Buffer), 0) };
        }
        rows.push(row);
      } else {
        const showKey = codecs ? codecs.key.format(view(key), 0) : hexText(key);
        const show = (x: Buffer) => (codecs ? codecs.value.format(view(x), 0) : hexText(x));
        if (perCpu)
          lines.push(`key: ${showKey}\n${vals.map((x, cpu) => `\tcpu${cpu}: ${show(x)}`).join('\n')}`);
        else lines.push(`key: ${showKey}  value: ${show(vals[0] as Buffer)}`);
      }
    }
    if (values.json) process.stdout.write(`${stringify(rows)}\n`);
    else {
      for (const l of lines) process.stdout.write(`${l}\n`);
      process.stdout.write(`Found ${lines.length} element${lines.length === 1 ? '' : 's'}\n`);
    }
    return 0;
  },
});

/** The id of the one map named `name`; an error naming the ids if several have that name. */
function idOfName(name: string): number {
  const found: number[] = [];
  for (const id of objectIds(MAP_OBJECTS)) {
    try {
      const n = openObjectById(MAP_OBJECTS, id, (fd) => {
        try {
          return readMapInfo(fd).name;
        } finally {
          closeRawFd(fd);
        }
      });
      if (n === name) found.push(id);
    } catch (err) {
      if (!(err instanceof BpfError && err.errno === Errno.ENOENT)) throw err;
    }
  }
  if (found.length === 0) throw new Error(`no map named '${name}' (tsbpf show maps lists them)`);
  if (found.length > 1)
    throw new Error(`${found.length} maps are named '${name}' (ids ${found.join(', ')}): give an id`);
  return found[0] as number;
}

/** Key and value codecs from the map's BTF, or undefined when it has none (or they do not fit). */
function btfCodecs(
  btfId: number,
  keyId: number,
  valueId: number,
): { key: BtfValueCodec; value: BtfValueCodec } | undefined {
  if (!btfId || !valueId) return undefined;
  using kb = KernelBtf.fromId(btfId);
  const btf = Btf.parse(kb.bytes);
  try {
    // A map whose BTF names no key type (keyless types) keys by u32 bytes in hex.
    if (!keyId) return undefined;
    return { key: btfValueCodec(btf, keyId), value: btfValueCodec(btf, valueId) };
  } catch {
    return undefined;
  }
}

const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const hexBytes = (b: Buffer) => [...b].map((x) => `0x${x.toString(16).padStart(2, '0')}`);
const hexText = (b: Buffer) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(' ');
