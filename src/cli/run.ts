// `tsbpf run FILE [--dialect llvm|ubpf] [--mem HEX] [--trace] [--strict] [--kernel] [--max-steps N]
// [--format F]`: runs a program in the interpreter and prints r0; with --trace, one aligned line
// per step; --strict stops where the kernel's verifier would; --kernel runs it in the kernel too.
import {
  AssemblerError,
  assemble,
  type Dialect,
  decode,
  formatDiagnostic,
  formatInitialRegisters,
  formatTraceStep,
  type Instruction,
  Interpreter,
  InterpreterFault,
  type RunResult,
  slotCount,
} from '../../isa/index.js';
import { programSections, readElf } from '../format/elf/program.js';
import { command } from './command.js';
import { parseConformanceFile } from './conformance-file.js';
import { fromHexText, readInput } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: tsbpf run FILE [--dialect llvm|ubpf] [--mem HEX] [--trace] [--strict] [--kernel] [--max-steps N] [--format F]

Runs an eBPF program in tsbpf's interpreter and prints r0 (decimal and hex).
FILE is assembly text, a raw program (.bin/.raw), an ELF object (.o) or a conformance test (.data);
'-' reads assembly from stdin.
  --dialect D      assembly syntax: llvm (default) or ubpf (default for .data files)
  --format F       asm, raw, elf or data (default: by extension)
  --section NAME   ELF section to run (default: the first one with code)
  --mem HEX        context/packet bytes: r1 = their address, r2 = their length
  --trace          print every step: pc, instruction, registers changed, memory written,
                   branches taken or not with the values compared; first the start registers
  --strict         stop where the kernel's verifier would refuse the program, in its words:
                   unset register or stack reads, misaligned stack access, out-of-range
                   shifts, division by the constant 0, a function falling off its end
  --kernel         also run the program in this kernel (BPF_PROG_TEST_RUN, XDP, needs root)
                   and print both results; the kernel reports r0 only. Exit 1 if they differ
  --max-steps N    stop with a fault after N instructions (default 10000000)
  -h, --help       show this help
