// Differential tests against LLVM 19 (goldens made by scripts/isa-goldens.sh; LLVM is not run here).
//  1. Our disassembly of each encoding equals llvm-objdump-19's text, except the documented cases
//     where LLVM's text is lossy or LLVM 19 predates the encoding (see KNOWN_DIFFERENCES).
//  2. Our assembly of llvm-objdump-19's text equals llvm-mc-19's encoding of the same text.
//  3. Our own text assembles back to the original bytes, for every encoding.
//  4. Hand-written LLVM syntax assembles to llvm-mc-19's bytes.
import { readFileSync } from 'node:fs';
import {
  assemble,
  classify,
  decode,
  encode,
  formatInstruction,
  type Instruction,
  instructionProblem,
} from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

const FIX = new URL('../fixtures/isa/', import.meta.url);
const rows = readFileSync(new URL('llvm19-goldens.tsv', FIX), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [bytes, text, reencoded, source] = l.split('\t');
    return { bytes, text: text.replace(/\\t/g, '\t'), reencoded, source };
  });

const hexBytes = (h: string) => Uint8Array.from(h.match(/../g)!, (b) => Number.parseInt(b, 16));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const rel = (v: number) => (v < 0 ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`);
const hex = (v: number) => (v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);

/**
 * Where we print something other than llvm-objdump-19, on purpose. Each returns the text we
 * expect instead of LLVM's, or undefined when the case does not apply.
 */
const KNOWN_DIFFERENCES: {
  name: string;
  why: string;
  expect: (ins: Instruction, llvm: string) => string | undefined;
}[] = [
  {
    name: 'local call',
    why: "LLVM prints a bpf-to-bpf call (src=1) as `call 0x5`, the same as helper 5; we print `call pc+0x5` (the verifier's form) so the text keeps src",
    expect: (ins) => (ins.code === 0x85 && ins.src === 1 ? `call pc${rel(ins.imm)}` : undefined),
  },
  {
    name: 'kfunc call',
    why: 'LLVM prints a kfunc call (src=2) as `call 0x4d`, dropping src and off; we print `call kfunc 0x4d[, off]`',
    expect: (ins) =>
      ins.code === 0x85 && ins.src === 2
        ? `call kfunc ${hex(ins.imm)}${ins.off ? `, ${hex(ins.off)}` : ''}`
        : undefined,
  },
  {
    name: 'ld_pseudo second imm',
    why: "LLVM prints `ld_pseudo r1, src, imm` and drops the second slot's imm (the map_value offset); we append it when non-zero",
    expect: (ins, llvm) =>
      ins.code === 0x18 && ins.src !== 0 && ins.imm2
        ? `${llvm}, 0x${(ins.imm2 >>> 0).toString(16)}`
        : undefined,
  },
  {
    name: 'indirect packet load imm',
    why: 'LLVM prints an LD_IND as `skb[r1]` and drops its imm; we print `skb[r1 + 0x4]`',
    expect: (ins, llvm) =>
      (ins.code & 0xe7) === 0x40 && ins.imm !== 0
        ? llvm.replace(/\]$/, ` ${ins.imm < 0 ? '-' : '+'} ${hex(Math.abs(ins.imm))}]`)
        : undefined,
  },
  {
    name: 'forms the kernel always rejects',
    why: "out-of-range shift immediates and division by the constant 0 are valid RFC 9669 encodings that every kernel verifier refuses; LLVM writes them, we print `.8byte` with LLVM's text and the kernel's reason (the assembler refuses that text, so `.8byte` is what reassembles)",
    expect: (ins, llvm) => {
      const problem = instructionProblem(ins);
      if (problem?.severity !== 'kernel' || problem.llvmForm) return undefined;
      const lo = BigInt(
        ((ins.code & 0xff) | (ins.dst << 8) | (ins.src << 12) | ((ins.off & 0xffff) << 16)) >>> 0,
      );
      const word = (BigInt(ins.imm >>> 0) << 32n) | lo;
      return `.8byte 0x${word.toString(16).padStart(16, '0')} ; ${llvm} is rejected by the kernel: ${problem.message}`;
    },
  },
  {
    name: 'load-acquire / store-release',
    why: 'LLVM 19 predates these: it prints <unknown> for 8/16-bit ones and misreads 32/64-bit load-acquire (imm 0x100) as `lock … +=`, ignoring imm above 0xff; we print the syntax LLVM 20 introduced',
    expect: (ins) => {
      if ((ins.code & 0xe7) !== 0xc3 || (ins.imm !== 0x100 && ins.imm !== 0x110)) return undefined;
      return formatInstruction(ins); // compared with the LLVM 20 forms in isa-text.test.ts
    },
  },
];

describe('disassembler vs llvm-objdump-19', () => {
  it('goldens cover the conformance encodings and a random sample', () => {
    expect(rows.filter((r) => r.source === 'conformance').length).toBeGreaterThan(500);
    expect(rows.filter((r) => r.source === 'random').length).toBeGreaterThanOrEqual(6000);
  });

  it('prints what LLVM prints for every valid encoding (known differences aside)', () => {
    const mismatches: string[] = [];
    const counts = new Map<string, number>();
    let compared = 0;
    for (const r of rows) {
      const [ins, ...rest] = decode(hexBytes(r.bytes));
      if (rest.length > 0 || classify(ins).kind === 'invalid') continue;
      const ours = formatInstruction(ins);
      const diff = KNOWN_DIFFERENCES.find((k) => k.expect(ins, r.text) !== undefined);
      const expected = diff ? diff.expect(ins, r.text)! : r.text;
      if (diff) counts.set(diff.name, (counts.get(diff.name) ?? 0) + 1);
      compared++;
      if (ours !== expected) mismatches.push(`${r.bytes}: ours '${ours}' llvm '${r.text}'`);
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(3000);
    // Every listed difference actually occurs in the sample (no stale entries).
    for (const k of KNOWN_DIFFERENCES) expect(counts.get(k.name) ?? 0, k.name).toBeGreaterThan(0);
  });

  it('prints rejected encodings as .8byte with the reason', () => {
    let n = 0;
    for (const r of rows) {
      const [ins, ...rest] = decode(hexBytes(r.bytes));
      const d = classify(ins);
      if (rest.length > 0 || d.kind !== 'invalid') continue;
      n++;
      expect(formatInstruction(ins).startsWith('.8byte 0x')).toBe(true);
      expect(formatInstruction(ins)).toContain(`; invalid: ${d.reason}`);
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe('assembler vs llvm-mc-19', () => {
  it("assembles llvm-objdump-19's text to llvm-mc-19's bytes", () => {
    const mismatches: string[] = [];
    let compared = 0;
    let kernelRejected = 0;
    for (const r of rows) {
      if (r.reencoded === '!' || r.text === '<unknown>') continue;
      // LLVM knows an r11 (its internal register); the ISA has r0-r10, so we reject it on purpose.
      if (/\b[rw]11\b/.test(r.text)) {
        expect(() => assemble(r.text)).toThrow(/register [rw]11 does not exist/);
        continue;
      }
      const problem =
        r.reencoded.length === 16 ? instructionProblem(decode(hexBytes(r.reencoded))[0]) : undefined;
      if (problem?.severity === 'kernel' && !problem.llvmForm) {
        // LLVM assembles these; we refuse them in the kernel's words (see KNOWN_DIFFERENCES).
        expect(() => assemble(r.text)).toThrow(problem.message);
        kernelRejected++;
        continue;
      }
      compared++;
      let ours: string;
      try {
        ours = toHex(encode(assemble(r.text).instructions));
      } catch (e) {
        ours = `error: ${(e as Error).message}`;
      }
      if (ours !== r.reencoded) mismatches.push(`'${r.text}': ours ${ours} llvm ${r.reencoded}`);
    }
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(3000);
    expect(kernelRejected).toBeGreaterThan(10);
  });

  it("writes llvm-mc-19's bytes straight from its rows: one assembly of every accepted line", () => {
    // result.bytes skips the instruction objects; it must be the bytes llvm-mc made, line by line.
    const accepted = rows.filter((r) => {
      if (r.reencoded === '!' || r.text === '<unknown>' || /\b[rw]11\b/.test(r.text)) return false;
      const problem =
        r.reencoded.length === 16 ? instructionProblem(decode(hexBytes(r.reencoded))[0]) : undefined;
      return !(problem?.severity === 'kernel' && !problem.llvmForm);
    });
    const result = assemble(accepted.map((r) => r.text).join('\n'));
    expect(toHex(result.bytes)).toBe(accepted.map((r) => r.reencoded).join(''));
    expect(toHex(encode(result.instructions))).toBe(toHex(result.bytes));
    expect(result.slots * 8).toBe(result.bytes.length);
  });

  it('assembles hand-written LLVM syntax to llvm-mc-19 bytes', () => {
    const lines = readFileSync(new URL('llvm19-syntax.tsv', FIX), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(100);
    for (const l of lines) {
      const [text, bytes] = l.split('\t');
      if (bytes === '!') {
        // LLVM rejects it; we accept it (listed in docs/isa-text.md).
        expect(text).toBe('gotol -100000');
        continue;
      }
      expect(toHex(encode(assemble(text).instructions)), text).toBe(bytes);
    }
  });
});

describe('round trip', () => {
  it('assemble(disassemble(x)) is byte-exact for every golden encoding, valid or not', () => {
    for (const r of rows) {
      const bytes = hexBytes(r.bytes);
      const text = decode(bytes)
        .map((i) => formatInstruction(i))
        .join('\n');
      expect(toHex(encode(assemble(text).instructions)), text).toBe(r.bytes);
    }
  });
});
