// HTML for the panels: the instruction list (bytes coloured by field, disassembly), the field
// explanation of one instruction, registers, and memory dumps with changed bytes marked.

import { formatInstruction, helperName, type Instruction } from '../isa/index.js';
import type { Compiled } from './compile.js';
import { explain, fieldOfByte, opcodeBits } from './fields.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const h2 = (b: number): string => b.toString(16).padStart(2, '0');

export function disasm(ins: Instruction): string {
  return formatInstruction(ins, {
    helperName: (id) => (helperName(id) ? `bpf_${helperName(id)}` : undefined),
  });
}

/** One row per instruction: slot, bytes (per field), disassembly, source line. */
export function instructionRows(c: Compiled, pc: number | undefined, selected: number | undefined): string {
  return c.instructions
    .map((ins, i) => {
      const slot = c.slotOf[i];
      const { bytes } = explain(ins);
      const spans = Array.from(bytes, (b, k) => `<span class="f-${fieldOfByte(k)}">${h2(b)}</span>`);
      const byteHtml =
        spans.length > 8 ? `${spans.slice(0, 8).join(' ')}<br>${spans.slice(8).join(' ')}` : spans.join(' ');
      const cls = ['insn', slot === pc ? 'pc' : '', i === selected ? 'sel' : ''].filter(Boolean).join(' ');
      const line = c.lineOfSlot[slot];
      return `<tr class="${cls}" data-index="${i}" data-slot="${slot}"><td class="slot">${slot}</td><td class="bytes">${byteHtml}</td><td class="dis">${esc(disasm(ins)).replace(/\n/g, '<br>')}</td><td class="src">${line || ''}</td></tr>`;
    })
    .join('');
}

/** The fields of one instruction, each with its bytes and meaning. */
export function fieldTable(ins: Instruction): string {
  const e = explain(ins);
  const rows = e.fields
    .map((f) => {
      const bytes = Array.from(e.bytes.subarray(f.from, f.to), h2).join(' ');
      const value =
        f.kind === 'code'
          ? `<span class="bits">0x${h2(ins.code)} = ${opcodeBits(ins.code)
              .map((g) => `<span class="b-${g.part}" title="${g.part}">${g.bits}</span>`)
              .join(' ')}</span>`
          : esc(f.value);
      return `<tr class="f-${f.kind}"><th>${esc(f.name)}</th><td class="fb">${bytes}</td><td class="fv">${value}</td><td>${esc(f.meaning)}</td></tr>`;
    })
    .join('');
  return `<p class="${e.valid ? 'sem' : 'sem bad'}"><code>${esc(disasm(ins))}</code> — ${esc(e.semantics)}</p><table class="fields"><tr><th>field</th><th>bytes</th><th>value</th><th>meaning</th></tr>${rows}</table>`;
}

const signed = (v: bigint): string => BigInt.asIntN(64, v).toString();

export function registerRows(regs: readonly bigint[], changed: ReadonlySet<number>): string {
  return regs
    .map(
      (v, r) =>
        `<tr class="${changed.has(r) ? 'chg' : ''}" data-reg="${r}"><th>r${r}</th><td class="hex">0x${v.toString(16).padStart(16, '0')}</td><td class="dec">${signed(v)}</td></tr>`,
    )
    .join('');
}

/**
 * A hex dump, 16 bytes a row, labelled by `label(offset)`. `recent` are bytes the last step
 * wrote; `changed` differ from the start. Only rows in `rows` are shown (all when undefined).
 */
export function hexDump(
  bytes: Uint8Array,
  label: (off: number) => string,
  recent: ReadonlySet<number> = new Set(),
  changed: ReadonlySet<number> = new Set(),
  rows?: readonly number[],
): string {
  const starts = rows ?? Array.from({ length: Math.ceil(bytes.length / 16) }, (_, i) => i * 16);
  return starts
    .map((start) => {
      const cells: string[] = [];
      let ascii = '';
      for (let i = start; i < Math.min(start + 16, bytes.length); i++) {
        const cls = recent.has(i) ? 'wr' : changed.has(i) ? 'chg' : '';
        cells.push(cls ? `<span class="${cls}">${h2(bytes[i])}</span>` : h2(bytes[i]));
        ascii += bytes[i] >= 0x20 && bytes[i] < 0x7f ? String.fromCharCode(bytes[i]) : '.';
      }
      return `<div class="row"><span class="addr">${esc(label(start))}</span> ${cells.join(' ')}  <span class="ascii">${esc(ascii)}</span></div>`;
    })
    .join('');
}

/** Parses hex bytes (`01 02 ff`, `0x01,0x02`, `0102ff`); throws a message naming the bad text. */
export function parseHex(text: string): Uint8Array {
  const clean = text
    .replace(/#.*$/gm, '')
    .replace(/0x/gi, ' ')
    .replace(/[,\s]+/g, ' ')
    .trim();
  if (clean === '') return new Uint8Array(0);
  const out: number[] = [];
  for (const tok of clean.split(' ')) {
    if (!/^[0-9a-fA-F]+$/.test(tok) || tok.length % 2 !== 0)
      throw new Error(`'${tok}' is not hex bytes (two hex digits a byte)`);
    for (let i = 0; i < tok.length; i += 2) out.push(Number.parseInt(tok.slice(i, i + 2), 16));
  }
  return Uint8Array.from(out);
}
