// The page's pure parts, in Node: the debugger's history (back is exact), the field explanation
// of every conformance program's instructions, and the verifier-log alignment.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, conformanceProgram, encode, Interpreter, parseConformanceTest } from 'tsbpf/isa';
import { describe, expect, it } from 'vitest';
import { explain } from '../../playground/fields.js';
import { highlightLine } from '../../playground/highlight.js';
import { Session } from '../../playground/session.js';
import { alignLog } from '../../src/playground/kernel.js';

describe('debugger session', () => {
  const program = assemble(`
    r1 = 0x11223344 ll
    r2 = 0
  loop:
    *(u32 *)(r10 - 8) = r1
    r1 += 1
    r2 += 1
    if r2 < 3 goto loop
    r0 = *(u32 *)(r10 - 8)
    exit
  `).instructions;

  it('steps forward as the interpreter traces, and back to the same states', () => {
    const trace = [...new Interpreter(program).trace()];
    const s = new Session(program, new Uint8Array(0));
    const seen: string[] = [];
    const snap = () => JSON.stringify([s.state.regs.map(String), [...s.state.stacks[0].subarray(500)]]);
    seen.push(snap());
    for (const step of trace) {
      expect(s.pc).toBe(step.pc);
      expect(s.step()).toBe(true);
      for (const r of step.registers) expect(s.state.regs[r.reg]).toBe(r.after);
      seen.push(snap());
    }
    expect(s.step()).toBe(false);
    expect(s.outcome).toMatchObject({ kind: 'exit', result: { r0: 0x11223346n } });
    for (let k = trace.length - 1; k >= 0; k--) {
      expect(s.back()).toBe(true);
      expect(snap(), `back to ${k} steps`).toBe(seen[k]);
    }
    expect(s.back()).toBe(false);
    s.goto(3);
    // The store just executed marks its four bytes; they differ from the start too.
    expect([...(s.lastWrites().get(2) ?? [])]).toEqual([504, 505, 506, 507]);
    expect(s.changedSinceStart().get(2)?.size).toBe(4);
  });

  it('stops at a breakpoint line, and reports a fault with its pc', () => {
    const s = new Session(program, new Uint8Array(0));
    const lines = [2, 2, 3, 5, 6, 7, 8, 9, 10]; // by slot: lddw takes two
    s.run(new Set([9]), (pc) => lines[pc]);
    expect(s.pc).toBe(7);
    const bad = new Session(assemble('r0 = *(u32 *)(r1 + 0)\nexit').instructions, new Uint8Array(0));
    expect(bad.outcome).toMatchObject({ kind: 'fault', fault: { pc: 0, kind: 'null_pointer' } });
  });
});

describe('field explanation', () => {
  it('splits every conformance instruction into fields that cover its bytes', () => {
    const dir = '/work/shared/conformance/tests';
    let count = 0;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.data'))) {
      for (const ins of conformanceProgram(parseConformanceTest(f, readFileSync(join(dir, f), 'utf8')))) {
        const e = explain(ins);
        expect(e.bytes).toEqual(encode([ins]));
        const covered = new Set(
          e.fields.flatMap((x) => Array.from({ length: x.to - x.from }, (_, i) => x.from + i)),
        );
        expect(covered.size).toBe(e.bytes.length === 16 ? 12 : 8);
        expect(e.semantics).not.toBe('');
        count++;
      }
    }
    expect(count).toBeGreaterThan(1000);
  });

  it('names class, operation and source of an ALU instruction from the opcode tables', () => {
    const [ins] = assemble('w3 -= w4').instructions;
    const code = explain(ins).fields[0];
    expect(code.value).toBe('0x1c = 0001 1100');
    expect(code.meaning).toBe(
      'class ALU (bits 0-2 = 4) · source X: a register (bit 3) · operation sub (bits 4-7 = 0x10)',
    );
  });
});

describe('verifier log alignment', () => {
  it('places each line at the source line of its slot, past the stub', () => {
    const log = [
      'func#0 @0',
      '0: R1=ctx() R10=fp0',
      '0: (85) call pc+4',
      '5: (b7) r0 = 1',
      '  5: ....',
      'R0 !read_ok',
      '',
    ].join('\n');
    expect(alignLog(log, 5, (slot) => slot + 10)).toEqual([
      { text: 'func#0 @0' },
      { text: '0: R1=ctx() R10=fp0' },
      { text: '0: (85) call pc+4' },
      { text: '5: (b7) r0 = 1', slot: 0, line: 10 },
      { text: '  5: ....', slot: 0, line: 10 },
      { text: 'R0 !read_ok', slot: 0, line: 10 },
    ]);
  });
});

describe('highlighting', () => {
  it('colours both dialects and underlines an error range', () => {
    expect(highlightLine('call bpf_map_lookup_elem#1 ; c', 'llvm')).toBe(
      '<span class="t-kw">call</span> bpf_map_lookup_elem#<span class="t-num">1</span> <span class="t-cm">; c</span>',
    );
    expect(highlightLine('ldxw %r0, [%r1+4] # c', 'ubpf')).toBe(
      '<span class="t-mn">ldxw</span> <span class="t-reg">%r0</span>, [<span class="t-reg">%r1</span>+<span class="t-num">4</span>] <span class="t-cm"># c</span>',
    );
    expect(highlightLine('r0 = r12', 'llvm', [[5, 8, 'bad <register>']])).toBe(
      // r12 is no register: 'r' stays plain and '12' reads as a number, both underlined.
      '<span class="t-reg">r0</span> = <span class="squiggle" title="bad &lt;register&gt;">r</span><span class="squiggle" title="bad &lt;register&gt;"><span class="t-num">12</span></span>',
    );
  });
});
