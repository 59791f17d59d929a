// One declaration per command: its options, its --help text, whether it takes words that are not
// options, and what it does. Parsing, --help, usage errors and the exit status of a failure are
// done here once, so every command follows the same contract: exit 0 on success, 1 on a user
// error with one line on stderr, 2 on bad usage (main.ts turns a closed stdout into a quiet 0).
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { saveCodeCache } from './code-cache.js';
import { parseOptions, UsageError } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Every command takes -h/--help. */
const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const satisfies Options;

/** What node:util parseArgs makes of options `O` (with --help) and the other words. */
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; allowPositionals: true }>
>;

export interface CommandSpec<O extends Options> {
  /** The text --help prints, exactly (docs/cli.md is made from it). */
  help: string;
  options: O;
  /** Whether words that are not options are taken (default true); false: each is a usage error. */
  positionals?: boolean;
  /** The command itself, once the options are parsed and --help was not asked for. */
  run(values: Parsed<O>['values'], positionals: string[], argv: string[]): Promise<number>;
}

/** A command's entry point: its exit status, or it throws (UsageError: bad usage). */
export type CommandRun = (argv: string[]) => Promise<number>;

export function command<const O extends Options>(spec: CommandSpec<O>): CommandRun {
  const options = { ...spec.options, ...HELP_OPTION };
  return async (argv) => {
    const { values, positionals } = (await parseOptions(
      () => parseArgs({ args: argv, options, allowPositionals: spec.positionals ?? true }),
      Object.keys(options),
    )) as Parsed<O>;
    if ((values as { help?: boolean }).help) {
      process.stdout.write(spec.help);
      return 0;
    }
    const status = await spec.run(values, positionals, argv);
    // The code of a run that did its work (not --help, not a usage error) is the code worth keeping.
    if (status === 0) saveCodeCache();
    return status;
  };
}

/**
 * The exit status of a command that threw, after one line on stderr: 2 for bad usage, 1 for
 * anything else (with the stack under TSBPF_DEBUG).
 */
export function failureStatus(name: string, err: unknown): number {
  if (err instanceof UsageError) {
    process.stderr.write(`tsbpf ${name}: ${err.message}\n`);
    return 2;
  }
  const e = err as Error;
  process.stderr.write(`tsbpf ${name}: ${e?.message ?? String(err)}\n`);
  if (process.env.TSBPF_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  return 1;
}
