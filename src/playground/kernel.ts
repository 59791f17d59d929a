// What `tsbpf playground` does in the kernel for the page: load the program the way the
// conformance suite's runner does (as a subprogram of a small XDP stub that stores the full
// 64-bit r0 in a map, r1/r2 = the input memory like the interpreter), run it once with
// BPF_PROG_TEST_RUN, or return the verifier's log with each line placed at its source line.

import {
  AssemblerError,
  assemble,
  type Dialect,
  formatDiagnostic,
  helperId,
  type Instruction,
  programSlots,
} from '../../isa/index.js';
import { u32, u64 } from '../codec.js';
import { stub } from '../conformance-kernel.js';
import { BpfMap } from '../map.js';
import { Program } from '../program.js';
import type { MapTypeName } from '../sys/types.js';
import { VerifierError } from '../verifier.js';

export interface MapRequest {
  readonly name: string;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

export interface LoadRequest {
  readonly source: string;
  readonly dialect: Dialect;
  /** Input memory (r1 = its address, r2 = its length). */
  readonly mem: Uint8Array;
  readonly maps: readonly MapRequest[];
}

export interface LogLine {
  readonly text: string;
  /** Slot in the user's program the line is about (undefined: the stub's, or no slot). */
  readonly slot?: number;
  readonly line?: number;
}

export type LoadReply =
  | { accepted: true; verifiedInsns: number; r0: string; progType: string; log: LogLine[] }
  | { accepted: false; code: string; reason: string[]; log: LogLine[]; failingLine?: number }
  | { error: string };

/** Map types a playground program may declare (what the interpreter also models). */
const MAP_TYPES: ReadonlySet<string> = new Set(['hash', 'array', 'percpu_hash', 'percpu_array', 'lru_hash']);
const RESULT_MAP = '__playground_r0';
/** Limits on what one request may ask the kernel for. */
export const LIMITS = {
  instructions: 4096,
  maps: 8,
  maxEntries: 65536,
  keySize: 512,
  valueSize: 4096,
  mem: 4096,
};

function checkMaps(maps: readonly MapRequest[]): string | undefined {
  if (maps.length > LIMITS.maps) return `at most ${LIMITS.maps} maps`;
  for (const m of maps) {
    if (!/^[A-Za-z_][\w.]{0,14}$/.test(m.name)) return `map name '${m.name}': up to 15 of [A-Za-z0-9_.]`;
    if (!MAP_TYPES.has(m.type)) return `map ${m.name}: type must be one of ${[...MAP_TYPES].join(', ')}`;
    const sizes: [string, number, number][] = [
      ['keySize', m.keySize, LIMITS.keySize],
      ['valueSize', m.valueSize, LIMITS.valueSize],
      ['maxEntries', m.maxEntries, LIMITS.maxEntries],
    ];
    for (const [what, v, max] of sizes)
      if (!Number.isInteger(v) || v < 1 || v > max) return `map ${m.name}: ${what} must be 1..${max}`;
  }
  return undefined;
}

const LOG_HEAD = 100;
const LOG_TAIL = 300;

/** Places each log line at the user's slot it is about ("N: …" lines; others follow the last). */
export function alignLog(
  log: string,
  stubSlots: number,
  lineOfSlot: (slot: number) => number | undefined,
): LogLine[] {
  const out: LogLine[] = [];
  let slot: number | undefined;
  for (const text of log.split('\n')) {
    if (text.trim() === '') continue;
    const m = /^\s*(\d+): /.exec(text);
    if (m) slot = Number(m[1]) - stubSlots;
    const mine = slot !== undefined && slot >= 0 ? slot : undefined;
    out.push(mine === undefined ? { text } : { text, slot: mine, line: lineOfSlot(mine) });
  }
  // An endless loop logs a million lines: the start and the end say what happened.
  if (out.length <= LOG_HEAD + LOG_TAIL) return out;
  const cut = out.length - LOG_HEAD - LOG_TAIL;
  return [...out.slice(0, LOG_HEAD), { text: `… ${cut} lines left out …` }, ...out.slice(-LOG_TAIL)];
}

/** Assembles, loads and test-runs one program; never throws for a bad program (returns {error}). */
export function loadAndRun(req: LoadRequest): LoadReply {
  let program: Instruction[];
  try {
    program = assemble(req.source, { dialect: req.dialect, resolveHelper: helperId }).instructions;
  } catch (e) {
    if (e instanceof AssemblerError) return { error: e.diagnostics.map(formatDiagnostic).join('\n') };
    throw e;
  }
  if (program.length === 0) return { error: 'the program is empty' };
  if (programSlots(program) > LIMITS.instructions)
    return { error: `at most ${LIMITS.instructions} instructions` };
  if (req.mem.length > LIMITS.mem) return { error: `input memory: at most ${LIMITS.mem} bytes` };
  const bad = checkMaps(req.maps);
  if (bad) return { error: bad };

  const slotLines: number[] = [];
  for (const ins of program)
    for (let i = 0; i < (ins.code === 0x18 && ins.imm2 !== undefined ? 2 : 1); i++)
      slotLines.push(ins.source?.line ?? 0);
  const prefix = stub(req.mem.length > 0 ? req.mem.length : undefined, RESULT_MAP);
  const stubSlots = programSlots(prefix);

  const maps: { close(): void }[] = [];
  try {
    const result = BpfMap.create({ type: 'array', key: u32, value: u64, maxEntries: 1, name: 'pg_result' });
    maps.push(result);
    const byName: Record<string, { readonly fd: number }> = { [RESULT_MAP]: result };
    for (const m of req.maps) {
      const map = BpfMap.create({
        type: m.type as MapTypeName,
        key: m.keySize,
        value: m.valueSize,
        maxEntries: m.maxEntries,
        name: m.name,
      });
      maps.push(map);
      byName[m.name] = map;
    }
    let prog: Program;
    let acceptedLog = '';
    try {
      prog = Program.load({
        type: 'xdp',
        expectedAttachType: 'xdp',
        name: 'playground',
        instructions: [...prefix, ...program],
        maps: byName,
        // Level 2: every instruction with the register state the verifier saw, for accepted
        // programs too; and a rejection for size (E2BIG, an endless loop) still has its log.
        logLevel: 2,
        onLog: (text) => {
          acceptedLog = text;
        },
      });
    } catch (e) {
      if (!(e instanceof VerifierError)) throw e;
      const failing = e.insnIndex === undefined ? undefined : e.insnIndex - stubSlots;
      const failingLine = failing !== undefined && failing >= 0 ? slotLines[failing] || undefined : undefined;
      return {
        accepted: false,
        code: e.code,
        reason: e.reason,
        log: alignLog(e.log, stubSlots, (s) => slotLines[s] || undefined),
        ...(failingLine ? { failingLine } : {}),
      };
    }
    using loaded = prog;
    const data = new Uint8Array(Math.max(14, req.mem.length));
    data.set(req.mem);
    loaded.testRun({ data, dataSizeOut: data.length + 256 });
    const r0 = result.get(0) ?? 0n;
    return {
      accepted: true,
      verifiedInsns: loaded.info().verifiedInsns,
      r0: `0x${r0.toString(16)}`,
      progType: 'a subprogram of an XDP stub',
      log: alignLog(acceptedLog, stubSlots, (s) => slotLines[s] || undefined),
    };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    for (const m of maps) m.close();
  }
}
