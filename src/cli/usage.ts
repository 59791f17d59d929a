// Bad command-line usage (exit 2) and the one-line messages made of what the option parser rejects.

/** Bad command-line usage: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Runs an option parser (node:util parseArgs); what it rejects becomes a UsageError with one
 * line of tsbpf's own: Node's texts span lines and quote unevenly. `known`, the long option
 * names, lets a misspelt option name the one that was meant.
 */
export async function parseOptions<T>(parse: () => T, known: readonly string[] = []): Promise<T> {
  try {
    return parse();
  } catch (e) {
    const err = e as Error & { code?: string };
    // Loaded on this path only: the text tools (asm, disasm) start without any of btf/.
    const near =
      err?.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
        ? (await import('../../btf/nearest.js')).nearestName
        : undefined;
    throw new UsageError(usageMessage(err, (name) => near?.(name, known)));
  }
}

function usageMessage(e: Error & { code?: string }, nearest: (name: string) => string | undefined): string {
  const text = String(e?.message ?? e);
  const option = /Option '([^']*)'/.exec(text)?.[1];
  const long = /'(--[\w-]+)=-XYZ'/.exec(text)?.[1];
  switch (e?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const name = /Unknown option '([^']*)'/.exec(text)?.[1] ?? '?';
      const near = name.startsWith('--') ? nearest(name.slice(2)) : undefined;
      if (near !== undefined) return `unknown option '${name}' (did you mean '--${near}'?)`;
      return `unknown option '${name}' (see --help; an argument starting with '-' goes after '--')`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const arg = /Unexpected argument '([^']*)'/.exec(text)?.[1] ?? '?';
      return `unexpected argument '${arg}' (see --help)`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // `-n -1`: the value looks like an option; Node calls that ambiguous.
      if (/ambiguous/.test(text) && option)
        return `option '${option}' needs a value; one that starts with '-' is written ${long ?? option}=VALUE`;
      if (/does not take an argument/.test(text) && option)
        return `option '${option.split(',')[0]}' takes no value`;
      if (/argument missing/.test(text) && option)
        return `option '${option.replace(/ <value>$/, '')}' needs a value`;
      break;
    default:
  }
  return text.split('\n')[0] as string;
}
