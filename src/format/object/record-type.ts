// Which struct a ring or perf buffer carries. libbpf objects do not say: a BPF_MAP_TYPE_RINGBUF
// or PERF_EVENT_ARRAY definition has no value type. What the object does say is the record size
// each program passes to bpf_ringbuf_reserve/_output or bpf_perf_event_output (a constant the
// compiler loads right before the call), and which structs its BTF holds: a struct nothing else
// names is kept in the BTF by a dummy global (`const struct event *unused __attribute__((unused));`).
// A size that matches exactly one struct (or one such dummy-kept struct) names the record type.
import type { Btf } from '../../../btf/parse.js';
import type { BtfType } from '../../../btf/types.js';
import type { Instruction } from '../../../isa/index.js';
import type { MapSpec, ProgramSpec } from './spec.js';

/** Helper ids and the argument registers holding the map and the record size. */
const OUTPUT_HELPERS = new Map<number, { name: string; map: number; size: number }>([
  [25, { name: 'bpf_perf_event_output', map: 2, size: 5 }],
  [130, { name: 'bpf_ringbuf_output', map: 1, size: 3 }],
  [131, { name: 'bpf_ringbuf_reserve', map: 1, size: 2 }],
  [198, { name: 'bpf_ringbuf_reserve_dynptr', map: 1, size: 2 }],
]);

const RINGBUF = 27;
const PERF_EVENT_ARRAY = 4;

/** The decided record type of one buffer map, or why there is none. */
export interface RecordType {
  map: string;
  /** The struct's id in the object's BTF; undefined when undecided. */
  typeId?: number;
  typeName?: string;
  /** Record sizes the programs pass (empty when not constant). */
  sizes: number[];
  /** How it was decided, or why not: one line for the user. */
  reason: string;
}

type RegValue = { kind: 'const'; value: number } | { kind: 'map'; name: string } | undefined;

const CLASS = (code: number) => code & 7;
const LD = 0;
const LDX = 1;
const ALU = 4;
const ALU64 = 7;
const JMP = 5;

/** What register `reg` holds before instruction `at`, by walking back over straight-line code. */
function valueBefore(insns: Instruction[], at: number, reg: number, budget = 64): RegValue {
  for (let i = at - 1; i >= 0 && i >= at - budget; i--) {
    const ins = insns[i] as Instruction;
    const cls = CLASS(ins.code);
    if (cls === JMP && (ins.code & 0xf0) === 0x80) return undefined; // a call clobbers r0-r5
    if (ins.dst !== reg || !(cls === LD || cls === LDX || cls === ALU || cls === ALU64)) continue;
    if (ins.code === 0x18 && ins.ref?.kind === 'map') return { kind: 'map', name: ins.ref.name };
    if (ins.code === 0xb7 || ins.code === 0xb4) return { kind: 'const', value: ins.imm };
    if (ins.code === 0xbf && ins.off === 0) return valueBefore(insns, i, ins.src, budget - (at - i));
    return undefined;
  }
  return undefined;
}

/** Constant record sizes passed for each map, from every program's output-helper calls. */
export function outputSizes(programs: readonly ProgramSpec[]): Map<string, Set<number | 'dynamic'>> {
  const out = new Map<string, Set<number | 'dynamic'>>();
  for (const p of programs) {
    p.instructions.forEach((ins, i) => {
      if (ins.code !== 0x85 || ins.src !== 0) return;
      const h = OUTPUT_HELPERS.get(ins.imm);
      if (!h) return;
      const map = valueBefore(p.instructions, i, h.map);
      if (map?.kind !== 'map') return;
      const size = valueBefore(p.instructions, i, h.size);
      let set = out.get(map.name);
      if (!set) {
        set = new Set();
        out.set(map.name, set);
      }
      set.add(size?.kind === 'const' ? size.value : 'dynamic');
    });
  }
  return out;
}

/** Named structs and unions of a size, and those a global variable keeps in the BTF (directly or by pointer). */
function candidates(btf: Btf, size: number): { all: BtfType[]; kept: BtfType[] } {
  const all: BtfType[] = [];
  for (let id = 1; id < btf.typeCount; id++) {
    const t = btf.type(id);
    if ((t.kind === 'struct' || t.kind === 'union') && t.name !== '' && t.size === size) all.push(t);
  }
  const ids = new Set(all.map((t) => t.id));
  const kept: BtfType[] = [];
  for (let id = 1; id < btf.typeCount && all.length > 1; id++) {
    const v = btf.type(id);
    if (v.kind !== 'var') continue;
    let t = btf.type(v.type);
    for (let depth = 0; depth < 8 && 'type' in t && t.kind !== 'array'; depth++) t = btf.type(t.type);
    if (ids.has(t.id) && !kept.includes(t)) kept.push(t);
  }
  return { all, kept };
}

/** The record type of every ringbuf and perf event array map of an object. */
export function recordTypes(
  maps: ReadonlyMap<string, MapSpec>,
  programs: readonly ProgramSpec[],
  btf: Btf | undefined,
): RecordType[] {
  const sizes = outputSizes(programs);
  const out: RecordType[] = [];
  for (const m of maps.values()) {
    if (m.type !== RINGBUF && m.type !== PERF_EVENT_ARRAY) continue;
    const seen = [...(sizes.get(m.name) ?? [])];
    const constant = seen.filter((s): s is number => s !== 'dynamic');
    const r: RecordType = { map: m.name, sizes: constant, reason: '' };
    out.push(r);
    if (!btf) {
      r.reason = 'the object has no BTF (compile with -g)';
      continue;
    }
    if (seen.length === 0) {
      r.reason = 'no program writes it with a constant size';
      continue;
    }
    if (seen.includes('dynamic') || constant.length !== 1) {
      r.reason = `programs write records of ${seen.join(', ').replace('dynamic', 'a computed size')} bytes`;
      continue;
    }
    const size = constant[0] as number;
    const { all, kept } = candidates(btf, size);
    const pick = all.length === 1 ? all : kept.length === 1 ? kept : [];
    const chosen = pick[0];
    if (chosen) {
      r.typeId = chosen.id;
      r.typeName = `${chosen.kind} ${chosen.name}`;
      r.reason = `${size}-byte records, the size of ${r.typeName}`;
    } else if (all.length === 0) {
      r.reason = `no struct of ${size} bytes in the object's BTF (keep one there with \`const struct NAME *unused __attribute__((unused));\`)`;
    } else {
      r.reason = `${size} bytes fits ${all.map((t) => `${t.kind} ${t.name}`).join(', ')}: ambiguous`;
    }
  }
  return out;
}
