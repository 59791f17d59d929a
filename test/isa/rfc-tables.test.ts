// docs/isa.md against RFC 9669's own opcode list (test/fixtures/isa/rfc9669-opcodes.tsv, the
// IANA registry's initial values): every RFC row is an encoding we accept, in the RFC's
// conformance group; every row of the docs' tables either matches an RFC row and shows its group,
// or is marked as a Linux extension.
import { readFileSync } from 'node:fs';
import { assemble, classify, groupOf, type Instruction } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';

interface RfcRow {
  opcode: number;
  src: number | 'any';
  off: number | 'any';
  imm: number | 'any';
  group: string;
  line: string;
}

const field = (v: string): number | 'any' => (v === 'any' ? 'any' : Number(v));
const rfc: RfcRow[] = readFileSync(new URL('../fixtures/isa/rfc9669-opcodes.tsv', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l && !l.startsWith('#'))
  .map((line) => {
    const [opcode, src, off, imm, group] = line.split('\t');
    return {
      opcode: Number(opcode),
      src: field(src!),
      off: field(off!),
      imm: field(imm!),
      group: group!,
      line,
    };
  })
  // 0x00 is lddw's second slot, not an instruction of its own
  .filter((r) => r.opcode !== 0);

/** A concrete instruction for an RFC row: 'any' becomes a value that fits the form. */
function concrete(r: RfcRow): Instruction {
  const noDst = [0x05, 0x06, 0x85, 0x95, 0x20, 0x28, 0x30, 0x40, 0x48, 0x50].includes(r.opcode);
  const cls = r.opcode & 7;
  const ins: Instruction = {
    code: r.opcode,
    dst: noDst ? 0 : 1,
    src: r.src === 'any' ? 2 : r.src,
    off: r.off === 'any' ? 3 : r.off,
    imm: r.imm === 'any' ? (r.opcode === 0x85 ? 1 : 5) : r.imm,
  };
  if (r.opcode === 0x18) ins.imm2 = 0;
  if (cls === 0x06 && (r.opcode & 0xf0) === 0) ins.off = 0; // gotol: the distance is in imm
  return ins;
}

const matches = (r: RfcRow, i: Instruction): boolean =>
  r.opcode === i.code &&
  (r.src === 'any' || r.src === i.src) &&
  (r.off === 'any' || r.off === i.off) &&
  (r.imm === 'any' || r.imm === i.imm);

/** The docs' table rows: opcode, the LLVM syntax cell, the group cell. */
function docRows(): { text: string; group: string; line: string }[] {
  const doc = readFileSync(new URL('../../docs/isa.md', import.meta.url), 'utf8');
  const out: { text: string; group: string; line: string }[] = [];
  // the instruction tables: from the first of them to the interpreter's model
  const tables = doc.slice(doc.indexOf('\n## Arithmetic'), doc.indexOf("\n## The interpreter's model"));
  for (const line of tables.split('\n')) {
    if (!/^\| 0x[0-9a-f]{2} \|/.test(line)) continue;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    const text = cells.find((c) => c.startsWith('`'));
    if (!text) continue;
    out.push({ text: text.slice(1, -1), group: cells.at(-2)!, line });
  }
  return out;
}

describe('RFC 9669 opcode list', () => {
  it('has the rows the RFC has (168 in its table, plus the 3 sign-extension loads of §5.2)', () => {
    expect(rfc).toHaveLength(167 + 3);
  });

  it('every RFC encoding is valid here and in the RFC’s conformance group', () => {
    const wrong: string[] = [];
    for (const r of rfc) {
      const ins = concrete(r);
      const d = classify(ins);
      if (d.kind === 'invalid') wrong.push(`${r.line}: invalid here: ${d.reason}`);
      else if (groupOf(ins) !== r.group) wrong.push(`${r.line}: group ${groupOf(ins)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('docs/isa.md against RFC 9669', () => {
  const rows = docRows();

  it('each table row shows the RFC’s group, or is marked a Linux extension', () => {
    expect(rows.length).toBeGreaterThan(150);
    const wrong: string[] = [];
    for (const row of rows) {
      const ins = assemble(row.text).instructions[0]!;
      const match = rfc.find((r) => matches(r, ins));
      const want = match ? match.group : 'Linux ext.';
      if (row.group !== want) wrong.push(`${row.line} → want ${want}`);
    }
    expect(wrong).toEqual([]);
  });

  it('every RFC row is shown by some table row', () => {
    const shown = rows.map((row) => assemble(row.text).instructions[0]!);
    const missing = rfc.filter((r) => !shown.some((i) => matches(r, i))).map((r) => r.line);
    expect(missing).toEqual([]);
  });

  it('the Linux extensions shown are the ones the issue names: may_goto, callx, load-acquire/store-release, addr_space_cast', () => {
    const ext = rows
      .filter((r) => r.group === 'Linux ext.')
      .map((r) => r.text.replace(/[rw]\d/g, 'R').split(/[ (]/)[0]);
    const kinds = new Set(
      rows
        .filter((r) => r.group === 'Linux ext.')
        .map((r) => classify(assemble(r.text).instructions[0]!).kind),
    );
    expect([...kinds].sort()).toEqual(['addr_space_cast', 'atomic', 'callx', 'may_goto']);
    expect(ext.length).toBe(1 + 1 + 8 + 1); // may_goto, callx, 4 load-acquire + 4 store-release, addr_space_cast
  });
});
