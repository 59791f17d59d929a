// The verifier's rejection, made readable: the reason in the verifier's own words, the failing
// instruction (by the "N: (xx) ..." line the log prints before it), mapped back to where it was
// written (assembly line:col, builder call site) or disassembled when there is no source.
import { formatInstruction } from '../isa/disassembler.js';
import type { Instruction, SourcePos } from '../isa/instruction.js';
import { errnoName } from './sys/errno.js';

const INSN_LINE = /^(\d+): \(([0-9a-f]{2})\) (.*)$/;
/** Register-state and source-comment lines: context, not a reason. */
const STATE_LINE = /^(\d+: [RF]|from \d+ to \d+: |; |\d+: \(\w+\) )/;
const STATS_LINE = /^(processed \d+ insns|verification time|stack depth|max_states_per_insn)/;
/** Register-state dumps the verifier prints after its reason ("cur state: R0=0 …", "R1=ctx()"). */
const STATE_DUMP = /^((cur|old) state:|frame\d+:|R\d+(_\w+)?=|fp-?\d+=)/;

/** What a verifier log says about where and why it gave up. */
export interface LogFacts {
  /** Slot index of the last instruction the verifier printed (the one it failed on), if any. */
  insnIndex?: number;
  /** The verifier's text for that instruction (after "N: (xx) "). */
  insnText?: string;
  /** The meaningful lines at the end of the log: the reason, without statistics lines. */
  reason: string[];
  /** The verifier's reason line: the last of `reason` that is not a register-state dump. */
  headline?: string;
}

/** Extracts the failing instruction and the reason from a verifier log. */
export function parseVerifierLog(log: string): LogFacts {
  const lines = log.split('\n').map((l) => l.trimEnd());
  let last = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (INSN_LINE.test(lines[i] as string)) {
      last = i;
      break;
    }
  }
  const meaningful = (from: number) =>
    lines
      .slice(from)
      .filter((l) => l !== '' && !STATS_LINE.test(l) && !INSN_LINE.test(l) && !STATE_LINE.test(l));
  let reason = last >= 0 ? meaningful(last + 1) : [];
  if (reason.length === 0) reason = meaningful(0).slice(-3);
  reason = reason.slice(-6);
  const headline = reason.findLast((l) => !STATE_DUMP.test(l)) ?? reason.at(-1);
  if (last < 0) return { reason, headline };
  const m = INSN_LINE.exec(lines[last] as string) as RegExpExecArray;
  return { insnIndex: Number(m[1]), insnText: m[3], reason, headline };
}

/** How the loader maps a slot index back to the program it was given. */
export interface ProgramSource {
  /** The instruction occupying `slot` (lddw's second slot maps to the lddw). */
  instructionAt(slot: number): Instruction | undefined;
}

function where(src: SourcePos): string {
  const file = src.file ? `${src.file}:` : '';
  return `${file}${src.line}:${src.col}`;
}

/** A program the verifier rejected. `log` has the whole log; the message its essence. */
export class VerifierError extends Error {
  override name = 'VerifierError';
  readonly command = 'BPF_PROG_LOAD';
  readonly errno: number;
  readonly code: string;
  /** The complete verifier log (level 1, or the level asked for). */
  readonly log: string;
  /** The verifier's reason, last meaningful lines. */
  readonly reason: string[];
  /** The reason line itself (what the message's first line quotes). */
  readonly headline?: string;
  /** Slot index of the failing instruction, if the log names one. */
  readonly insnIndex?: number;
  /** The failing instruction as we gave it (with its `source` when it has one). */
  readonly instruction?: Instruction;
  /** Where the failing instruction was written, if known. */
  readonly source?: SourcePos;
  /** True if the log was cut short (ENOSPC at the largest buffer we allow). */
  readonly truncated: boolean;

  constructor(
    what: string,
    errno: number,
    log: string,
    program: ProgramSource | undefined,
    truncated = false,
  ) {
    const facts = parseVerifierLog(log);
    const instruction = facts.insnIndex === undefined ? undefined : program?.instructionAt(facts.insnIndex);
    const lines = [
      `verifier rejected ${what} (${errnoName(errno)}): ${facts.headline ?? 'no reason in the log'}`,
    ];
    if (facts.insnIndex !== undefined) {
      const text = instruction ? disassemble(instruction) : facts.insnText;
      const src = instruction?.source;
      const at = src ? ` at ${where(src)}${src.text ? `: ${src.text.trim()}` : ''}` : '';
      lines.push(`  failing instruction ${facts.insnIndex}: ${text}${at}`);
    }
    if (facts.reason.length > 1)
      lines.push('  verifier log (last lines):', ...facts.reason.map((l) => `    ${l}`));
    if (truncated) lines.push('  (log truncated)');
    super(lines.join('\n'));
    this.errno = errno;
    this.code = errnoName(errno);
    this.log = log;
    this.reason = facts.reason;
    if (facts.headline !== undefined) this.headline = facts.headline;
    if (facts.insnIndex !== undefined) this.insnIndex = facts.insnIndex;
    if (instruction) this.instruction = instruction;
    if (instruction?.source) this.source = instruction.source;
    this.truncated = truncated;
  }
}

function disassemble(ins: Instruction): string {
  try {
    return formatInstruction(ins).split('\n')[0] as string;
  } catch {
    return `code 0x${ins.code.toString(16)} dst r${ins.dst} src r${ins.src} off ${ins.off} imm ${ins.imm}`;
  }
}
