// `tsbpf disasm [FILE|-] [--format raw|hex|elf] [--addresses] [--labels] [--section NAME]`
import { decode, disassemble, explainProgram } from '../../isa/index.js';
import { programSections, readElf } from '../format/elf/program.js';
import { ElfError } from '../format/elf/types.js';
import { command } from './command.js';
import { fromHexText, readInput, writeOutput } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf disasm [FILE|-] [--format raw|hex|elf] [--addresses] [--labels] [--section NAME] [--explain]

Disassembles eBPF bytecode into the LLVM syntax (stdin when FILE is '-' or absent).
  --format F       raw (8-byte slots, default), hex (byte pairs, as 'tsbpf asm --format hex' writes)
                   or elf (every executable section, or only --section NAME)
  --addresses      prefix each instruction with its slot number
  --labels         name jump targets (L0:, goto L0) instead of printing offsets
  --explain        take each instruction's bytes apart: opcode fields, registers, off, imm, group
  -h, --help       show this help
`;

export const run = command({
  help: HELP,
  options: {
    format: { type: 'string' },
    addresses: { type: 'boolean' },
    labels: { type: 'boolean' },
    explain: { type: 'boolean' },
    section: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 1) throw new UsageError('expected at most one input file');
    const format = values.format ?? 'raw';
    if (format !== 'raw' && format !== 'hex' && format !== 'elf')
      throw new UsageError(`--format must be raw, hex or elf, not '${format}'`);
    const file = positionals[0];
    const name = file === undefined || file === '-' ? '<stdin>' : file;
    const input = readInput(file);
    const opts = { addresses: values.addresses, labels: values.labels };
    const show = (code: Uint8Array): string[] =>
      values.explain ? explainProgram(decode(code)) : disassemble(code, opts);
    let out = '';
    if (format === 'elf') {
      let sections: { name: string; code: Uint8Array }[];
      try {
        sections = programSections(readElf(input));
      } catch (e) {
        if (e instanceof ElfError) {
          process.stderr.write(`${name}: ${e.message}\n`);
          return 1;
        }
        throw e;
      }
      if (values.section !== undefined) {
        sections = sections.filter((s) => s.name === values.section);
        if (sections.length === 0) {
          process.stderr.write(`${name}: no executable section named '${values.section}'\n`);
          return 1;
        }
      }
      for (const s of sections) out += `${s.name}:\n${show(s.code).join('\n')}\n`;
    } else {
      let bytes: Uint8Array = input;
      if (format === 'hex') {
        try {
          bytes = fromHexText(input.toString('utf8'), name);
        } catch (e) {
          process.stderr.write(`${(e as Error).message}\n`);
          return 1;
        }
      }
      const lines = show(bytes);
      out = lines.length > 0 ? `${lines.join('\n')}\n` : '';
    }
    writeOutput(undefined, out);
    return 0;
  },
});
