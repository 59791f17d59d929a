// `tsbpf asm [FILE|-] [-o OUT] [--dialect llvm|ubpf] [--format raw|hex|elf] [--section NAME]`
import { AssemblerError, assemble, type Dialect, explainProgram, formatDiagnostic } from '../../isa/index.js';
import { writeProgramObject } from '../format/elf/program.js';
import { command } from './command.js';
import { readInputText, toHexLines, writeOutput } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf asm [FILE|-] [-o OUT] [--dialect llvm|ubpf] [--format raw|hex|elf] [--section NAME] [--explain]

Assembles eBPF text (stdin when FILE is '-' or absent).
  -o, --output OUT   write to OUT instead of stdout
  --dialect D        llvm (default: the llvm-objdump/verifier syntax) or ubpf (conformance suite)
  --format F         raw (8-byte slots, default), hex (one slot per line) or elf (relocatable object)
  --section NAME     ELF section for the code (default .text)
  --license L        add a license section (elf)
  --map NAME=TYPE:KEY:VALUE:MAX[:FLAGS]
                     (elf, repeatable) define a BTF map the program references as
                     \`r1 = NAME ll\`; the object then loads with libbpf tools (bpftool prog
                     loadall) and tsbpf load; the section defaults to 'socket'
  --explain          print each instruction's bytes taken apart (opcode fields, registers, off,
                     imm, conformance group) instead of writing the program
  -h, --help         show this help
Errors are printed as FILE:LINE:COL: message, exit status 1; warnings as FILE:LINE:COL: warning: …
`;

export const run = command({
  help: HELP,
  options: {
    output: { type: 'string', short: 'o' },
    dialect: { type: 'string' },
    format: { type: 'string' },
    section: { type: 'string' },
    license: { type: 'string' },
    map: { type: 'string', multiple: true },
    explain: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length > 1) throw new UsageError('expected at most one input file');
    const dialect = values.dialect ?? 'llvm';
    if (dialect !== 'llvm' && dialect !== 'ubpf')
      throw new UsageError(`--dialect must be llvm or ubpf, not '${dialect}'`);
    const format = values.format ?? 'raw';
    if (format !== 'raw' && format !== 'hex' && format !== 'elf')
      throw new UsageError(`--format must be raw, hex or elf, not '${format}'`);
    if (values.map?.length && format !== 'elf') throw new UsageError('--map needs --format elf');
    const { MapType } = await import('../sys/types.js');
    const maps = (values.map ?? []).map((text) => parseMapOption(text, MapType));
    const file = positionals[0];
    const name = file === undefined || file === '-' ? '<stdin>' : file;
    const text = readInputText(file);
    let result: ReturnType<typeof assemble>;
    try {
      result = assemble(text, { dialect: dialect as Dialect, file: name });
    } catch (e) {
      if (!(e instanceof AssemblerError)) throw e;
      process.stderr.write(`${e.diagnostics.map(formatDiagnostic).join('\n')}\n`);
      return 1;
    }
    for (const w of result.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
    if (values.explain) {
      writeOutput(values.output, `${explainProgram(result.instructions).join('\n')}\n`);
      return 0;
    }
    const bytes = result.bytes;
    if (format === 'hex') writeOutput(values.output, toHexLines(bytes));
    else if (format === 'elf' && maps.length) {
      const { writeObject } = await import('../format/object/writer.js');
      const entry = [...result.labels].find(([, slot]) => slot === 0)?.[0] ?? 'prog';
      writeOutput(
        values.output,
        writeObject({
          programs: [{ name: entry, section: values.section ?? 'socket', instructions: result.instructions }],
          maps,
          license: values.license ?? 'GPL',
        }),
      );
    } else if (format === 'elf') {
      writeOutput(
        values.output,
        writeProgramObject(result, {
          section: values.section,
          labels: result.labels,
          license: values.license,
        }),
      );
    } else writeOutput(values.output, bytes);
    return 0;
  },
});

function parseMapOption(text: string, mapTypes: Readonly<Record<string, number>>) {
  const m = /^([A-Za-z_][A-Za-z0-9_.]*)=([a-z_]+):(\d+):(\d+):(\d+)(?::(\d+|0x[0-9a-f]+))?$/i.exec(text);
  if (!m) throw new UsageError(`--map takes NAME=TYPE:KEY:VALUE:MAX[:FLAGS], not '${text}'`);
  // Own properties only: 'constructor' is not a map type.
  const type = (m[2] as string).toLowerCase();
  if (!Object.hasOwn(mapTypes, type) || type === 'unspec')
    throw new UsageError(
      `--map '${text}': '${m[2]}' is not a map type (hash, array, percpu_array, ringbuf, …)`,
    );
  // Each field is a u32 in the map definition: larger values would be cut silently.
  const field = (i: number, what: string, min: number): number => {
    const n = Number(m[i]);
    if (!Number.isSafeInteger(n) || n < min || n > 0xffff_ffff)
      throw new UsageError(`--map '${text}': ${what} ${m[i]} is not in ${min}..4294967295`);
    return n;
  };
  return {
    name: m[1] as string,
    type: type as 'hash',
    keySize: field(3, 'key size', 0),
    valueSize: field(4, 'value size', 0),
    maxEntries: field(5, 'max entries', 1),
    flags: m[6] === undefined ? 0 : field(6, 'flags', 0),
  };
}
