// `tsbpf load`: ring buffer and perf buffer records, printed through the object's BTF
// (`ringbuf events: pid=42 comm="bash" seq=3`) when the record type is known, as hex otherwise.
// The type is given with --record MAP=TYPE, or inferred (see ../object/record-type.ts).

import { didYouMean } from '../../btf/nearest.js';
import type { Btf } from '../../btf/parse.js';
import { type BtfValueCodec, btfValueCodec } from '../../btf/value.js';
import type { EventReader } from '../events/reader.js';
import { recordTypes } from '../format/object/record-type.js';
import type { BpfMap } from '../map.js';
import type { ObjectSpec } from '../object.js';

/** A named struct, union or typedef of the object's BTF (`event`, `struct event`). */
function typeByName(btf: Btf, map: string, text: string): number {
  const name = text.replace(/^(struct|union)\s+/, '');
  for (const kind of ['struct', 'union', 'typedef'] as const) {
    const id = btf.findId(name, kind);
    if (id !== undefined) return id;
  }
  const names: string[] = [];
  for (let id = 1; id < btf.typeCount; id++) {
    const t = btf.type(id);
    if ((t.kind === 'struct' || t.kind === 'union') && t.name) names.push(t.name);
  }
  throw new RangeError(
    `--record ${map}=${text}: no struct '${name}' in the object's BTF${didYouMean(name, names)}`,
  );
}

/** How one buffer map's records are printed, and a line saying so. */
export interface RecordDecoding {
  kind: 'ringbuf' | 'perf';
  codec?: BtfValueCodec;
  note: string;
}

const RINGBUF = 27;
const PERF_EVENT_ARRAY = 4;

/** Decides the record type of each ringbuf and perf event array map; checks --record pairs (RangeError). */
export function recordDecodings(
  spec: ObjectSpec,
  overrides: ReadonlyMap<string, string>,
): Map<string, RecordDecoding> {
  const buffers = [...spec.maps.values()].filter((m) => m.type === RINGBUF || m.type === PERF_EVENT_ARRAY);
  for (const name of overrides.keys())
    if (!buffers.some((m) => m.name === name))
      throw new RangeError(
        `--record ${name}=…: no ringbuf or perf event array map '${name}'${didYouMean(
          name,
          buffers.map((m) => m.name),
        )}`,
      );
  const inferred = new Map(recordTypes(spec.maps, spec.programs, spec.btf).map((r) => [r.map, r]));
  const out = new Map<string, RecordDecoding>();
  const btf = spec.btf;
  for (const m of buffers) {
    const kind = m.type === RINGBUF ? 'ringbuf' : 'perf';
    const given = overrides.get(m.name);
    const r = inferred.get(m.name);
    if (given !== undefined) {
      if (!btf) throw new RangeError(`--record ${m.name}=${given}: the object has no BTF (compile with -g)`);
      const codec = btfValueCodec(btf, typeByName(btf, m.name, given));
      out.set(m.name, { kind, codec, note: `${kind} ${m.name}: records as ${codec.typeName} (--record)` });
    } else if (btf && r?.typeId !== undefined) {
      const codec = btfValueCodec(btf, r.typeId);
      out.set(m.name, { kind, codec, note: `${kind} ${m.name}: records as ${codec.typeName} (${r.reason})` });
    } else {
      out.set(m.name, {
        kind,
        note: `${kind} ${m.name}: records in hex: ${r?.reason ?? 'record type unknown'}; name one with --record ${m.name}=STRUCT`,
      });
    }
  }
  return out;
}

/** How each record of one map is printed. */
export function recordPrinter(codec: BtfValueCodec | undefined): (view: DataView) => string {
  return (view) => {
    const n = view.byteLength;
    // Perf samples are padded to 8 bytes; ringbuf records have the size the program gave.
    if (codec && n >= codec.size && n - codec.size < 8) return codec.format(view, 0);
    const hex = Buffer.from(view.buffer, view.byteOffset, n).toString('hex');
    return codec ? `${hex} (${n} bytes, not the ${codec.size} of ${codec.typeName})` : hex;
  };
}

/** The open readers; close() prints what is left in them, reports lost records and closes. */
export interface RecordReaders {
  close(): void;
}

/**
 * Opens a reader per ringbuf and perf event array map, printing each record with `write`;
 * says on `note` how each map's records are decoded.
 */
export async function openRecordReaders(
  maps: ReadonlyMap<string, BpfMap>,
  decodings: ReadonlyMap<string, RecordDecoding>,
  write: (line: string) => void,
  note: (line: string) => void,
): Promise<RecordReaders> {
  const { RingBufReader } = await import('../events/ringbuf.js');
  const { PerfBufReader } = await import('../events/perfbuf.js');
  const readers: {
    reader: EventReader<DataView> & { lost?: number };
    label: string;
    print: (v: DataView) => void;
  }[] = [];
  const close = () => {
    for (const { reader, label, print } of readers) {
      if (reader.closed) continue;
      // Records produced before detach are printed, never dropped on the floor.
      reader.drain(print);
      if (reader.lost) note(`${label}: ${reader.lost} records lost (the perf buffer was full)`);
      reader.close();
    }
  };
  try {
    for (const [name, d] of decodings) {
      const map = maps.get(name);
      if (!map) continue;
      note(d.note);
      const format = recordPrinter(d.codec);
      const label = `${d.kind} ${name}`;
      const print = (rec: DataView) => write(`${label}: ${format(rec)}\n`);
      const reader = d.kind === 'ringbuf' ? RingBufReader.open(map) : PerfBufReader.open(map);
      readers.push({ reader, label, print });
      reader.subscribe(print);
    }
    return { close };
  } catch (err) {
    for (const { reader } of readers) reader.close();
    throw err;
  }
}
