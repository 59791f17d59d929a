// The command() helper every command is declared through: --help on each command, bad usage as
// exit 2 with one line, a misspelt option naming the one meant, and the exit status of a failure.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command, failureStatus } from '../../src/cli/command.js';
import { UsageError } from '../../src/cli/usage.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/tsbpf.js', import.meta.url));
const tsbpf = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

/** The commands `tsbpf --help` lists. */
const COMMANDS = [...tsbpf('--help').stdout.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1] as string);

/** What a command wrote to stdout and stderr while `body` ran. */
async function captured<T>(body: () => Promise<T>): Promise<{ result: T; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    err += String(chunk);
    return true;
  });
  try {
    return { result: await body(), out, err };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('every command, through the built CLI', () => {
  it('tsbpf --help lists the commands', () => {
    expect(COMMANDS.length).toBeGreaterThanOrEqual(15);
    expect(COMMANDS).toEqual(expect.arrayContaining(['trace', 'count', 'hist', 'asm', 'serve']));
  });

  for (const name of COMMANDS) {
    it(`${name} --help and -h: its usage on stdout, exit 0`, () => {
      for (const flag of ['--help', '-h']) {
        const r = tsbpf(name, flag);
        expect(r.status, r.stderr).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toMatch(new RegExp(`^usage: tsbpf ${name}\\b`));
      }
    });

    it(`${name} with an unknown option: one line on stderr, exit 2`, () => {
      const r = tsbpf(name, '--no-such-option-anywhere');
      expect(r.status, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `tsbpf ${name}: unknown option '--no-such-option-anywhere' (see --help; an argument starting with '-' goes after '--')\n`,
      );
    });
  }

  it('a misspelt option names the one meant (exit 2, one line)', () => {
    const r = tsbpf('trace', '--durration', '1', 'tracepoint:sched:sched_switch');
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toBe("tsbpf trace: unknown option '--durration' (did you mean '--duration'?)\n");
    const h = tsbpf('hist', '--intreval', '1', 'vfs_read');
    expect(h.stderr).toBe("tsbpf hist: unknown option '--intreval' (did you mean '--interval'?)\n");
  });

  it('an option value that is missing, unwanted or of no use is bad usage, exit 2', () => {
    for (const args of [
      ['count', 'tracepoint:sched:sched_switch', '--top'],
      ['list', '--json=yes'],
      ['features', 'extra'],
      // The exporter serves latency histograms only: --metrics would serve nothing here.
      ['hist', 'tracepoint:syscalls:sys_exit_read', '--value', 'ret', '--metrics', '127.0.0.1:9'],
    ]) {
      const r = tsbpf(...args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
    }
  });
});

describe('command()', () => {
  afterEach(() => vi.restoreAllMocks());
  const seen: { values: unknown; positionals: string[] }[] = [];
  const run = command({
    help: 'usage: tsbpf example [--level N] [--quiet] WORD...\n',
    options: { level: { type: 'string', short: 'l' }, quiet: { type: 'boolean' } },
    async run(values, positionals) {
      seen.push({ values, positionals });
      return values.quiet ? 0 : 3;
    },
  });

  it('parses the options and words and returns what the command returns', async () => {
    seen.length = 0;
    expect(await run(['-l', '2', 'a', '--quiet', 'b'])).toBe(0);
    expect(await run(['--level=7'])).toBe(3);
    expect(seen).toEqual([
      { values: { level: '2', quiet: true }, positionals: ['a', 'b'] },
      { values: { level: '7' }, positionals: [] },
    ]);
  });

  it('--help prints the help text exactly, exit 0, without running the command', async () => {
    seen.length = 0;
    const r = await captured(() => run(['--level', '2', '--help']));
    expect(r.result).toBe(0);
    expect(r.out).toBe('usage: tsbpf example [--level N] [--quiet] WORD...\n');
    expect(seen).toEqual([]);
  });

  it('bad usage throws a one-line UsageError', async () => {
    const cases: [string[], string][] = [
      [['--lvel', '1'], "unknown option '--lvel' (did you mean '--level'?)"],
      [['-x'], "unknown option '-x' (see --help; an argument starting with '-' goes after '--')"],
      [['--level'], "option '-l, --level' needs a value"],
      [['--quiet=yes'], "option '--quiet' takes no value"],
      [['-l', '-3'], "option '-l' needs a value; one that starts with '-' is written --level=VALUE"],
    ];
    for (const [argv, message] of cases) {
      const err = await run(argv).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, argv.join(' ')).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(message);
    }
  });

  it('positionals: false makes any word bad usage', async () => {
    const strict = command({ help: 'usage\n', options: {}, positionals: false, run: async () => 0 });
    await expect(strict([])).resolves.toBe(0);
    await expect(strict(['extra'])).rejects.toThrow(
      new UsageError("unexpected argument 'extra' (see --help)"),
    );
  });

  it('failureStatus: bad usage is 2, any other failure 1, each with one line on stderr', async () => {
    const usage = await captured(async () =>
      failureStatus('example', new UsageError('--level: not a level')),
    );
    expect(usage.result).toBe(2);
    expect(usage.err).toBe('tsbpf example: --level: not a level\n');
    const failed = await captured(async () => failureStatus('example', new Error('no such file')));
    expect(failed.result).toBe(1);
    expect(failed.err).toBe('tsbpf example: no such file\n');
  });
});