A fault prints one line with the pc and the instruction and exits 1.
`;

type Format = 'asm' | 'raw' | 'elf' | 'data';

function formatOf(file: string, given: string | undefined): Format {
  if (given !== undefined) {
    if (given !== 'asm' && given !== 'raw' && given !== 'elf' && given !== 'data')
      throw new UsageError(`--format must be asm, raw, elf or data, not '${given}'`);
    return given;
  }
  if (/\.o$/.test(file)) return 'elf';
  if (/\.(bin|raw)$/.test(file)) return 'raw';
  if (/\.data$/.test(file)) return 'data';
  return 'asm';
}

export const run = command({
  help: HELP,
  options: {
    dialect: { type: 'string' },
    format: { type: 'string' },
    section: { type: 'string' },
    mem: { type: 'string' },
    trace: { type: 'boolean' },
    strict: { type: 'boolean' },
    kernel: { type: 'boolean' },
    'max-steps': { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length !== 1) throw new UsageError('expected one input file (see --help)');
    const file = positionals[0];
    const format = formatOf(file, values.format);
    const dialect = values.dialect ?? (format === 'data' ? 'ubpf' : 'llvm');
    if (dialect !== 'llvm' && dialect !== 'ubpf')
      throw new UsageError(`--dialect must be llvm or ubpf, not '${dialect}'`);
    let maxSteps: number | undefined;
    if (values['max-steps'] !== undefined) {
      maxSteps = Number(values['max-steps']);
      if (!Number.isInteger(maxSteps) || maxSteps <= 0)
        throw new UsageError(`--max-steps must be a positive integer, not '${values['max-steps']}'`);
    }
    const name = file === '-' ? '<stdin>' : file;
    const input = readInput(file);
    let program: Instruction[] | Uint8Array;
    let mem = values.mem !== undefined ? fromHexText(values.mem, '--mem') : undefined;
    try {
      switch (format) {
        case 'raw':
          program = new Uint8Array(input);
          break;
        case 'elf': {
          const sections = programSections(readElf(new Uint8Array(input)));
          const chosen = values.section ? sections.find((s) => s.name === values.section) : sections[0];
          if (!chosen) {
            process.stderr.write(
              `tsbpf run: ${name}: ${values.section ? `no section '${values.section}'` : 'no code section'}\n`,
            );
            return 1;
          }
          program = decode(chosen.code);
          break;
        }
        case 'data': {
          const test = parseConformanceFile(name, input.toString('utf8'), file === '-' ? undefined : file);
          program =
            test.raw ?? assemble(test.asm ?? '', { dialect: dialect as Dialect, file: name }).instructions;
          mem ??= test.mem;
          break;
        }
        default: {
          const assembled = assemble(input.toString('utf8'), { dialect: dialect as Dialect, file: name });
          for (const w of assembled.warnings) process.stderr.write(`${formatDiagnostic(w)}\n`);
          program = assembled.instructions;
        }
      }
    } catch (e) {
      if (e instanceof AssemblerError) {
        process.stderr.write(`${e.diagnostics.map(formatDiagnostic).join('\n')}\n`);
        return 1;
      }
      throw e;
    }
    const interp = new Interpreter(program, { maxSteps, strict: values.strict });
    let result: RunResult;
    try {
      if (values.trace) {
        let width = 0;
        for (let pc = 0; pc < interp.slots; pc++) width = Math.max(width, interp.textAt(pc).length);
        const steps = interp.trace({ mem });
        let next = steps.next();
        while (!next.done) {
          if (next.value.initial) process.stdout.write(`${formatInitialRegisters(next.value.initial)}\n`);
          process.stdout.write(`${formatTraceStep(next.value, width)}\n`);
          next = steps.next();
        }
        result = next.value;
      } else result = interp.run({ mem });
    } catch (e) {
      if (e instanceof InterpreterFault) {
        process.stderr.write(`tsbpf run: ${name}: ${e.message}${sourceOf(program, e.pc)}\n`);
        return 1;
      }
      throw e;
    }
    for (const line of result.output) process.stdout.write(`trace_printk: ${line}\n`);
    if (values.kernel) {
      const status = await sideBySide(result, program, mem, name);
      if (values.trace) process.stdout.write(`${result.steps} instructions\n`);
      return status;
    }
    const signed = BigInt.asIntN(64, result.r0);
    process.stdout.write(
      `r0 = ${result.r0}${signed < 0n ? ` (${signed})` : ''} (0x${result.r0.toString(16)})\n`,
    );
    if (values.trace) process.stdout.write(`${result.steps} instructions\n`);
    return 0;
  },
});

/** ` (at 3:1: r0 = r5)`: where the instruction at slot `pc` was written, when known. */
function sourceOf(program: Instruction[] | Uint8Array, pc: number): string {
  if (program instanceof Uint8Array) return '';
  let slot = 0;
  for (const ins of program) {
    if (slot === pc) {
      const src = ins.source;
      return src ? ` (at ${src.line}:${src.col}${src.text ? `: ${src.text.trim()}` : ''})` : '';
    }
    slot += slotCount(ins);
    if (slot > pc) break;
  }
  return '';
}

const showR0 = (r0: bigint): string => {
  const signed = BigInt.asIntN(64, r0);
  return `r0 = ${r0}${signed < 0n ? ` (${signed})` : ''} (0x${r0.toString(16)})`;
};

/** `--kernel`: the same program through BPF_PROG_TEST_RUN, both r0 side by side. */
async function sideBySide(
  result: RunResult,
  program: Instruction[] | Uint8Array,
  mem: Uint8Array | undefined,
  name: string,
): Promise<number> {
  const { runOnKernel } = await import('../conformance-kernel.js');
  const instructions = program instanceof Uint8Array ? decode(program) : program;
  const kernel = runOnKernel(instructions, mem);
  process.stdout.write(`interpreter: ${showR0(result.r0)}\n`);
  if (kernel.kind === 'rejected') {
    const at =
      kernel.insnIndex === undefined
        ? ''
        : ` at pc ${kernel.insnIndex}${sourceOf(program, kernel.insnIndex)}`;
    process.stdout.write(`kernel:      rejected by the verifier: ${kernel.reason}${at}\n`);
    process.stderr.write(
      `tsbpf run: ${name}: the kernel's verifier rejects the program: ${kernel.reason}${at}\n`,
    );
    return 1;
  }
  process.stdout.write(
    `kernel:      ${showR0(kernel.r0)} (BPF_PROG_TEST_RUN as XDP; the kernel reports r0 only)\n`,
  );
  if (kernel.r0 !== result.r0) {
    process.stderr.write(`tsbpf run: ${name}: the interpreter and the kernel disagree on r0\n`);
    return 1;
  }
  return 0;
}
